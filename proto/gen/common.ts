import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ImagePreprocessing as _fedlink_v1_ImagePreprocessing, ImagePreprocessing__Output as _fedlink_v1_ImagePreprocessing__Output } from './fedlink/v1/ImagePreprocessing';
import type { LinkReport as _fedlink_v1_LinkReport, LinkReport__Output as _fedlink_v1_LinkReport__Output } from './fedlink/v1/LinkReport';
import type { Metrics as _fedlink_v1_Metrics, Metrics__Output as _fedlink_v1_Metrics__Output } from './fedlink/v1/Metrics';
import type { ModelSpec as _fedlink_v1_ModelSpec, ModelSpec__Output as _fedlink_v1_ModelSpec__Output } from './fedlink/v1/ModelSpec';
import type { Objective as _fedlink_v1_Objective, Objective__Output as _fedlink_v1_Objective__Output } from './fedlink/v1/Objective';
import type { OptimizerSpec as _fedlink_v1_OptimizerSpec, OptimizerSpec__Output as _fedlink_v1_OptimizerSpec__Output } from './fedlink/v1/OptimizerSpec';
import type { Preprocessing as _fedlink_v1_Preprocessing, Preprocessing__Output as _fedlink_v1_Preprocessing__Output } from './fedlink/v1/Preprocessing';
import type { TensorSpec as _fedlink_v1_TensorSpec, TensorSpec__Output as _fedlink_v1_TensorSpec__Output } from './fedlink/v1/TensorSpec';
import type { TrainConfig as _fedlink_v1_TrainConfig, TrainConfig__Output as _fedlink_v1_TrainConfig__Output } from './fedlink/v1/TrainConfig';
import type { TransferHeader as _fedlink_v1_TransferHeader, TransferHeader__Output as _fedlink_v1_TransferHeader__Output } from './fedlink/v1/TransferHeader';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fedlink: {
    v1: {
      ImagePreprocessing: MessageTypeDefinition<_fedlink_v1_ImagePreprocessing, _fedlink_v1_ImagePreprocessing__Output>
      LinkReport: MessageTypeDefinition<_fedlink_v1_LinkReport, _fedlink_v1_LinkReport__Output>
      Metrics: MessageTypeDefinition<_fedlink_v1_Metrics, _fedlink_v1_Metrics__Output>
      ModelSpec: MessageTypeDefinition<_fedlink_v1_ModelSpec, _fedlink_v1_ModelSpec__Output>
      Objective: MessageTypeDefinition<_fedlink_v1_Objective, _fedlink_v1_Objective__Output>
      OptimizerSpec: MessageTypeDefinition<_fedlink_v1_OptimizerSpec, _fedlink_v1_OptimizerSpec__Output>
      Preprocessing: MessageTypeDefinition<_fedlink_v1_Preprocessing, _fedlink_v1_Preprocessing__Output>
      TensorSpec: MessageTypeDefinition<_fedlink_v1_TensorSpec, _fedlink_v1_TensorSpec__Output>
      TrainConfig: MessageTypeDefinition<_fedlink_v1_TrainConfig, _fedlink_v1_TrainConfig__Output>
      TransferHeader: MessageTypeDefinition<_fedlink_v1_TransferHeader, _fedlink_v1_TransferHeader__Output>
    }
  }
}

