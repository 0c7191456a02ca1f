// Original file: proto/fedlink/v1/control.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelRunRequest as _fedlink_v1_CancelRunRequest, CancelRunRequest__Output as _fedlink_v1_CancelRunRequest__Output } from '../../fedlink/v1/CancelRunRequest';
import type { CreateEnrollmentRequest as _fedlink_v1_CreateEnrollmentRequest, CreateEnrollmentRequest__Output as _fedlink_v1_CreateEnrollmentRequest__Output } from '../../fedlink/v1/CreateEnrollmentRequest';
import type { CreateEnrollmentResponse as _fedlink_v1_CreateEnrollmentResponse, CreateEnrollmentResponse__Output as _fedlink_v1_CreateEnrollmentResponse__Output } from '../../fedlink/v1/CreateEnrollmentResponse';
import type { CreateRunRequest as _fedlink_v1_CreateRunRequest, CreateRunRequest__Output as _fedlink_v1_CreateRunRequest__Output } from '../../fedlink/v1/CreateRunRequest';
import type { ExportModelRequest as _fedlink_v1_ExportModelRequest, ExportModelRequest__Output as _fedlink_v1_ExportModelRequest__Output } from '../../fedlink/v1/ExportModelRequest';
import type { GetRoundRequest as _fedlink_v1_GetRoundRequest, GetRoundRequest__Output as _fedlink_v1_GetRoundRequest__Output } from '../../fedlink/v1/GetRoundRequest';
import type { GetRunRequest as _fedlink_v1_GetRunRequest, GetRunRequest__Output as _fedlink_v1_GetRunRequest__Output } from '../../fedlink/v1/GetRunRequest';
import type { ListAuditRequest as _fedlink_v1_ListAuditRequest, ListAuditRequest__Output as _fedlink_v1_ListAuditRequest__Output } from '../../fedlink/v1/ListAuditRequest';
import type { ListAuditResponse as _fedlink_v1_ListAuditResponse, ListAuditResponse__Output as _fedlink_v1_ListAuditResponse__Output } from '../../fedlink/v1/ListAuditResponse';
import type { ListClientsRequest as _fedlink_v1_ListClientsRequest, ListClientsRequest__Output as _fedlink_v1_ListClientsRequest__Output } from '../../fedlink/v1/ListClientsRequest';
import type { ListClientsResponse as _fedlink_v1_ListClientsResponse, ListClientsResponse__Output as _fedlink_v1_ListClientsResponse__Output } from '../../fedlink/v1/ListClientsResponse';
import type { ListRoundsRequest as _fedlink_v1_ListRoundsRequest, ListRoundsRequest__Output as _fedlink_v1_ListRoundsRequest__Output } from '../../fedlink/v1/ListRoundsRequest';
import type { ListRoundsResponse as _fedlink_v1_ListRoundsResponse, ListRoundsResponse__Output as _fedlink_v1_ListRoundsResponse__Output } from '../../fedlink/v1/ListRoundsResponse';
import type { ListRunsRequest as _fedlink_v1_ListRunsRequest, ListRunsRequest__Output as _fedlink_v1_ListRunsRequest__Output } from '../../fedlink/v1/ListRunsRequest';
import type { ListRunsResponse as _fedlink_v1_ListRunsResponse, ListRunsResponse__Output as _fedlink_v1_ListRunsResponse__Output } from '../../fedlink/v1/ListRunsResponse';
import type { ModelExportChunk as _fedlink_v1_ModelExportChunk, ModelExportChunk__Output as _fedlink_v1_ModelExportChunk__Output } from '../../fedlink/v1/ModelExportChunk';
import type { ModelUploadChunk as _fedlink_v1_ModelUploadChunk, ModelUploadChunk__Output as _fedlink_v1_ModelUploadChunk__Output } from '../../fedlink/v1/ModelUploadChunk';
import type { RevokeClientRequest as _fedlink_v1_RevokeClientRequest, RevokeClientRequest__Output as _fedlink_v1_RevokeClientRequest__Output } from '../../fedlink/v1/RevokeClientRequest';
import type { RevokeClientResponse as _fedlink_v1_RevokeClientResponse, RevokeClientResponse__Output as _fedlink_v1_RevokeClientResponse__Output } from '../../fedlink/v1/RevokeClientResponse';
import type { Round as _fedlink_v1_Round, Round__Output as _fedlink_v1_Round__Output } from '../../fedlink/v1/Round';
import type { Run as _fedlink_v1_Run, Run__Output as _fedlink_v1_Run__Output } from '../../fedlink/v1/Run';
import type { RunEvent as _fedlink_v1_RunEvent, RunEvent__Output as _fedlink_v1_RunEvent__Output } from '../../fedlink/v1/RunEvent';
import type { StartRunRequest as _fedlink_v1_StartRunRequest, StartRunRequest__Output as _fedlink_v1_StartRunRequest__Output } from '../../fedlink/v1/StartRunRequest';
import type { UploadedModel as _fedlink_v1_UploadedModel, UploadedModel__Output as _fedlink_v1_UploadedModel__Output } from '../../fedlink/v1/UploadedModel';
import type { WatchRunRequest as _fedlink_v1_WatchRunRequest, WatchRunRequest__Output as _fedlink_v1_WatchRunRequest__Output } from '../../fedlink/v1/WatchRunRequest';
import type { WhoAmIRequest as _fedlink_v1_WhoAmIRequest, WhoAmIRequest__Output as _fedlink_v1_WhoAmIRequest__Output } from '../../fedlink/v1/WhoAmIRequest';
import type { WhoAmIResponse as _fedlink_v1_WhoAmIResponse, WhoAmIResponse__Output as _fedlink_v1_WhoAmIResponse__Output } from '../../fedlink/v1/WhoAmIResponse';

