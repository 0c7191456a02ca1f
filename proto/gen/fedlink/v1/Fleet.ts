// Original file: proto/fedlink/v1/fleet.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClientMessage as _fedlink_v1_ClientMessage, ClientMessage__Output as _fedlink_v1_ClientMessage__Output } from '../../fedlink/v1/ClientMessage';
import type { CoordinatorMessage as _fedlink_v1_CoordinatorMessage, CoordinatorMessage__Output as _fedlink_v1_CoordinatorMessage__Output } from '../../fedlink/v1/CoordinatorMessage';
import type { EnrollRequest as _fedlink_v1_EnrollRequest, EnrollRequest__Output as _fedlink_v1_EnrollRequest__Output } from '../../fedlink/v1/EnrollRequest';
import type { EnrollResponse as _fedlink_v1_EnrollResponse, EnrollResponse__Output as _fedlink_v1_EnrollResponse__Output } from '../../fedlink/v1/EnrollResponse';
import type { FetchModelRequest as _fedlink_v1_FetchModelRequest, FetchModelRequest__Output as _fedlink_v1_FetchModelRequest__Output } from '../../fedlink/v1/FetchModelRequest';
import type { ModelChunk as _fedlink_v1_ModelChunk, ModelChunk__Output as _fedlink_v1_ModelChunk__Output } from '../../fedlink/v1/ModelChunk';
import type { PushUpdateResponse as _fedlink_v1_PushUpdateResponse, PushUpdateResponse__Output as _fedlink_v1_PushUpdateResponse__Output } from '../../fedlink/v1/PushUpdateResponse';
import type { QueryUpdateRequest as _fedlink_v1_QueryUpdateRequest, QueryUpdateRequest__Output as _fedlink_v1_QueryUpdateRequest__Output } from '../../fedlink/v1/QueryUpdateRequest';
import type { QueryUpdateResponse as _fedlink_v1_QueryUpdateResponse, QueryUpdateResponse__Output as _fedlink_v1_QueryUpdateResponse__Output } from '../../fedlink/v1/QueryUpdateResponse';
import type { UpdateChunk as _fedlink_v1_UpdateChunk, UpdateChunk__Output as _fedlink_v1_UpdateChunk__Output } from '../../fedlink/v1/UpdateChunk';

