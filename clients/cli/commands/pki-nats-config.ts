/**
 * `fedlink pki nats-config`: writes a nats-server configuration from the
 * deployment's PKI (see common/pki/nats-config.ts): TLS, certificates
 * required and mapped to users, per-client subject permissions.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from '../../../common/errors';
import { CA_CERT, TLS_CERT, TLS_KEY } from '../../../common/pki/layout';
import { addControlFlags, printJson, withControl, type CliContext, type ControlFlags } from '../context';
import { writeOutFile } from '../out-file';

interface NatsConfigFlags extends ControlFlags {
  serverPki: string;
  client: string[];
  fromCoordinator?: boolean;
  listen: string;
  storeDir: string;
  http?: string;
  serverName?: string;
  bucketPrefix: string;
  out?: string;
}

// Repeatable and comma-separated: --client a --client b,c.
function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** The server's TLS files in its credentials dir, as absolute paths (nats-server resolves relative ones against its cwd). */
function serverTlsFiles(dir: string): { ca: string; cert: string; key: string } {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new InvalidArgumentError(`--server-pki: ${dir} is not a directory (make one with: fedlink pki issue --dir <pki> --server <name> --host <host> --out ${dir})`);
  const abs = path.resolve(dir);
  const files = { ca: path.join(abs, CA_CERT), cert: path.join(abs, TLS_CERT), key: path.join(abs, TLS_KEY) };
  for (const f of Object.values(files)) if (!existsSync(f)) throw new InvalidArgumentError(`--server-pki: ${f} is missing`);
  return files;
}

/** Registers `nats-config` on `parent` (the `fedlink pki` group). */
export function registerPkiNatsConfigCommand(parent: Command, ctx: CliContext, name = 'nats-config'): Command {
  const command = parent
    .command(name)
    .description('write a nats-server config: TLS, client certificates required and mapped to users, each client allowed only its own subjects')
    .requiredOption('--server-pki <dir>', "the NATS server's credentials dir (ca.crt, tls.crt, tls.key), from: fedlink pki issue --server <name> --host <host> --out <dir>")
    .addOption(new Option('--client <id>', 'a client allowed to connect; repeatable or comma-separated').argParser(collect).default([]))
    .option('--from-coordinator', 'also allow every client the coordinator knows (clients list, over --coordinator)')
    .addOption(new Option('--listen <host:port>', 'client listen address').default('0.0.0.0:4222'))
    .addOption(new Option('--store-dir <dir>', 'JetStream store directory').default('/var/lib/nats/fedlink'))
    .addOption(new Option('--http <host:port>', 'monitoring endpoint (default: none)'))
    .addOption(new Option('--server-name <name>', 'server_name (needed in a cluster)'))
    .addOption(new Option('--bucket-prefix <prefix>', "the coordinator's JetStream bucket prefix").default('fedlink'))
    .addOption(new Option('--out <file>', 'file to write (default: stdout)'))
    .addHelpText(
      'after',
      '\nEach connection must present a certificate from the CA in --server-pki; nats-server maps it to the user named\n' +
        'by its SAN URI (urn:fedlink:client:<id> or urn:fedlink:coordinator). A client may publish only\n' +
        'fedlink.v1.client.<id>.presence and .link; it reads nothing and has no JetStream access.\n\n' +
        'Enrolling a device: issue its certificate, regenerate this file with its --client, then\n' +
        '  nats-server --signal reload   (connected users keep their sessions; a removed client is cut off)',
    );
  addControlFlags(command, 'print the users and their permissions as one JSON document instead of the config').action(async (flags: NatsConfigFlags) => {
    const tls = serverTlsFiles(flags.serverPki);
    const { natsServerConfig, natsUsers } = await import('../../../common/pki/nats-config');
    const clients = [...flags.client];
    if (flags.fromCoordinator) {
      const res = await withControl(flags, (control) => control.listClients());
      clients.push(...res.clients.map((c) => c.clientId));
    }
    if (clients.length === 0) ctx.io.stderr.write('fedlink: warning: no --client given: only the coordinator can connect\n');
    const text = natsServerConfig({
      tls,
      clients,
      listen: flags.listen,
      storeDir: flags.storeDir,
      http: flags.http,
      serverName: flags.serverName,
      bucketPrefix: flags.bucketPrefix,
    });
    if (flags.json) {
      printJson(ctx.io, { users: natsUsers(clients, flags.bucketPrefix) });
      return;
    }
    if (!flags.out) {
      ctx.io.stdout.write(text);
      return;
    }
    writeOutFile('--out', flags.out, text);
    ctx.io.stderr.write(`wrote ${flags.out} (${clients.length} client(s)); apply with: nats-server --signal reload\n`);
  });
  return command;
}
