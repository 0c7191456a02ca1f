// Original file: proto/fedlink/v1/control.proto


export interface WhoAmIRequest {
}

export interface WhoAmIRequest__Output {
}
