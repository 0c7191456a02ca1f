// Original file: proto/fedlink/v1/control.proto


export interface ListRunsRequest {
}

export interface ListRunsRequest__Output {
}
