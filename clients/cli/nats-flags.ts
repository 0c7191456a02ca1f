/** The NATS connection flags shared by `fedlink coordinator` and `fedlink client`. */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from '../../common/errors';
import type { NatsConnectOptions, NatsTlsFiles } from '../../common/nats-options';

/** Flags as commander parses them. */
export interface NatsFlags {
  nats?: string;
  natsUser?: string;
  natsPass?: string;
  natsToken?: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  natsPki?: string;
}

// The files of a credentials directory (the same layout `fedlink pki` writes).
const PKI_FILES = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

/** Adds --nats, --nats-user/-pass/-token/-creds and --nats-tls-ca/-cert/-key, --nats-pki (their FEDLINK_NATS_* variables come from withSettings). */
export function addNatsFlags(command: Command): Command {
  return command
    .addOption(new Option('--nats <url>', 'NATS server URL(s), comma-separated (default: none, in-process events only)'))
    .addOption(new Option('--nats-user <user>', 'NATS user'))
    .addOption(new Option('--nats-pass <password>', 'NATS password'))
    .addOption(new Option('--nats-token <token>', 'NATS token'))
    .addOption(new Option('--nats-creds <file>', 'NATS .creds file'))
    .addOption(new Option('--nats-tls-ca <file>', 'CA certificate (PEM) that signed the NATS server certificate'))
    .addOption(new Option('--nats-tls-cert <file>', 'client certificate (PEM) to present to NATS (its identity there)'))
    .addOption(new Option('--nats-tls-key <file>', 'private key (PEM) of --nats-tls-cert'))
    .addOption(
      new Option('--nats-pki <dir>', 'credentials directory for NATS TLS: ca.crt, tls.crt, tls.key (single --nats-tls-* flags override its files)'),
    );
}

function mustRead(flag: string, file: string): void {
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    accessSync(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new InvalidArgumentError(`${flag}: cannot read ${file} (${why})`);
  }
}

/** The TLS files the flags name, each checked readable now (one line naming the flag and file otherwise). */
export function toNatsTls(flags: NatsFlags): NatsTlsFiles | undefined {
  const dir = flags.natsPki;
  if (dir !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new InvalidArgumentError(`--nats-pki: ${dir} is not a directory (expected ca.crt, tls.crt, tls.key in it)`);
  }
  const pick = (flag: string, explicit: string | undefined, inDir: string): string | undefined => {
    const file = explicit ?? (dir !== undefined ? join(dir, inDir) : undefined);
    if (file !== undefined) mustRead(explicit !== undefined ? flag : '--nats-pki', file);
    return file;
  };
  const tls = {
    ca: pick('--nats-tls-ca', flags.natsTlsCa, PKI_FILES.ca),
    cert: pick('--nats-tls-cert', flags.natsTlsCert, PKI_FILES.cert),
    key: pick('--nats-tls-key', flags.natsTlsKey, PKI_FILES.key),
  };
  if (!tls.ca && !tls.cert && !tls.key) return undefined;
  if (!tls.cert !== !tls.key) throw new InvalidArgumentError('--nats-tls-cert and --nats-tls-key go together: a client certificate needs its key');
  return tls;
}

/** Flags → connection options, or undefined when no URL was given. */
export function toNatsOptions(flags: NatsFlags): NatsConnectOptions | undefined {
  if (!flags.nats) return undefined;
  return { url: flags.nats, user: flags.natsUser, pass: flags.natsPass, token: flags.natsToken, creds: flags.natsCreds, tls: toNatsTls(flags) };
}
