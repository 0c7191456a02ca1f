// Original file: proto/fedlink/v1/control.proto

import type { AuditEntry as _fedlink_v1_AuditEntry, AuditEntry__Output as _fedlink_v1_AuditEntry__Output } from '../../fedlink/v1/AuditEntry';

export interface ListAuditResponse {
  'entries'?: (_fedlink_v1_AuditEntry)[];
}

export interface ListAuditResponse__Output {
  'entries': (_fedlink_v1_AuditEntry__Output)[];
}
