/**
 * `fedlink pki init|issue|show`: a private CA for one fedlink deployment, the
 * certificates it gives devices, operators and NATS servers, and a look at
 * any certificate. Everything is local files; nothing talks to a coordinator.
 */
import { registerPkiNatsConfigCommand } from './pki-nats-config';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { FailedPreconditionError, InvalidArgumentError } from '../../../common/errors';
import type { CertSubject } from '../../../common/pki/certificates';
import type { CertificateInfo } from '../../../common/pki/describe';
import { CA_CERT, CA_KEY, DEFAULT_COORDINATOR_HOSTS, TLS_CERT, TLS_KEY } from '../../../common/pki/layout';
import { ROLES, ROLE_HELP, type Role } from '../../../common/roles';
import { validateClientId } from '../../daemon/options';
import { printJson, type CliContext } from '../context';
import { positiveInt } from '../flags';
import { keyValues } from '../format';

interface InitFlags {
  dir: string;
  host: string[];
  san: string[];
  days?: number;
  force?: boolean;
}

interface IssueFlags {
  dir: string;
  client?: string;
  operator?: string;
  role?: Role;
  server?: string;
  host: string[];
  out: string;
  days?: number;
  force?: boolean;
}

// Repeatable and comma-separated: --host a --host b,c.
function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

// --san also takes openssl's spelling (DNS:name, IP:addr); the type is read from the value anyway.
function sanValue(san: string): string {
  return san.replace(/^(DNS|IP|IP Address):/i, '');
}

