import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { InferenceClient as _fedlink_v1_InferenceClient, InferenceDefinition as _fedlink_v1_InferenceDefinition } from './fedlink/v1/Inference';
import type { PredictRequest as _fedlink_v1_PredictRequest, PredictRequest__Output as _fedlink_v1_PredictRequest__Output } from './fedlink/v1/PredictRequest';
import type { PredictResponse as _fedlink_v1_PredictResponse, PredictResponse__Output as _fedlink_v1_PredictResponse__Output } from './fedlink/v1/PredictResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fedlink: {
    v1: {
      Inference: SubtypeConstructor<typeof grpc.Client, _fedlink_v1_InferenceClient> & { service: _fedlink_v1_InferenceDefinition }
      PredictRequest: MessageTypeDefinition<_fedlink_v1_PredictRequest, _fedlink_v1_PredictRequest__Output>
      PredictResponse: MessageTypeDefinition<_fedlink_v1_PredictResponse, _fedlink_v1_PredictResponse__Output>
    }
  }
}

