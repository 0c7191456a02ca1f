/**
 * What every command shares: where output goes, the exit code a command wants,
 * and the --coordinator/--json/TLS flags with a connection scoped to one
 * command (opened on use, always closed so the process exits promptly).
 */
import { Option, type Command } from 'commander';
import type { ControlConnection } from './control-client';
import { addTlsFlags, tlsFromFlags, type TlsFlags } from './tls-flags';
import { stripControl } from '../../common/sanitize';

/** A place to write text (process.stdout, or a buffer in tests). */
export interface Output {
  write(text: string): unknown;
  /** A terminal (`runs watch` draws its live view then); absent: not one. */
  readonly isTTY?: boolean;
  /** Its width in columns when it is a terminal; undefined when piped or redirected. */
  readonly columns?: number;
}

/** stdout carries results (one JSON document with --json); stderr carries logs and errors. */
export interface CliIo {
  stdout: Output;
  stderr: Output;
}

/** Per-invocation state handed to every command. */
export interface CliContext {
  io: CliIo;
  /** Set by a command whose outcome is not success (e.g. `runs watch` on a failed run). */
  exitCode: number;
}

/** Flags every Control command takes. */
export interface ControlFlags extends TlsFlags {
  coordinator: string;
  json?: boolean;
}

/** Default coordinator address when neither --coordinator nor FEDLINK_COORDINATOR is set. */
export const DEFAULT_COORDINATOR = '127.0.0.1:50051';

/** The --coordinator flag (also used by `fedlink client`). */
export function coordinatorOption(description = 'coordinator gRPC address'): Option {
  return new Option('--coordinator <host:port>', description).env('FEDLINK_COORDINATOR').default(DEFAULT_COORDINATOR);
}

/** Adds --coordinator, the TLS flags and --json (unless `jsonHelp` is null: a command whose output is already a data format) to a Control command. */
export function addControlFlags(command: Command, jsonHelp: string | null = 'print one JSON document on stdout and nothing else'): Command {
  const withTls = addTlsFlags(command.addOption(coordinatorOption()), 'your operator');
  return jsonHelp === null ? withTls : withTls.option('--json', jsonHelp);
}

/** Runs `fn` with a connection to the coordinator and closes it afterwards, whatever happens. */
export async function withControl<T>(flags: ControlFlags, fn: (control: ControlConnection) => Promise<T>): Promise<T> {
  // Loaded on use: gRPC and the protos are most of what a command would read at start.
  const { connectControl } = await import('./control-client');
  const control = connectControl({ address: flags.coordinator, tls: tlsFromFlags(flags) });
  try {
    return await fn(control);
  } finally {
    control.close();
  }
}

/** Writes one pretty-printed JSON document. */
export function printJson(io: CliIo, doc: unknown): void {
  io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Writes one line of human output without escape sequences or control characters: it may quote a client, a certificate or the coordinator. */
export function writeLine(out: Output, text: string): void {
  out.write(`${stripControl(text)}\n`);
}