function quote(arg: string): string {
  return /^[\w./:@%+=,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The subject `pki issue` flags ask for; InvalidArgumentError (exit 2) for a wrong combination. */
export function issueSubject(flags: Pick<IssueFlags, 'client' | 'operator' | 'role' | 'server' | 'host'>): CertSubject {
  const kinds = [flags.client !== undefined, flags.operator !== undefined, flags.server !== undefined].filter(Boolean).length;
  if (kinds !== 1) throw new InvalidArgumentError('pass exactly one of --client <id>, --operator <name> --role <role>, --server <name> --host <host>');
  if (flags.role !== undefined && flags.operator === undefined) throw new InvalidArgumentError('--role goes with --operator <name>');
  if (flags.host.length > 0 && flags.server === undefined) throw new InvalidArgumentError('--host goes with --server <name> (the coordinator\'s hosts are set by pki init)');
  if (flags.client !== undefined) {
    validateClientId(flags.client);
    return { kind: 'client', clientId: flags.client };
  }
  if (flags.operator !== undefined) {
    if (flags.role === undefined) throw new InvalidArgumentError(`an operator certificate needs --role <${ROLES.join('|')}>`);
    return { kind: 'operator', name: flags.operator, role: flags.role };
  }
  if (flags.host.length === 0) throw new InvalidArgumentError(`a server certificate needs --host <name-or-ip> (repeat it for each name clients connect to)`);
  return { kind: 'server', name: flags.server!, hosts: flags.host };
}

// The X.509 code loads when a pki command runs, not at every `fedlink` start.
async function loadPki() {
  const [certificates, describe, files] = await Promise.all([
    import('../../../common/pki/certificates'),
    import('../../../common/pki/describe'),
    import('../../../common/pki/files'),
  ]);
  return { ...certificates, ...describe, ...files };
}

function subjectLabel(subject: CertSubject, identityLabel: typeof import('../../../common/pki/describe').identityLabel): string {
  // Servers have no fedlink identity; the rest read as `pki show` prints their identity.
  return subject.kind === 'server' ? `server ${subject.name} (${subject.hosts.join(', ')})` : identityLabel(subject);
}

function nextSteps(subject: CertSubject, out: string): string {
  switch (subject.kind) {
    case 'client':
      return `copy ${quote(out)} to the device, then: fedlink client --pki ${quote(out)} --id ${subject.clientId} --coordinator <host:port>`;
    case 'operator':
      return `use it with any control command, e.g.: fedlink runs list --pki ${quote(out)} --coordinator <host:port>`;
    default:
      return `configure the server with ${quote(path.join(out, TLS_CERT))}, ${quote(path.join(out, TLS_KEY))} and ${quote(path.join(out, CA_CERT))}`;
  }
}

/** The certificate `pki show` reads for a path: the file itself, or a directory's tls.crt (else its ca.crt). */
function certFileOf(target: string): { file: string; caFile?: string } {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${target}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (!isDir) return { file: target };
  const tls = path.join(target, TLS_CERT);
  const ca = path.join(target, CA_CERT);
  if (existsSync(tls)) return { file: tls, caFile: existsSync(ca) ? ca : undefined };
  if (existsSync(ca)) return { file: ca };
  throw new InvalidArgumentError(`${target} holds neither ${TLS_CERT} nor ${CA_CERT}`);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function validity(info: CertificateInfo, now = Date.now()): string {
  const range = `${new Date(info.notBeforeMs).toISOString()} to ${new Date(info.notAfterMs).toISOString()}`;
  if (now < info.notBeforeMs) return `${range} (not yet valid)`;
  if (now > info.notAfterMs) return `${range} (EXPIRED ${Math.floor((now - info.notAfterMs) / 86_400_000)} days ago)`;
  return `${range} (${Math.floor((info.notAfterMs - now) / 86_400_000)} days left)`;
}

/** Registers the `pki` command group. */
export function registerPkiCommands(program: Command, ctx: CliContext): void {
  const pki = program
    .command('pki')
    .description('make a private CA and the certificates for the coordinator, devices, operators and NATS servers; inspect certificates')
    .addHelpText(
      'after',
      '\nA credentials directory (what --pki <dir> names) holds ca.crt, tls.crt and tls.key (key 0600, directory 0700).\n' +
        'Identity is read from the certificate\'s SAN URIs (urn:fedlink:client:<id>, urn:fedlink:operator:<name> with\n' +
        'urn:fedlink:role:<role>, urn:fedlink:coordinator), never from its CN. Keys are ECDSA P-256.\n\n' +
        'Start with: fedlink pki init --dir pki --host coordinator.example.org',
    );
  registerPkiNatsConfigCommand(pki, ctx);

  pki
    .command('init')
    .description('create a CA and the coordinator\'s certificate in DIR: ca.crt, ca.key (the CA: keep it secret), tls.crt, tls.key (DIR is also the coordinator\'s credentials directory)')
    .requiredOption('--dir <dir>', 'directory to create (0700); refuses one that already holds a CA')
    .addOption(new Option('--host <host>', `DNS name or IP address clients reach the coordinator at; repeatable or comma-separated (default: ${DEFAULT_COORDINATOR_HOSTS.join(', ')})`).argParser(collect).default([]))
    .addOption(new Option('--san <name>', 'extra DNS or IP subject alternative name (DNS:name and IP:addr spellings accepted); repeatable').argParser(collect).default([]))
    .addOption(new Option('--days <n>', 'validity of the coordinator certificate in days (the CA is valid 10 years)').argParser(positiveInt).default(397))
    .option('--force', 'replace an existing CA: every certificate the old one issued stops being trusted')
    .action(async (flags: InitFlags) => {
      const { describeCertificate, initPki } = await loadPki();
      const hosts = [...flags.host, ...flags.san.map(sanValue)];
      await initPki(flags.dir, { hosts, force: flags.force, validityDays: flags.days });
      const ca = describeCertificate(readText(path.join(flags.dir, CA_CERT)), path.join(flags.dir, CA_CERT));
      const coordinator = describeCertificate(readText(path.join(flags.dir, TLS_CERT)), path.join(flags.dir, TLS_CERT));
      const dir = quote(flags.dir);
      const names = coordinator.sans.filter((s) => !s.startsWith('URI:')).map((s) => s.replace(/^[A-Z]+:/, ''));
      ctx.io.stdout.write(
        `wrote ${path.join(flags.dir, CA_CERT)} and ${path.join(flags.dir, CA_KEY)} (key 0600): CA "${ca.subject}", valid until ${day(ca.notAfterMs)}\n` +
          `wrote ${path.join(flags.dir, TLS_CERT)} and ${path.join(flags.dir, TLS_KEY)} (key 0600): coordinator certificate for ${names.join(', ')}, valid until ${day(coordinator.notAfterMs)}\n` +
          `keep ${CA_KEY} secret: whoever holds it can issue any identity, including admin operators\n\n` +
          'next:\n' +
          `  fedlink coordinator --pki ${dir}\n` +
          `  fedlink pki issue --dir ${dir} --client edge-1 --out edge-1     # a device's credentials directory\n` +
          `  fedlink pki issue --dir ${dir} --operator alice --role admin --out alice\n`,
      );
    });

  pki
    .command('issue')
    .description('issue a certificate and key from the CA in --dir into a credentials directory --out (ca.crt, tls.crt, tls.key)')
    .requiredOption('--dir <dir>', 'the PKI directory made by pki init (reads ca.crt and ca.key)')
    .option('--client <id>', 'a device certificate for this client id (SAN urn:fedlink:client:<id>)')
    .option('--operator <name>', 'an operator certificate for a person or tool (needs --role)')
    .addOption(new Option('--role <role>', `the operator's role: ${ROLES.map((r) => `${r} (${ROLE_HELP[r]})`).join('; ')}`).choices(ROLES))
    .option('--server <name>', 'a server certificate (a NATS server) for the names in --host')
    .addOption(new Option('--host <host>', 'with --server: DNS name or IP address the server is reached at; repeatable or comma-separated').argParser(collect).default([]))
    .requiredOption('--out <dir>', 'credentials directory to write (created 0700; tls.key 0600)')
    .addOption(new Option('--days <n>', 'validity in days (default: 365 for clients and operators, 397 for servers)').argParser(positiveInt))
    .option('--force', 'overwrite credentials already in --out')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  fedlink pki issue --dir pki --client edge-1 --out edge-1\n' +
        '  fedlink pki issue --dir pki --operator alice --role operator --out alice\n' +
        '  fedlink pki issue --dir pki --server nats-1 --host nats-1.internal --host 10.0.0.5 --out nats-1',
    )
    .action(async (flags: IssueFlags) => {
      const subject = issueSubject(flags);
      const { identityLabel, issueCertificate, readCa, writeTlsDir } = await loadPki();
      const ca = readCa(flags.dir);
      if (!ca) throw new InvalidArgumentError(`${flags.dir} holds no CA (${CA_KEY} is missing): run fedlink pki init --dir ${quote(flags.dir)} first`);
      const existing = [TLS_CERT, TLS_KEY].map((name) => path.join(flags.out, name)).find((file) => existsSync(file));
      if (existing && !flags.force) throw new FailedPreconditionError(`${existing} already exists: pass --force to replace the credentials in ${flags.out}`);
      const issued = await issueCertificate(ca, subject, { validityDays: flags.days });
      writeTlsDir(flags.out, { caPem: ca.certPem, certPem: issued.certPem, keyPem: issued.keyPem });
      const files = [CA_CERT, TLS_CERT, TLS_KEY].map((name) => path.join(flags.out, name)).join(', ');
      ctx.io.stdout.write(
        `issued ${subjectLabel(subject, identityLabel)}, serial ${issued.serial}, valid until ${day(issued.notAfterMs)}\n` +
          `wrote ${files} (key 0600)\n` +
          `next: ${nextSteps(subject, flags.out)}\n`,
      );
    });

  pki
    .command('show')
    .description('print a certificate: subject, fedlink identity, SANs, validity, serial, issuer (a directory: its tls.crt, checked against its ca.crt)')
    .argument('<file-or-dir>', 'a PEM certificate, or a credentials/PKI directory')
    .option('--json', 'print one JSON document: {file, subject, identity, sans, notBefore, notAfter, serial, issuer, ...}')
    .action(async (target: string, flags: { json?: boolean }) => {
      const { describeCertificate, identityLabel, issuedBy } = await loadPki();
      const { file, caFile } = certFileOf(target);
      const info = describeCertificate(readText(file), file);
      const chains = caFile ? issuedBy(readText(file), readText(caFile)) : undefined;
      if (flags.json) {
        const { notBeforeMs, notAfterMs, ...rest } = info;
        return printJson(ctx.io, {
          file,
          ...rest,
          notBefore: new Date(notBeforeMs).toISOString(),
          notAfter: new Date(notAfterMs).toISOString(),
          ...(caFile ? { caFile, issuedByCa: chains } : {}),
        });
      }
      ctx.io.stdout.write(
        keyValues([
          ['file', file],
          ['subject', info.subject],
          ['identity', identityLabel(info.identity)],
          ['sans', info.sans.join(', ') || '(none)'],
          ['usage', info.isCa ? 'CA' : info.extendedKeyUsage.join(', ') || '(any)'],
          ['valid', validity(info)],
          ['serial', info.serial],
          ['issuer', info.issuer],
          ['sha256', info.fingerprintSha256],
          ['issued by', caFile ? `${caFile}: ${chains ? 'yes' : 'NO (this certificate was not issued by that CA)'}` : undefined],
        ]),
      );
    });
}
