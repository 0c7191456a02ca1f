// Original file: proto/fedlink/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface AuditEntry {
  'atMs'?: (number | string | Long);
  'principal'?: (string);
  'action'?: (string);
  'target'?: (string);
  'outcome'?: (string);
  'detail'?: (string);
  'peer'?: (string);
}

export interface AuditEntry__Output {
  'atMs': (number);
  'principal': (string);
  'action': (string);
  'target': (string);
  'outcome': (string);
  'detail': (string);
  'peer': (string);
}
