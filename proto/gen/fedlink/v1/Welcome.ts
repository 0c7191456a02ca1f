// Original file: proto/fedlink/v1/fleet.proto


export interface Welcome {
  'sessionId'?: (string);
  'resumeToken'?: (string);
  'heartbeatIntervalMs'?: (number);
  'maxChunkBytes'?: (number);
  'coordinatorVersion'?: (string);
  'features'?: (string)[];
}

export interface Welcome__Output {
  'sessionId': (string);
  'resumeToken': (string);
  'heartbeatIntervalMs': (number);
  'maxChunkBytes': (number);
  'coordinatorVersion': (string);
  'features': (string)[];
}
