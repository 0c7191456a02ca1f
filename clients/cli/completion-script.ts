/**
 * Shell completion scripts derived from the commander tree, so they never
 * drift from the CLI: every command path with its subcommands, its flags
 * (with their help as zsh descriptions), the choices of a flag that has them,
 * and file names after any other flag that takes a value.
 */
import type { Command, Option } from 'commander';

/** Shells `fedlink completion` writes a script for. */
export const SHELLS = ['bash', 'zsh'] as const;

/** One of SHELLS. */
export type Shell = (typeof SHELLS)[number];

interface FlagSpec {
  names: string[];
  help: string;
  takesValue: boolean;
  choices?: readonly string[];
}

/** A command as completion sees it: its path from the root ("" for fedlink itself), subcommands and flags. */
interface CommandSpec {
  path: string;
  subcommands: Array<{ name: string; help: string }>;
  /** Values its arguments take when they are a closed set (`completion <shell>`: bash, zsh). */
  argumentChoices: Array<{ name: string; help: string }>;
  flags: FlagSpec[];
}

const HELP_FLAG: FlagSpec = { names: ['-h', '--help'], help: 'display help for command', takesValue: false };

function flagSpec(o: Option): FlagSpec {
  return { names: [o.short, o.long].filter((n): n is string => !!n), help: o.description, takesValue: o.required || o.optional, choices: o.argChoices };
}

/** Every visible command under `root`, depth first, the root first. */
export function commandSpecs(root: Command, path = ''): CommandSpec[] {
  // commander keeps `hidden` on options and `_hidden` on commands; neither is offered.
  const visible = root.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const own: CommandSpec = {
    path,
    subcommands: visible.map((c) => ({ name: c.name(), help: c.description() })),
    argumentChoices: root.registeredArguments.flatMap((a) => (a.argChoices ?? []).map((name) => ({ name, help: a.description || a.name() }))),
    flags: [...root.options.filter((o) => !o.hidden).map(flagSpec), HELP_FLAG],
  };
  return [own, ...visible.flatMap((c) => commandSpecs(c, path ? `${path} ${c.name()}` : c.name()))];
}

/** A shell word in single quotes. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// Walks the words typed so far and keeps the longest known command path: flag values never match one.
function pathWalk(specs: CommandSpec[], first: string, wordsVar: string, countVar: string): string {
  const paths = specs.filter((s) => s.path).map((s) => quote(s.path));
  return [
    `  local cmdpath='' w i`,
    `  for ((i = ${first}; i < ${countVar}; i++)); do`,
    `    w=\${${wordsVar}[i]}`,
    `    case "\${cmdpath:+$cmdpath }$w" in`,
    `      ${paths.join('|')}) cmdpath="\${cmdpath:+$cmdpath }$w" ;;`,
    `    esac`,
    `  done`,
  ].join('\n');
}

/** The bash script: `source <(fedlink completion bash)`. */
export function bashCompletion(specs: CommandSpec[]): string {
  const valueCases = specs.flatMap((s) =>
    s.flags
      .filter((f) => f.takesValue)
      .map((f) => {
        const keys = f.names.map((n) => quote(`${s.path}|${n}`)).join('|');
        return f.choices ? `    ${keys}) COMPREPLY=($(compgen -W ${quote(f.choices.join(' '))} -- "$cur")); return ;;` : `    ${keys}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`;
      }),
  );
  const wordCases = specs.map((s) => `    ${quote(s.path)}) words=${quote([...s.subcommands.map((c) => c.name), ...s.argumentChoices.map((c) => c.name), ...s.flags.flatMap((f) => f.names.filter((n) => n.startsWith('--')))].join(' '))} ;;`);
  return [
    '# fedlink completion for bash. Load it with: source <(fedlink completion bash)',
    '_fedlink() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} words',
    pathWalk(specs, '1', 'COMP_WORDS', 'COMP_CWORD'),
    '  case "$cmdpath|$prev" in',
    ...valueCases,
    '  esac',
    '  case "$cmdpath" in',
    ...wordCases,
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -o default -F _fedlink fedlink',
    '',
  ].join('\n');
}

/** A zsh _describe entry, "name:description" with the colons of the name escaped. */
function described(name: string, help: string): string {
  return quote(`${name.replace(/:/g, '\\:')}:${help.replace(/\s+/g, ' ').slice(0, 100)}`);
}

/** The zsh script: `source <(fedlink completion zsh)` after compinit, or save it as _fedlink on $fpath. */
export function zshCompletion(specs: CommandSpec[]): string {
  const valueCases = specs.flatMap((s) =>
    s.flags
      .filter((f) => f.takesValue)
      .map((f) => {
        const keys = f.names.map((n) => quote(`${s.path}|${n}`)).join('|');
        return f.choices ? `    (${keys}) compadd -- ${f.choices.map(quote).join(' ')}; return ;;` : `    (${keys}) _files; return ;;`;
      }),
  );
  const listCases = specs.map(
    (s) =>
      `    (${quote(s.path)})\n      cmds=(${[...s.subcommands.map((c) => described(c.name, c.help)), ...s.argumentChoices.map((c) => described(c.name, c.help))].join(' ')})\n      opts=(${s.flags.flatMap((f) => f.names.map((n) => described(n, f.help))).join(' ')}) ;;`,
  );
  return [
    '#compdef fedlink',
    '# fedlink completion for zsh. Load it with: source <(fedlink completion zsh) (after compinit),',
    '# or save it as _fedlink in a directory on $fpath.',
    '_fedlink() {',
    '  local -a cmds opts',
    // zsh's $words starts at 1 with the command name.
    pathWalk(specs, '2', 'words', 'CURRENT'),
    '  case "$cmdpath|${words[CURRENT-1]}" in',
    ...valueCases,
    '  esac',
    '  case "$cmdpath" in',
    ...listCases,
    '  esac',
    '  if [[ $PREFIX == -* ]]; then _describe -t options option opts; else _describe -t commands command cmds; fi',
    '}',
    'compdef _fedlink fedlink',
    '',
  ].join('\n');
}
