// Original file: proto/fedlink/v1/control.proto


export interface ListClientsRequest {
}

export interface ListClientsRequest__Output {
}
