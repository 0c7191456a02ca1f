/**
 * The TLS flags every command that talks to (or is) a coordinator takes:
 * `--pki <dir>` (a credentials directory: ca.crt, tls.crt, tls.key) or the
 * three files one by one, each with an environment variable. No flags means
 * plaintext (a coordinator on loopback, or one started with --insecure).
 */
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from '../../common/errors';
import { readTlsDir, readTlsFiles, type TlsMaterial } from '../../common/pki/files';

/** TLS flags as commander parses them. */
export interface TlsFlags {
  pki?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** Adds --pki, --tls-ca, --tls-cert, --tls-key (env FEDLINK_PKI, FEDLINK_TLS_CA/CERT/KEY). */
export function addTlsFlags(command: Command, whose = 'your'): Command {
  return command
    .addOption(new Option('--pki <dir>', `directory with ${whose} TLS credentials: ca.crt, tls.crt, tls.key (see fedlink pki)`).env('FEDLINK_PKI'))
    .addOption(new Option('--tls-ca <file>', 'the deployment CA certificate (PEM)').env('FEDLINK_TLS_CA'))
    .addOption(new Option('--tls-cert <file>', `${whose} certificate (PEM)`).env('FEDLINK_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', `${whose} private key (PEM)`).env('FEDLINK_TLS_KEY'));
}

/** The TLS material the flags name, or undefined for plaintext; InvalidArgumentError (exit 2) for an incomplete set. */
export function tlsFromFlags(flags: TlsFlags): TlsMaterial | undefined {
  const files = [flags.tlsCa, flags.tlsCert, flags.tlsKey];
  const some = files.some((f) => f !== undefined);
  if (flags.pki !== undefined && some) throw new InvalidArgumentError('give either --pki <dir> or --tls-ca/--tls-cert/--tls-key, not both');
  if (flags.pki !== undefined) return readTlsDir(flags.pki);
  if (!some) return undefined;
  if (files.some((f) => f === undefined)) throw new InvalidArgumentError('--tls-ca, --tls-cert and --tls-key go together (or use --pki <dir>)');
  return readTlsFiles({ ca: flags.tlsCa!, cert: flags.tlsCert!, key: flags.tlsKey! });
}
