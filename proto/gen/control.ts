import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AuditEntry as _fedlink_v1_AuditEntry, AuditEntry__Output as _fedlink_v1_AuditEntry__Output } from './fedlink/v1/AuditEntry';
import type { CancelRunRequest as _fedlink_v1_CancelRunRequest, CancelRunRequest__Output as _fedlink_v1_CancelRunRequest__Output } from './fedlink/v1/CancelRunRequest';
import type { Checkpoint as _fedlink_v1_Checkpoint, Checkpoint__Output as _fedlink_v1_Checkpoint__Output } from './fedlink/v1/Checkpoint';
import type { ClientInfo as _fedlink_v1_ClientInfo, ClientInfo__Output as _fedlink_v1_ClientInfo__Output } from './fedlink/v1/ClientInfo';
import type { ControlClient as _fedlink_v1_ControlClient, ControlDefinition as _fedlink_v1_ControlDefinition } from './fedlink/v1/Control';
import type { CreateEnrollmentRequest as _fedlink_v1_CreateEnrollmentRequest, CreateEnrollmentRequest__Output as _fedlink_v1_CreateEnrollmentRequest__Output } from './fedlink/v1/CreateEnrollmentRequest';
import type { CreateEnrollmentResponse as _fedlink_v1_CreateEnrollmentResponse, CreateEnrollmentResponse__Output as _fedlink_v1_CreateEnrollmentResponse__Output } from './fedlink/v1/CreateEnrollmentResponse';
import type { CreateRunRequest as _fedlink_v1_CreateRunRequest, CreateRunRequest__Output as _fedlink_v1_CreateRunRequest__Output } from './fedlink/v1/CreateRunRequest';
import type { ExportModelRequest as _fedlink_v1_ExportModelRequest, ExportModelRequest__Output as _fedlink_v1_ExportModelRequest__Output } from './fedlink/v1/ExportModelRequest';
import type { GetRoundRequest as _fedlink_v1_GetRoundRequest, GetRoundRequest__Output as _fedlink_v1_GetRoundRequest__Output } from './fedlink/v1/GetRoundRequest';
import type { GetRunRequest as _fedlink_v1_GetRunRequest, GetRunRequest__Output as _fedlink_v1_GetRunRequest__Output } from './fedlink/v1/GetRunRequest';
import type { ImagePreprocessing as _fedlink_v1_ImagePreprocessing, ImagePreprocessing__Output as _fedlink_v1_ImagePreprocessing__Output } from './fedlink/v1/ImagePreprocessing';
import type { LinkEstimate as _fedlink_v1_LinkEstimate, LinkEstimate__Output as _fedlink_v1_LinkEstimate__Output } from './fedlink/v1/LinkEstimate';
import type { LinkReport as _fedlink_v1_LinkReport, LinkReport__Output as _fedlink_v1_LinkReport__Output } from './fedlink/v1/LinkReport';
import type { ListAuditRequest as _fedlink_v1_ListAuditRequest, ListAuditRequest__Output as _fedlink_v1_ListAuditRequest__Output } from './fedlink/v1/ListAuditRequest';
import type { ListAuditResponse as _fedlink_v1_ListAuditResponse, ListAuditResponse__Output as _fedlink_v1_ListAuditResponse__Output } from './fedlink/v1/ListAuditResponse';
import type { ListClientsRequest as _fedlink_v1_ListClientsRequest, ListClientsRequest__Output as _fedlink_v1_ListClientsRequest__Output } from './fedlink/v1/ListClientsRequest';
import type { ListClientsResponse as _fedlink_v1_ListClientsResponse, ListClientsResponse__Output as _fedlink_v1_ListClientsResponse__Output } from './fedlink/v1/ListClientsResponse';
import type { ListRoundsRequest as _fedlink_v1_ListRoundsRequest, ListRoundsRequest__Output as _fedlink_v1_ListRoundsRequest__Output } from './fedlink/v1/ListRoundsRequest';
import type { ListRoundsResponse as _fedlink_v1_ListRoundsResponse, ListRoundsResponse__Output as _fedlink_v1_ListRoundsResponse__Output } from './fedlink/v1/ListRoundsResponse';
import type { ListRunsRequest as _fedlink_v1_ListRunsRequest, ListRunsRequest__Output as _fedlink_v1_ListRunsRequest__Output } from './fedlink/v1/ListRunsRequest';
import type { ListRunsResponse as _fedlink_v1_ListRunsResponse, ListRunsResponse__Output as _fedlink_v1_ListRunsResponse__Output } from './fedlink/v1/ListRunsResponse';
import type { Metrics as _fedlink_v1_Metrics, Metrics__Output as _fedlink_v1_Metrics__Output } from './fedlink/v1/Metrics';
import type { ModelExportChunk as _fedlink_v1_ModelExportChunk, ModelExportChunk__Output as _fedlink_v1_ModelExportChunk__Output } from './fedlink/v1/ModelExportChunk';
import type { ModelSpec as _fedlink_v1_ModelSpec, ModelSpec__Output as _fedlink_v1_ModelSpec__Output } from './fedlink/v1/ModelSpec';
import type { ModelUploadChunk as _fedlink_v1_ModelUploadChunk, ModelUploadChunk__Output as _fedlink_v1_ModelUploadChunk__Output } from './fedlink/v1/ModelUploadChunk';
import type { ModelUploadHeader as _fedlink_v1_ModelUploadHeader, ModelUploadHeader__Output as _fedlink_v1_ModelUploadHeader__Output } from './fedlink/v1/ModelUploadHeader';
import type { Objective as _fedlink_v1_Objective, Objective__Output as _fedlink_v1_Objective__Output } from './fedlink/v1/Objective';
import type { OptimizerSpec as _fedlink_v1_OptimizerSpec, OptimizerSpec__Output as _fedlink_v1_OptimizerSpec__Output } from './fedlink/v1/OptimizerSpec';
import type { Preprocessing as _fedlink_v1_Preprocessing, Preprocessing__Output as _fedlink_v1_Preprocessing__Output } from './fedlink/v1/Preprocessing';
import type { PrivacySpent as _fedlink_v1_PrivacySpent, PrivacySpent__Output as _fedlink_v1_PrivacySpent__Output } from './fedlink/v1/PrivacySpent';
import type { RevokeClientRequest as _fedlink_v1_RevokeClientRequest, RevokeClientRequest__Output as _fedlink_v1_RevokeClientRequest__Output } from './fedlink/v1/RevokeClientRequest';
import type { RevokeClientResponse as _fedlink_v1_RevokeClientResponse, RevokeClientResponse__Output as _fedlink_v1_RevokeClientResponse__Output } from './fedlink/v1/RevokeClientResponse';
import type { Round as _fedlink_v1_Round, Round__Output as _fedlink_v1_Round__Output } from './fedlink/v1/Round';
import type { RoundClient as _fedlink_v1_RoundClient, RoundClient__Output as _fedlink_v1_RoundClient__Output } from './fedlink/v1/RoundClient';
import type { Run as _fedlink_v1_Run, Run__Output as _fedlink_v1_Run__Output } from './fedlink/v1/Run';
import type { RunConfig as _fedlink_v1_RunConfig, RunConfig__Output as _fedlink_v1_RunConfig__Output } from './fedlink/v1/RunConfig';
import type { RunEvent as _fedlink_v1_RunEvent, RunEvent__Output as _fedlink_v1_RunEvent__Output } from './fedlink/v1/RunEvent';
import type { SchedulingMetrics as _fedlink_v1_SchedulingMetrics, SchedulingMetrics__Output as _fedlink_v1_SchedulingMetrics__Output } from './fedlink/v1/SchedulingMetrics';
import type { SkippedClient as _fedlink_v1_SkippedClient, SkippedClient__Output as _fedlink_v1_SkippedClient__Output } from './fedlink/v1/SkippedClient';
import type { StartRunRequest as _fedlink_v1_StartRunRequest, StartRunRequest__Output as _fedlink_v1_StartRunRequest__Output } from './fedlink/v1/StartRunRequest';
import type { TensorSpec as _fedlink_v1_TensorSpec, TensorSpec__Output as _fedlink_v1_TensorSpec__Output } from './fedlink/v1/TensorSpec';
import type { TrainConfig as _fedlink_v1_TrainConfig, TrainConfig__Output as _fedlink_v1_TrainConfig__Output } from './fedlink/v1/TrainConfig';
import type { TransferHeader as _fedlink_v1_TransferHeader, TransferHeader__Output as _fedlink_v1_TransferHeader__Output } from './fedlink/v1/TransferHeader';
import type { UploadedModel as _fedlink_v1_UploadedModel, UploadedModel__Output as _fedlink_v1_UploadedModel__Output } from './fedlink/v1/UploadedModel';
import type { WatchRunRequest as _fedlink_v1_WatchRunRequest, WatchRunRequest__Output as _fedlink_v1_WatchRunRequest__Output } from './fedlink/v1/WatchRunRequest';
import type { WatchedClient as _fedlink_v1_WatchedClient, WatchedClient__Output as _fedlink_v1_WatchedClient__Output } from './fedlink/v1/WatchedClient';
import type { WhoAmIRequest as _fedlink_v1_WhoAmIRequest, WhoAmIRequest__Output as _fedlink_v1_WhoAmIRequest__Output } from './fedlink/v1/WhoAmIRequest';
import type { WhoAmIResponse as _fedlink_v1_WhoAmIResponse, WhoAmIResponse__Output as _fedlink_v1_WhoAmIResponse__Output } from './fedlink/v1/WhoAmIResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fedlink: {
    v1: {
      AuditEntry: MessageTypeDefinition<_fedlink_v1_AuditEntry, _fedlink_v1_AuditEntry__Output>
      CancelRunRequest: MessageTypeDefinition<_fedlink_v1_CancelRunRequest, _fedlink_v1_CancelRunRequest__Output>
      Checkpoint: MessageTypeDefinition<_fedlink_v1_Checkpoint, _fedlink_v1_Checkpoint__Output>
      ClientInfo: MessageTypeDefinition<_fedlink_v1_ClientInfo, _fedlink_v1_ClientInfo__Output>
      Control: SubtypeConstructor<typeof grpc.Client, _fedlink_v1_ControlClient> & { service: _fedlink_v1_ControlDefinition }
      CreateEnrollmentRequest: MessageTypeDefinition<_fedlink_v1_CreateEnrollmentRequest, _fedlink_v1_CreateEnrollmentRequest__Output>
      CreateEnrollmentResponse: MessageTypeDefinition<_fedlink_v1_CreateEnrollmentResponse, _fedlink_v1_CreateEnrollmentResponse__Output>
      CreateRunRequest: MessageTypeDefinition<_fedlink_v1_CreateRunRequest, _fedlink_v1_CreateRunRequest__Output>
      ExportModelRequest: MessageTypeDefinition<_fedlink_v1_ExportModelRequest, _fedlink_v1_ExportModelRequest__Output>
      GetRoundRequest: MessageTypeDefinition<_fedlink_v1_GetRoundRequest, _fedlink_v1_GetRoundRequest__Output>
      GetRunRequest: MessageTypeDefinition<_fedlink_v1_GetRunRequest, _fedlink_v1_GetRunRequest__Output>
      ImagePreprocessing: MessageTypeDefinition<_fedlink_v1_ImagePreprocessing, _fedlink_v1_ImagePreprocessing__Output>
      LinkEstimate: MessageTypeDefinition<_fedlink_v1_LinkEstimate, _fedlink_v1_LinkEstimate__Output>
      LinkReport: MessageTypeDefinition<_fedlink_v1_LinkReport, _fedlink_v1_LinkReport__Output>
      ListAuditRequest: MessageTypeDefinition<_fedlink_v1_ListAuditRequest, _fedlink_v1_ListAuditRequest__Output>
      ListAuditResponse: MessageTypeDefinition<_fedlink_v1_ListAuditResponse, _fedlink_v1_ListAuditResponse__Output>
      ListClientsRequest: MessageTypeDefinition<_fedlink_v1_ListClientsRequest, _fedlink_v1_ListClientsRequest__Output>
      ListClientsResponse: MessageTypeDefinition<_fedlink_v1_ListClientsResponse, _fedlink_v1_ListClientsResponse__Output>
      ListRoundsRequest: MessageTypeDefinition<_fedlink_v1_ListRoundsRequest, _fedlink_v1_ListRoundsRequest__Output>
      ListRoundsResponse: MessageTypeDefinition<_fedlink_v1_ListRoundsResponse, _fedlink_v1_ListRoundsResponse__Output>
      ListRunsRequest: MessageTypeDefinition<_fedlink_v1_ListRunsRequest, _fedlink_v1_ListRunsRequest__Output>
      ListRunsResponse: MessageTypeDefinition<_fedlink_v1_ListRunsResponse, _fedlink_v1_ListRunsResponse__Output>
      Metrics: MessageTypeDefinition<_fedlink_v1_Metrics, _fedlink_v1_Metrics__Output>
      ModelExportChunk: MessageTypeDefinition<_fedlink_v1_ModelExportChunk, _fedlink_v1_ModelExportChunk__Output>
      ModelSpec: MessageTypeDefinition<_fedlink_v1_ModelSpec, _fedlink_v1_ModelSpec__Output>
      ModelUploadChunk: MessageTypeDefinition<_fedlink_v1_ModelUploadChunk, _fedlink_v1_ModelUploadChunk__Output>
      ModelUploadHeader: MessageTypeDefinition<_fedlink_v1_ModelUploadHeader, _fedlink_v1_ModelUploadHeader__Output>
      Objective: MessageTypeDefinition<_fedlink_v1_Objective, _fedlink_v1_Objective__Output>
      OptimizerSpec: MessageTypeDefinition<_fedlink_v1_OptimizerSpec, _fedlink_v1_OptimizerSpec__Output>
      Preprocessing: MessageTypeDefinition<_fedlink_v1_Preprocessing, _fedlink_v1_Preprocessing__Output>
      PrivacySpent: MessageTypeDefinition<_fedlink_v1_PrivacySpent, _fedlink_v1_PrivacySpent__Output>
      RevokeClientRequest: MessageTypeDefinition<_fedlink_v1_RevokeClientRequest, _fedlink_v1_RevokeClientRequest__Output>
      RevokeClientResponse: MessageTypeDefinition<_fedlink_v1_RevokeClientResponse, _fedlink_v1_RevokeClientResponse__Output>
      Round: MessageTypeDefinition<_fedlink_v1_Round, _fedlink_v1_Round__Output>
      RoundClient: MessageTypeDefinition<_fedlink_v1_RoundClient, _fedlink_v1_RoundClient__Output>
      Run: MessageTypeDefinition<_fedlink_v1_Run, _fedlink_v1_Run__Output>
      RunConfig: MessageTypeDefinition<_fedlink_v1_RunConfig, _fedlink_v1_RunConfig__Output>
      RunEvent: MessageTypeDefinition<_fedlink_v1_RunEvent, _fedlink_v1_RunEvent__Output>
      SchedulingMetrics: MessageTypeDefinition<_fedlink_v1_SchedulingMetrics, _fedlink_v1_SchedulingMetrics__Output>
      SkippedClient: MessageTypeDefinition<_fedlink_v1_SkippedClient, _fedlink_v1_SkippedClient__Output>
      StartRunRequest: MessageTypeDefinition<_fedlink_v1_StartRunRequest, _fedlink_v1_StartRunRequest__Output>
      TensorSpec: MessageTypeDefinition<_fedlink_v1_TensorSpec, _fedlink_v1_TensorSpec__Output>
      TrainConfig: MessageTypeDefinition<_fedlink_v1_TrainConfig, _fedlink_v1_TrainConfig__Output>
      TransferHeader: MessageTypeDefinition<_fedlink_v1_TransferHeader, _fedlink_v1_TransferHeader__Output>
      UploadedModel: MessageTypeDefinition<_fedlink_v1_UploadedModel, _fedlink_v1_UploadedModel__Output>
      WatchRunRequest: MessageTypeDefinition<_fedlink_v1_WatchRunRequest, _fedlink_v1_WatchRunRequest__Output>
      WatchedClient: MessageTypeDefinition<_fedlink_v1_WatchedClient, _fedlink_v1_WatchedClient__Output>
      WhoAmIRequest: MessageTypeDefinition<_fedlink_v1_WhoAmIRequest, _fedlink_v1_WhoAmIRequest__Output>
      WhoAmIResponse: MessageTypeDefinition<_fedlink_v1_WhoAmIResponse, _fedlink_v1_WhoAmIResponse__Output>
    }
  }
}