export interface FleetClient extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fedlink_v1_ClientMessage, _fedlink_v1_CoordinatorMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fedlink_v1_ClientMessage, _fedlink_v1_CoordinatorMessage__Output>;
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fedlink_v1_ClientMessage, _fedlink_v1_CoordinatorMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fedlink_v1_ClientMessage, _fedlink_v1_CoordinatorMessage__Output>;
  
  Enroll(argument: _fedlink_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _fedlink_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _fedlink_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _fedlink_v1_EnrollRequest, callback: grpc.requestCallback<_fedlink_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _fedlink_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _fedlink_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _fedlink_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _fedlink_v1_EnrollRequest, callback: grpc.requestCallback<_fedlink_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  
  FetchModel(argument: _fedlink_v1_FetchModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_ModelChunk__Output>;
  FetchModel(argument: _fedlink_v1_FetchModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_ModelChunk__Output>;
  fetchModel(argument: _fedlink_v1_FetchModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_ModelChunk__Output>;
  fetchModel(argument: _fedlink_v1_FetchModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_ModelChunk__Output>;
  
  PushUpdate(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_PushUpdateResponse__Output>): grpc.ClientWritableStream<_fedlink_v1_UpdateChunk>;
  PushUpdate(metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_PushUpdateResponse__Output>): grpc.ClientWritableStream<_fedlink_v1_UpdateChunk>;
  PushUpdate(options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_PushUpdateResponse__Output>): grpc.ClientWritableStream<_fedlink_v1_UpdateChunk>;
  PushUpdate(callback: grpc.requestCallback<_fedlink_v1_PushUpdateResponse__Output>): grpc.ClientWritableStream<_fedlink_v1_UpdateChunk>;
  pushUpdate(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_PushUpdateResponse__Output>): grpc.ClientWritableStream<_fedlink_v1_UpdateChunk>;
  pushUpdate(metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_PushUpdateResponse__Output>): grpc.ClientWritableStream<_fedlink_v1_UpdateChunk>;
  pushUpdate(options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_PushUpdateResponse__Output>): grpc.ClientWritableStream<_fedlink_v1_UpdateChunk>;
  pushUpdate(callback: grpc.requestCallback<_fedlink_v1_PushUpdateResponse__Output>): grpc.ClientWritableStream<_fedlink_v1_UpdateChunk>;
  
  QueryUpdate(argument: _fedlink_v1_QueryUpdateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_QueryUpdateResponse__Output>): grpc.ClientUnaryCall;
  QueryUpdate(argument: _fedlink_v1_QueryUpdateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_QueryUpdateResponse__Output>): grpc.ClientUnaryCall;
  QueryUpdate(argument: _fedlink_v1_QueryUpdateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_QueryUpdateResponse__Output>): grpc.ClientUnaryCall;
  QueryUpdate(argument: _fedlink_v1_QueryUpdateRequest, callback: grpc.requestCallback<_fedlink_v1_QueryUpdateResponse__Output>): grpc.ClientUnaryCall;
  queryUpdate(argument: _fedlink_v1_QueryUpdateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_QueryUpdateResponse__Output>): grpc.ClientUnaryCall;
  queryUpdate(argument: _fedlink_v1_QueryUpdateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_QueryUpdateResponse__Output>): grpc.ClientUnaryCall;
  queryUpdate(argument: _fedlink_v1_QueryUpdateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_QueryUpdateResponse__Output>): grpc.ClientUnaryCall;
  queryUpdate(argument: _fedlink_v1_QueryUpdateRequest, callback: grpc.requestCallback<_fedlink_v1_QueryUpdateResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface FleetHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<_fedlink_v1_ClientMessage__Output, _fedlink_v1_CoordinatorMessage>;
  
  Enroll: grpc.handleUnaryCall<_fedlink_v1_EnrollRequest__Output, _fedlink_v1_EnrollResponse>;
  
  FetchModel: grpc.handleServerStreamingCall<_fedlink_v1_FetchModelRequest__Output, _fedlink_v1_ModelChunk>;
  
  PushUpdate: grpc.handleClientStreamingCall<_fedlink_v1_UpdateChunk__Output, _fedlink_v1_PushUpdateResponse>;
  
  QueryUpdate: grpc.handleUnaryCall<_fedlink_v1_QueryUpdateRequest__Output, _fedlink_v1_QueryUpdateResponse>;
  
}

export interface FleetDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_fedlink_v1_ClientMessage, _fedlink_v1_CoordinatorMessage, _fedlink_v1_ClientMessage__Output, _fedlink_v1_CoordinatorMessage__Output>
  Enroll: MethodDefinition<_fedlink_v1_EnrollRequest, _fedlink_v1_EnrollResponse, _fedlink_v1_EnrollRequest__Output, _fedlink_v1_EnrollResponse__Output>
  FetchModel: MethodDefinition<_fedlink_v1_FetchModelRequest, _fedlink_v1_ModelChunk, _fedlink_v1_FetchModelRequest__Output, _fedlink_v1_ModelChunk__Output>
  PushUpdate: MethodDefinition<_fedlink_v1_UpdateChunk, _fedlink_v1_PushUpdateResponse, _fedlink_v1_UpdateChunk__Output, _fedlink_v1_PushUpdateResponse__Output>
  QueryUpdate: MethodDefinition<_fedlink_v1_QueryUpdateRequest, _fedlink_v1_QueryUpdateResponse, _fedlink_v1_QueryUpdateRequest__Output, _fedlink_v1_QueryUpdateResponse__Output>
}
