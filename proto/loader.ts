/**
 * Loads the fedlink .proto files at runtime (the grpc-node way) and exposes the
 * typed package definition. The only module that knows where the protos live.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { packagePath } from '../common/package-root';
import type { ProtoGrpcType as FleetProto } from './gen/fleet';
import type { ProtoGrpcType as ControlProto } from './gen/control';
import type { ProtoGrpcType as InferenceProto } from './gen/inference';

// The compiled build runs from dist/, the protos stay in proto/.
const here = packagePath('proto');

/** Directory holding `fedlink/v1/*.proto`, the include root for the loader. */
export const PROTO_ROOT = here;

/** The .proto files of the fedlink.v1 package, relative to PROTO_ROOT. */
export const PROTO_FILES = ['fedlink/v1/common.proto', 'fedlink/v1/fleet.proto', 'fedlink/v1/control.proto', 'fedlink/v1/inference.proto'];

/** Options shared with `npm run proto:gen` so generated types match runtime objects. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [here],
};

let cached: { packageDefinition: protoLoader.PackageDefinition; proto: FleetProto & ControlProto & InferenceProto } | undefined;

/** The loaded package definition (for reflection) and the typed grpc object. */
export function loadFedlinkProto(): { packageDefinition: protoLoader.PackageDefinition; proto: FleetProto & ControlProto & InferenceProto } {
  if (!cached) {
    const packageDefinition = protoLoader.loadSync(PROTO_FILES, LOADER_OPTIONS);
    const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as FleetProto & ControlProto & InferenceProto;
    cached = { packageDefinition, proto };
  }
  return cached;
}