export interface ControlClient extends grpc.Client {
  CancelRun(argument: _fedlink_v1_CancelRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  CancelRun(argument: _fedlink_v1_CancelRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  CancelRun(argument: _fedlink_v1_CancelRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  CancelRun(argument: _fedlink_v1_CancelRunRequest, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  cancelRun(argument: _fedlink_v1_CancelRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  cancelRun(argument: _fedlink_v1_CancelRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  cancelRun(argument: _fedlink_v1_CancelRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  cancelRun(argument: _fedlink_v1_CancelRunRequest, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  
  CreateEnrollment(argument: _fedlink_v1_CreateEnrollmentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_CreateEnrollmentResponse__Output>): grpc.ClientUnaryCall;
  CreateEnrollment(argument: _fedlink_v1_CreateEnrollmentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_CreateEnrollmentResponse__Output>): grpc.ClientUnaryCall;
  CreateEnrollment(argument: _fedlink_v1_CreateEnrollmentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_CreateEnrollmentResponse__Output>): grpc.ClientUnaryCall;
  CreateEnrollment(argument: _fedlink_v1_CreateEnrollmentRequest, callback: grpc.requestCallback<_fedlink_v1_CreateEnrollmentResponse__Output>): grpc.ClientUnaryCall;
  createEnrollment(argument: _fedlink_v1_CreateEnrollmentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_CreateEnrollmentResponse__Output>): grpc.ClientUnaryCall;
  createEnrollment(argument: _fedlink_v1_CreateEnrollmentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_CreateEnrollmentResponse__Output>): grpc.ClientUnaryCall;
  createEnrollment(argument: _fedlink_v1_CreateEnrollmentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_CreateEnrollmentResponse__Output>): grpc.ClientUnaryCall;
  createEnrollment(argument: _fedlink_v1_CreateEnrollmentRequest, callback: grpc.requestCallback<_fedlink_v1_CreateEnrollmentResponse__Output>): grpc.ClientUnaryCall;
  
  CreateRun(argument: _fedlink_v1_CreateRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  CreateRun(argument: _fedlink_v1_CreateRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  CreateRun(argument: _fedlink_v1_CreateRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  CreateRun(argument: _fedlink_v1_CreateRunRequest, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  createRun(argument: _fedlink_v1_CreateRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  createRun(argument: _fedlink_v1_CreateRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  createRun(argument: _fedlink_v1_CreateRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  createRun(argument: _fedlink_v1_CreateRunRequest, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  
  ExportModel(argument: _fedlink_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_ModelExportChunk__Output>;
  ExportModel(argument: _fedlink_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_ModelExportChunk__Output>;
  exportModel(argument: _fedlink_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_ModelExportChunk__Output>;
  exportModel(argument: _fedlink_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_ModelExportChunk__Output>;
  
  GetRound(argument: _fedlink_v1_GetRoundRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Round__Output>): grpc.ClientUnaryCall;
  GetRound(argument: _fedlink_v1_GetRoundRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Round__Output>): grpc.ClientUnaryCall;
  GetRound(argument: _fedlink_v1_GetRoundRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Round__Output>): grpc.ClientUnaryCall;
  GetRound(argument: _fedlink_v1_GetRoundRequest, callback: grpc.requestCallback<_fedlink_v1_Round__Output>): grpc.ClientUnaryCall;
  getRound(argument: _fedlink_v1_GetRoundRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Round__Output>): grpc.ClientUnaryCall;
  getRound(argument: _fedlink_v1_GetRoundRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Round__Output>): grpc.ClientUnaryCall;
  getRound(argument: _fedlink_v1_GetRoundRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Round__Output>): grpc.ClientUnaryCall;
  getRound(argument: _fedlink_v1_GetRoundRequest, callback: grpc.requestCallback<_fedlink_v1_Round__Output>): grpc.ClientUnaryCall;
  
  GetRun(argument: _fedlink_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _fedlink_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _fedlink_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _fedlink_v1_GetRunRequest, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _fedlink_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _fedlink_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _fedlink_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _fedlink_v1_GetRunRequest, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  
  ListAudit(argument: _fedlink_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _fedlink_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _fedlink_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _fedlink_v1_ListAuditRequest, callback: grpc.requestCallback<_fedlink_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _fedlink_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _fedlink_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _fedlink_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _fedlink_v1_ListAuditRequest, callback: grpc.requestCallback<_fedlink_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  
  ListClients(argument: _fedlink_v1_ListClientsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListClientsResponse__Output>): grpc.ClientUnaryCall;
  ListClients(argument: _fedlink_v1_ListClientsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_ListClientsResponse__Output>): grpc.ClientUnaryCall;
  ListClients(argument: _fedlink_v1_ListClientsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListClientsResponse__Output>): grpc.ClientUnaryCall;
  ListClients(argument: _fedlink_v1_ListClientsRequest, callback: grpc.requestCallback<_fedlink_v1_ListClientsResponse__Output>): grpc.ClientUnaryCall;
  listClients(argument: _fedlink_v1_ListClientsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListClientsResponse__Output>): grpc.ClientUnaryCall;
  listClients(argument: _fedlink_v1_ListClientsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_ListClientsResponse__Output>): grpc.ClientUnaryCall;
  listClients(argument: _fedlink_v1_ListClientsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListClientsResponse__Output>): grpc.ClientUnaryCall;
  listClients(argument: _fedlink_v1_ListClientsRequest, callback: grpc.requestCallback<_fedlink_v1_ListClientsResponse__Output>): grpc.ClientUnaryCall;
  
  ListRounds(argument: _fedlink_v1_ListRoundsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListRoundsResponse__Output>): grpc.ClientUnaryCall;
  ListRounds(argument: _fedlink_v1_ListRoundsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_ListRoundsResponse__Output>): grpc.ClientUnaryCall;
  ListRounds(argument: _fedlink_v1_ListRoundsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListRoundsResponse__Output>): grpc.ClientUnaryCall;
  ListRounds(argument: _fedlink_v1_ListRoundsRequest, callback: grpc.requestCallback<_fedlink_v1_ListRoundsResponse__Output>): grpc.ClientUnaryCall;
  listRounds(argument: _fedlink_v1_ListRoundsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListRoundsResponse__Output>): grpc.ClientUnaryCall;
  listRounds(argument: _fedlink_v1_ListRoundsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_ListRoundsResponse__Output>): grpc.ClientUnaryCall;
  listRounds(argument: _fedlink_v1_ListRoundsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListRoundsResponse__Output>): grpc.ClientUnaryCall;
  listRounds(argument: _fedlink_v1_ListRoundsRequest, callback: grpc.requestCallback<_fedlink_v1_ListRoundsResponse__Output>): grpc.ClientUnaryCall;
  
  ListRuns(argument: _fedlink_v1_ListRunsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _fedlink_v1_ListRunsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _fedlink_v1_ListRunsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _fedlink_v1_ListRunsRequest, callback: grpc.requestCallback<_fedlink_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _fedlink_v1_ListRunsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _fedlink_v1_ListRunsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _fedlink_v1_ListRunsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _fedlink_v1_ListRunsRequest, callback: grpc.requestCallback<_fedlink_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeClient(argument: _fedlink_v1_RevokeClientRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_RevokeClientResponse__Output>): grpc.ClientUnaryCall;
  RevokeClient(argument: _fedlink_v1_RevokeClientRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_RevokeClientResponse__Output>): grpc.ClientUnaryCall;
  RevokeClient(argument: _fedlink_v1_RevokeClientRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_RevokeClientResponse__Output>): grpc.ClientUnaryCall;
  RevokeClient(argument: _fedlink_v1_RevokeClientRequest, callback: grpc.requestCallback<_fedlink_v1_RevokeClientResponse__Output>): grpc.ClientUnaryCall;
  revokeClient(argument: _fedlink_v1_RevokeClientRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_RevokeClientResponse__Output>): grpc.ClientUnaryCall;
  revokeClient(argument: _fedlink_v1_RevokeClientRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_RevokeClientResponse__Output>): grpc.ClientUnaryCall;
  revokeClient(argument: _fedlink_v1_RevokeClientRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_RevokeClientResponse__Output>): grpc.ClientUnaryCall;
  revokeClient(argument: _fedlink_v1_RevokeClientRequest, callback: grpc.requestCallback<_fedlink_v1_RevokeClientResponse__Output>): grpc.ClientUnaryCall;
  
  StartRun(argument: _fedlink_v1_StartRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  StartRun(argument: _fedlink_v1_StartRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  StartRun(argument: _fedlink_v1_StartRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  StartRun(argument: _fedlink_v1_StartRunRequest, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  startRun(argument: _fedlink_v1_StartRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  startRun(argument: _fedlink_v1_StartRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  startRun(argument: _fedlink_v1_StartRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  startRun(argument: _fedlink_v1_StartRunRequest, callback: grpc.requestCallback<_fedlink_v1_Run__Output>): grpc.ClientUnaryCall;
  
  UploadModel(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_UploadedModel__Output>): grpc.ClientWritableStream<_fedlink_v1_ModelUploadChunk>;
  UploadModel(metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_UploadedModel__Output>): grpc.ClientWritableStream<_fedlink_v1_ModelUploadChunk>;
  UploadModel(options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_UploadedModel__Output>): grpc.ClientWritableStream<_fedlink_v1_ModelUploadChunk>;
  UploadModel(callback: grpc.requestCallback<_fedlink_v1_UploadedModel__Output>): grpc.ClientWritableStream<_fedlink_v1_ModelUploadChunk>;
  uploadModel(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_UploadedModel__Output>): grpc.ClientWritableStream<_fedlink_v1_ModelUploadChunk>;
  uploadModel(metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_UploadedModel__Output>): grpc.ClientWritableStream<_fedlink_v1_ModelUploadChunk>;
  uploadModel(options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_UploadedModel__Output>): grpc.ClientWritableStream<_fedlink_v1_ModelUploadChunk>;
  uploadModel(callback: grpc.requestCallback<_fedlink_v1_UploadedModel__Output>): grpc.ClientWritableStream<_fedlink_v1_ModelUploadChunk>;
  
  WatchRun(argument: _fedlink_v1_WatchRunRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_RunEvent__Output>;
  WatchRun(argument: _fedlink_v1_WatchRunRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_RunEvent__Output>;
  watchRun(argument: _fedlink_v1_WatchRunRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_RunEvent__Output>;
  watchRun(argument: _fedlink_v1_WatchRunRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedlink_v1_RunEvent__Output>;
  
  WhoAmI(argument: _fedlink_v1_WhoAmIRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _fedlink_v1_WhoAmIRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _fedlink_v1_WhoAmIRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  WhoAmI(argument: _fedlink_v1_WhoAmIRequest, callback: grpc.requestCallback<_fedlink_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _fedlink_v1_WhoAmIRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _fedlink_v1_WhoAmIRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedlink_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _fedlink_v1_WhoAmIRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedlink_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  whoAmI(argument: _fedlink_v1_WhoAmIRequest, callback: grpc.requestCallback<_fedlink_v1_WhoAmIResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  CancelRun: grpc.handleUnaryCall<_fedlink_v1_CancelRunRequest__Output, _fedlink_v1_Run>;
  
  CreateEnrollment: grpc.handleUnaryCall<_fedlink_v1_CreateEnrollmentRequest__Output, _fedlink_v1_CreateEnrollmentResponse>;
  
  CreateRun: grpc.handleUnaryCall<_fedlink_v1_CreateRunRequest__Output, _fedlink_v1_Run>;
  
  ExportModel: grpc.handleServerStreamingCall<_fedlink_v1_ExportModelRequest__Output, _fedlink_v1_ModelExportChunk>;
  
  GetRound: grpc.handleUnaryCall<_fedlink_v1_GetRoundRequest__Output, _fedlink_v1_Round>;
  
  GetRun: grpc.handleUnaryCall<_fedlink_v1_GetRunRequest__Output, _fedlink_v1_Run>;
  
  ListAudit: grpc.handleUnaryCall<_fedlink_v1_ListAuditRequest__Output, _fedlink_v1_ListAuditResponse>;
  
  ListClients: grpc.handleUnaryCall<_fedlink_v1_ListClientsRequest__Output, _fedlink_v1_ListClientsResponse>;
  
  ListRounds: grpc.handleUnaryCall<_fedlink_v1_ListRoundsRequest__Output, _fedlink_v1_ListRoundsResponse>;
  
  ListRuns: grpc.handleUnaryCall<_fedlink_v1_ListRunsRequest__Output, _fedlink_v1_ListRunsResponse>;
  
  RevokeClient: grpc.handleUnaryCall<_fedlink_v1_RevokeClientRequest__Output, _fedlink_v1_RevokeClientResponse>;
  
  StartRun: grpc.handleUnaryCall<_fedlink_v1_StartRunRequest__Output, _fedlink_v1_Run>;
  
  UploadModel: grpc.handleClientStreamingCall<_fedlink_v1_ModelUploadChunk__Output, _fedlink_v1_UploadedModel>;
  
  WatchRun: grpc.handleServerStreamingCall<_fedlink_v1_WatchRunRequest__Output, _fedlink_v1_RunEvent>;
  
  WhoAmI: grpc.handleUnaryCall<_fedlink_v1_WhoAmIRequest__Output, _fedlink_v1_WhoAmIResponse>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  CancelRun: MethodDefinition<_fedlink_v1_CancelRunRequest, _fedlink_v1_Run, _fedlink_v1_CancelRunRequest__Output, _fedlink_v1_Run__Output>
  CreateEnrollment: MethodDefinition<_fedlink_v1_CreateEnrollmentRequest, _fedlink_v1_CreateEnrollmentResponse, _fedlink_v1_CreateEnrollmentRequest__Output, _fedlink_v1_CreateEnrollmentResponse__Output>
  CreateRun: MethodDefinition<_fedlink_v1_CreateRunRequest, _fedlink_v1_Run, _fedlink_v1_CreateRunRequest__Output, _fedlink_v1_Run__Output>
  ExportModel: MethodDefinition<_fedlink_v1_ExportModelRequest, _fedlink_v1_ModelExportChunk, _fedlink_v1_ExportModelRequest__Output, _fedlink_v1_ModelExportChunk__Output>
  GetRound: MethodDefinition<_fedlink_v1_GetRoundRequest, _fedlink_v1_Round, _fedlink_v1_GetRoundRequest__Output, _fedlink_v1_Round__Output>
  GetRun: MethodDefinition<_fedlink_v1_GetRunRequest, _fedlink_v1_Run, _fedlink_v1_GetRunRequest__Output, _fedlink_v1_Run__Output>
  ListAudit: MethodDefinition<_fedlink_v1_ListAuditRequest, _fedlink_v1_ListAuditResponse, _fedlink_v1_ListAuditRequest__Output, _fedlink_v1_ListAuditResponse__Output>
  ListClients: MethodDefinition<_fedlink_v1_ListClientsRequest, _fedlink_v1_ListClientsResponse, _fedlink_v1_ListClientsRequest__Output, _fedlink_v1_ListClientsResponse__Output>
  ListRounds: MethodDefinition<_fedlink_v1_ListRoundsRequest, _fedlink_v1_ListRoundsResponse, _fedlink_v1_ListRoundsRequest__Output, _fedlink_v1_ListRoundsResponse__Output>
  ListRuns: MethodDefinition<_fedlink_v1_ListRunsRequest, _fedlink_v1_ListRunsResponse, _fedlink_v1_ListRunsRequest__Output, _fedlink_v1_ListRunsResponse__Output>
  RevokeClient: MethodDefinition<_fedlink_v1_RevokeClientRequest, _fedlink_v1_RevokeClientResponse, _fedlink_v1_RevokeClientRequest__Output, _fedlink_v1_RevokeClientResponse__Output>
  StartRun: MethodDefinition<_fedlink_v1_StartRunRequest, _fedlink_v1_Run, _fedlink_v1_StartRunRequest__Output, _fedlink_v1_Run__Output>
  UploadModel: MethodDefinition<_fedlink_v1_ModelUploadChunk, _fedlink_v1_UploadedModel, _fedlink_v1_ModelUploadChunk__Output, _fedlink_v1_UploadedModel__Output>
  WatchRun: MethodDefinition<_fedlink_v1_WatchRunRequest, _fedlink_v1_RunEvent, _fedlink_v1_WatchRunRequest__Output, _fedlink_v1_RunEvent__Output>
  WhoAmI: MethodDefinition<_fedlink_v1_WhoAmIRequest, _fedlink_v1_WhoAmIResponse, _fedlink_v1_WhoAmIRequest__Output, _fedlink_v1_WhoAmIResponse__Output>
}
