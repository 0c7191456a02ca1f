/**
 * Reads a systemd unit file and works out the command line systemd would run:
 * backslash continuations joined, specifiers (%i, %d, %%) replaced, Environment=
 * and EnvironmentFile= applied in order (later wins), ${VAR} expanded as one
 * word. Only what infra/systemd uses: a quote in ExecStart is an error rather
 * than a guess.
 */

/** A unit: section → key → values in file order. */
export type Unit = Record<string, Record<string, string[]>>;

/** Parses a unit file's text. */
export function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      section = header[1];
      unit[section] ??= {};
      continue;
    }
    const eq = trimmed.indexOf('=');
    if (eq < 0) throw new Error(`not a key=value line: ${trimmed}`);
    ((unit[section] ??= {})[trimmed.slice(0, eq)] ??= []).push(trimmed.slice(eq + 1));
  }
  return unit;
}

/** Where this host's systemd would put things, for the specifiers that name them. */
export interface UnitContext {
  /** %i */
  instance: string;
  /** %d: the directory LoadCredential= fills. */
  credentialsDir?: string;
}

/** Replaces the specifiers the units use; one this reader does not know is an error. */
function specifiers(text: string, ctx: UnitContext): string {
  return text.replace(/%(.)/g, (_, c: string) => {
    if (c === '%') return '%';
    if (c === 'i') return ctx.instance;
    if (c === 'd' && ctx.credentialsDir !== undefined) return ctx.credentialsDir;
    throw new Error(`specifier %${c} is not supported by this reader`);
  });
}

/** KEY=VALUE lines of an environment file (comments and blank lines skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m && !line.trim().startsWith('#')) env[m[1]] = m[2].trim();
  }
  return env;
}

/**
 * The service's environment: Environment= and EnvironmentFile= in order,
 * environment files taken from `files` (path → text), never from this host's
 * disk; a missing `-`file is skipped.
 */
export function serviceEnvironment(unit: Unit, ctx: UnitContext, files: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  const service = unit.Service ?? {};
  // systemd applies Environment= first, then the files, whatever their order in the unit.
  for (const value of service.Environment ?? []) {
    for (const word of specifiers(value, ctx).split(/\s+/).filter(Boolean)) {
      const eq = word.indexOf('=');
      env[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  for (const value of service.EnvironmentFile ?? []) {
    const optional = value.startsWith('-');
    const file = specifiers(optional ? value.slice(1) : value, ctx);
    // Only the files the test hands over: whatever this host has in /etc must not change the result.
    const text = files[file];
    if (text === undefined && !optional) throw new Error(`EnvironmentFile ${file} is missing`);
    if (text !== undefined) Object.assign(env, parseEnvFile(text));
  }
  return env;
}

/** ExecStart's words after specifier and ${VAR} expansion (an unset variable expands to '', as in systemd). */
export function execStart(unit: Unit, ctx: UnitContext, env: Record<string, string>): string[] {
  const lines = unit.Service?.ExecStart ?? [];
  if (lines.length !== 1) throw new Error(`expected one ExecStart=, found ${lines.length}`);
  if (/["']/.test(lines[0])) throw new Error('ExecStart with quotes: this reader does not split those');
  return specifiers(lines[0], ctx)
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
}

/** The directories StateDirectory= makes, as absolute paths (/var/lib/<name>). */
export function stateDirectories(unit: Unit, ctx: UnitContext): string[] {
  return (unit.Service?.StateDirectory ?? []).flatMap((v) => specifiers(v, ctx).split(/\s+/).filter(Boolean)).map((d) => `/var/lib/${d}`);
}
