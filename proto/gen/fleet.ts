import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CancelTask as _fedlink_v1_CancelTask, CancelTask__Output as _fedlink_v1_CancelTask__Output } from './fedlink/v1/CancelTask';
import type { Capabilities as _fedlink_v1_Capabilities, Capabilities__Output as _fedlink_v1_Capabilities__Output } from './fedlink/v1/Capabilities';
import type { ClientMessage as _fedlink_v1_ClientMessage, ClientMessage__Output as _fedlink_v1_ClientMessage__Output } from './fedlink/v1/ClientMessage';
import type { CoordinatorMessage as _fedlink_v1_CoordinatorMessage, CoordinatorMessage__Output as _fedlink_v1_CoordinatorMessage__Output } from './fedlink/v1/CoordinatorMessage';
import type { Drain as _fedlink_v1_Drain, Drain__Output as _fedlink_v1_Drain__Output } from './fedlink/v1/Drain';
import type { EnrollRequest as _fedlink_v1_EnrollRequest, EnrollRequest__Output as _fedlink_v1_EnrollRequest__Output } from './fedlink/v1/EnrollRequest';
import type { EnrollResponse as _fedlink_v1_EnrollResponse, EnrollResponse__Output as _fedlink_v1_EnrollResponse__Output } from './fedlink/v1/EnrollResponse';
import type { FetchModelRequest as _fedlink_v1_FetchModelRequest, FetchModelRequest__Output as _fedlink_v1_FetchModelRequest__Output } from './fedlink/v1/FetchModelRequest';
import type { FleetClient as _fedlink_v1_FleetClient, FleetDefinition as _fedlink_v1_FleetDefinition } from './fedlink/v1/Fleet';
import type { Goodbye as _fedlink_v1_Goodbye, Goodbye__Output as _fedlink_v1_Goodbye__Output } from './fedlink/v1/Goodbye';
import type { Heartbeat as _fedlink_v1_Heartbeat, Heartbeat__Output as _fedlink_v1_Heartbeat__Output } from './fedlink/v1/Heartbeat';
import type { HeartbeatAck as _fedlink_v1_HeartbeatAck, HeartbeatAck__Output as _fedlink_v1_HeartbeatAck__Output } from './fedlink/v1/HeartbeatAck';
import type { Hello as _fedlink_v1_Hello, Hello__Output as _fedlink_v1_Hello__Output } from './fedlink/v1/Hello';
import type { ImagePreprocessing as _fedlink_v1_ImagePreprocessing, ImagePreprocessing__Output as _fedlink_v1_ImagePreprocessing__Output } from './fedlink/v1/ImagePreprocessing';
import type { LinkReport as _fedlink_v1_LinkReport, LinkReport__Output as _fedlink_v1_LinkReport__Output } from './fedlink/v1/LinkReport';
import type { Metrics as _fedlink_v1_Metrics, Metrics__Output as _fedlink_v1_Metrics__Output } from './fedlink/v1/Metrics';
import type { ModelChunk as _fedlink_v1_ModelChunk, ModelChunk__Output as _fedlink_v1_ModelChunk__Output } from './fedlink/v1/ModelChunk';
import type { ModelSpec as _fedlink_v1_ModelSpec, ModelSpec__Output as _fedlink_v1_ModelSpec__Output } from './fedlink/v1/ModelSpec';
import type { Objective as _fedlink_v1_Objective, Objective__Output as _fedlink_v1_Objective__Output } from './fedlink/v1/Objective';
import type { OptimizerSpec as _fedlink_v1_OptimizerSpec, OptimizerSpec__Output as _fedlink_v1_OptimizerSpec__Output } from './fedlink/v1/OptimizerSpec';
import type { Preprocessing as _fedlink_v1_Preprocessing, Preprocessing__Output as _fedlink_v1_Preprocessing__Output } from './fedlink/v1/Preprocessing';
import type { Probe as _fedlink_v1_Probe, Probe__Output as _fedlink_v1_Probe__Output } from './fedlink/v1/Probe';
import type { ProbeReply as _fedlink_v1_ProbeReply, ProbeReply__Output as _fedlink_v1_ProbeReply__Output } from './fedlink/v1/ProbeReply';
import type { PushUpdateResponse as _fedlink_v1_PushUpdateResponse, PushUpdateResponse__Output as _fedlink_v1_PushUpdateResponse__Output } from './fedlink/v1/PushUpdateResponse';
import type { QueryUpdateRequest as _fedlink_v1_QueryUpdateRequest, QueryUpdateRequest__Output as _fedlink_v1_QueryUpdateRequest__Output } from './fedlink/v1/QueryUpdateRequest';
import type { QueryUpdateResponse as _fedlink_v1_QueryUpdateResponse, QueryUpdateResponse__Output as _fedlink_v1_QueryUpdateResponse__Output } from './fedlink/v1/QueryUpdateResponse';
import type { TaskAssignment as _fedlink_v1_TaskAssignment, TaskAssignment__Output as _fedlink_v1_TaskAssignment__Output } from './fedlink/v1/TaskAssignment';
import type { TaskFailure as _fedlink_v1_TaskFailure, TaskFailure__Output as _fedlink_v1_TaskFailure__Output } from './fedlink/v1/TaskFailure';
import type { TaskProgress as _fedlink_v1_TaskProgress, TaskProgress__Output as _fedlink_v1_TaskProgress__Output } from './fedlink/v1/TaskProgress';
import type { TaskResult as _fedlink_v1_TaskResult, TaskResult__Output as _fedlink_v1_TaskResult__Output } from './fedlink/v1/TaskResult';
import type { TensorSpec as _fedlink_v1_TensorSpec, TensorSpec__Output as _fedlink_v1_TensorSpec__Output } from './fedlink/v1/TensorSpec';
import type { TrainConfig as _fedlink_v1_TrainConfig, TrainConfig__Output as _fedlink_v1_TrainConfig__Output } from './fedlink/v1/TrainConfig';
import type { TransferHeader as _fedlink_v1_TransferHeader, TransferHeader__Output as _fedlink_v1_TransferHeader__Output } from './fedlink/v1/TransferHeader';
import type { UpdateChunk as _fedlink_v1_UpdateChunk, UpdateChunk__Output as _fedlink_v1_UpdateChunk__Output } from './fedlink/v1/UpdateChunk';
import type { UpdateMeta as _fedlink_v1_UpdateMeta, UpdateMeta__Output as _fedlink_v1_UpdateMeta__Output } from './fedlink/v1/UpdateMeta';
import type { Welcome as _fedlink_v1_Welcome, Welcome__Output as _fedlink_v1_Welcome__Output } from './fedlink/v1/Welcome';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fedlink: {
    v1: {
      CancelTask: MessageTypeDefinition<_fedlink_v1_CancelTask, _fedlink_v1_CancelTask__Output>
      Capabilities: MessageTypeDefinition<_fedlink_v1_Capabilities, _fedlink_v1_Capabilities__Output>
      ClientMessage: MessageTypeDefinition<_fedlink_v1_ClientMessage, _fedlink_v1_ClientMessage__Output>
      CoordinatorMessage: MessageTypeDefinition<_fedlink_v1_CoordinatorMessage, _fedlink_v1_CoordinatorMessage__Output>
      Drain: MessageTypeDefinition<_fedlink_v1_Drain, _fedlink_v1_Drain__Output>
      EnrollRequest: MessageTypeDefinition<_fedlink_v1_EnrollRequest, _fedlink_v1_EnrollRequest__Output>
      EnrollResponse: MessageTypeDefinition<_fedlink_v1_EnrollResponse, _fedlink_v1_EnrollResponse__Output>
      FetchModelRequest: MessageTypeDefinition<_fedlink_v1_FetchModelRequest, _fedlink_v1_FetchModelRequest__Output>
      Fleet: SubtypeConstructor<typeof grpc.Client, _fedlink_v1_FleetClient> & { service: _fedlink_v1_FleetDefinition }
      Goodbye: MessageTypeDefinition<_fedlink_v1_Goodbye, _fedlink_v1_Goodbye__Output>
      Heartbeat: MessageTypeDefinition<_fedlink_v1_Heartbeat, _fedlink_v1_Heartbeat__Output>
      HeartbeatAck: MessageTypeDefinition<_fedlink_v1_HeartbeatAck, _fedlink_v1_HeartbeatAck__Output>
      Hello: MessageTypeDefinition<_fedlink_v1_Hello, _fedlink_v1_Hello__Output>
      ImagePreprocessing: MessageTypeDefinition<_fedlink_v1_ImagePreprocessing, _fedlink_v1_ImagePreprocessing__Output>
      LinkReport: MessageTypeDefinition<_fedlink_v1_LinkReport, _fedlink_v1_LinkReport__Output>
      Metrics: MessageTypeDefinition<_fedlink_v1_Metrics, _fedlink_v1_Metrics__Output>
      ModelChunk: MessageTypeDefinition<_fedlink_v1_ModelChunk, _fedlink_v1_ModelChunk__Output>
      ModelSpec: MessageTypeDefinition<_fedlink_v1_ModelSpec, _fedlink_v1_ModelSpec__Output>
      Objective: MessageTypeDefinition<_fedlink_v1_Objective, _fedlink_v1_Objective__Output>
      OptimizerSpec: MessageTypeDefinition<_fedlink_v1_OptimizerSpec, _fedlink_v1_OptimizerSpec__Output>
      Preprocessing: MessageTypeDefinition<_fedlink_v1_Preprocessing, _fedlink_v1_Preprocessing__Output>
      Probe: MessageTypeDefinition<_fedlink_v1_Probe, _fedlink_v1_Probe__Output>
      ProbeReply: MessageTypeDefinition<_fedlink_v1_ProbeReply, _fedlink_v1_ProbeReply__Output>
      PushUpdateResponse: MessageTypeDefinition<_fedlink_v1_PushUpdateResponse, _fedlink_v1_PushUpdateResponse__Output>
      QueryUpdateRequest: MessageTypeDefinition<_fedlink_v1_QueryUpdateRequest, _fedlink_v1_QueryUpdateRequest__Output>
      QueryUpdateResponse: MessageTypeDefinition<_fedlink_v1_QueryUpdateResponse, _fedlink_v1_QueryUpdateResponse__Output>
      TaskAssignment: MessageTypeDefinition<_fedlink_v1_TaskAssignment, _fedlink_v1_TaskAssignment__Output>
      TaskFailure: MessageTypeDefinition<_fedlink_v1_TaskFailure, _fedlink_v1_TaskFailure__Output>
      TaskKind: EnumTypeDefinition
      TaskProgress: MessageTypeDefinition<_fedlink_v1_TaskProgress, _fedlink_v1_TaskProgress__Output>
      TaskResult: MessageTypeDefinition<_fedlink_v1_TaskResult, _fedlink_v1_TaskResult__Output>
      TensorSpec: MessageTypeDefinition<_fedlink_v1_TensorSpec, _fedlink_v1_TensorSpec__Output>
      TrainConfig: MessageTypeDefinition<_fedlink_v1_TrainConfig, _fedlink_v1_TrainConfig__Output>
      TransferHeader: MessageTypeDefinition<_fedlink_v1_TransferHeader, _fedlink_v1_TransferHeader__Output>
      UpdateChunk: MessageTypeDefinition<_fedlink_v1_UpdateChunk, _fedlink_v1_UpdateChunk__Output>
      UpdateMeta: MessageTypeDefinition<_fedlink_v1_UpdateMeta, _fedlink_v1_UpdateMeta__Output>
      Welcome: MessageTypeDefinition<_fedlink_v1_Welcome, _fedlink_v1_Welcome__Output>
    }
  }
}

