// Original file: proto/fedlink/v1/inference.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PredictRequest as _fedlink_v1_PredictRequest, PredictRequest__Output as _fedlink_v1_PredictRequest__Output } from '../../fedlink/v1/PredictRequest';
import type { PredictResponse as _fedlink_v1_PredictResponse, PredictResponse__Output as _fedlink_v1_PredictResponse__Output } from '../../fedlink/v1/PredictResponse';

export interface InferenceClient extends grpc.Client {
  Predict(argument: _fedlink_v1_PredictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _fedlink_v1_PredictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _fedlink_v1_PredictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _fedlink_v1_PredictRequest, callback: grpc.requestCallback<_fedlink_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _fedlink_v1_PredictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _fedlink_v1_PredictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _fedlink_v1_PredictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _fedlink_v1_PredictRequest, callback: grpc.requestCallback<_fedlink_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface InferenceHandlers extends grpc.UntypedServiceImplementation {
  Predict: grpc.handleUnaryCall<_fedlink_v1_PredictRequest__Output, _fedlink_v1_PredictResponse>;
  
}

export interface InferenceDefinition extends grpc.ServiceDefinition {
  Predict: MethodDefinition<_fedlink_v1_PredictRequest, _fedlink_v1_PredictResponse, _fedlink_v1_PredictRequest__Output, _fedlink_v1_PredictResponse__Output>
}
