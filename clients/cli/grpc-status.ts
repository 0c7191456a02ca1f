/**
 * gRPC status codes for the CLI. grpc-js's index loads the whole client
 * library (a fifth of a command's start); its constants module holds only the
 * enums, so commands that merely name a status import it from here.
 */
export { Status as status } from '@grpc/grpc-js/build/src/constants.js';
