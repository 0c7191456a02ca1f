/**
 * `fedlink completion bash|zsh`: the scripts, generated from the commander tree, run in the real
 * shells with a stand-in for the completion machinery, and offer what the CLI has.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main';
import { MissingDependencyError } from '../../common/errors';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const code = await main(['node', 'fedlink', ...args], io);
  return { code, stdout, stderr };
}

/** The shell's path; a missing one fails (CI installs zsh: infra/install-system-deps.sh). */
function shell(name: 'bash' | 'zsh'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new MissingDependencyError(`${name} not found: apt-get install ${name}`);
  return found;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fedlink-completion-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the script offers for each command line (the word being completed is the last, maybe ''). */
async function offers(sh: 'bash' | 'zsh', lines: string[][]): Promise<string[]> {
  const script = await run('completion', sh);
  expect(script.code, script.stderr).toBe(0);
  const file = path.join(dir, `fedlink.${sh}`);
  writeFileSync(file, script.stdout);
  const q = (w: string) => `'${w}'`;
  const driver =
    sh === 'bash'
      ? [
          `source ${file}`,
          'comp() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _fedlink; echo "${COMPREPLY[*]}"; }',
          ...lines.map((l) => `comp ${l.map(q).join(' ')}`),
        ]
      : [
          // Stand-ins for zsh's completion builtins: print what would be offered.
          'compdef() { :; }',
          `source ${file}`,
          '_describe() { local -a arr; arr=("${(@P)${@[-1]}}"); print -r -- "${(j: :)${arr[@]%%:*}}"; }',
          'compadd() { shift; print -r -- "$*"; }',
          '_files() { print -r -- "<files>"; }',
          't() { words=("$@"); CURRENT=${#words}; PREFIX=${words[CURRENT]}; _fedlink; }',
          ...lines.map((l) => `t ${l.map(q).join(' ')}`),
        ];
  const res = spawnSync(shell(sh), sh === 'zsh' ? ['-f', '-c', driver.join('\n')] : ['-c', driver.join('\n')], { encoding: 'utf8', timeout: 15_000 });
  expect(res.stderr).toBe('');
  return res.stdout.trimEnd().split('\n');
}

const LINES = [
  ['fedlink', ''],
  ['fedlink', 'runs', ''],
  ['fedlink', 'runs', 'create', '--selection', ''],
  ['fedlink', 'runs', 'create', '--rounds', '3', '--sel'],
  ['fedlink', 'rounds', 'list', '--coordinator', 'h:1', 'run-1', '-o', ''],
  ['fedlink', 'runs', 'metrics', 'run-1', '--format', ''],
  ['fedlink', 'runs', 'create', '--model', ''],
  ['fedlink', 'completion', ''],
];

describe('fedlink completion', () => {
  it('bash - offers commands, subcommands, flags, a flag\'s choices and file names, from the command tree', async () => {
    const got = await offers('bash', LINES);
    expect(got[0].split(' ')).toEqual(expect.arrayContaining(['coordinator', 'client', 'runs', 'rounds', 'clients', 'model', 'pki', 'completion', '--version', '--help']));
    expect(got[1].split(' ')).toEqual(expect.arrayContaining(['create', 'list', 'show', 'start', 'cancel', 'watch', 'metrics']));
    expect(got[2]).toBe('random fcfs sjf round-robin deadline utility');
    expect(got[3]).toBe('--selection');
    expect(got[4]).toBe('table wide');
    expect(got[5]).toBe('csv jsonl');
    // --model takes a path (or a built-in name): the shell's file names (none in this directory is fine).
    expect(got[6]).not.toMatch(/--/);
    expect(got[7]).toBe('bash zsh --help');
  });

  it('zsh - offers the same, with each flag\'s help as its description', async () => {
    const got = await offers('zsh', LINES);
    expect(got[0].split(' ')).toEqual(expect.arrayContaining(['coordinator', 'client', 'runs', 'rounds', 'clients', 'model', 'pki', 'completion']));
    expect(got[1].split(' ')).toEqual(expect.arrayContaining(['create', 'list', 'show', 'start', 'cancel', 'watch', 'metrics']));
    expect(got[2]).toBe('random fcfs sjf round-robin deadline utility');
    expect(got[3].split(' ')).toEqual(expect.arrayContaining(['--rounds', '--selection', '--clients-per-round']));
    expect(got[4]).toBe('table wide');
    expect(got[5]).toBe('csv jsonl');
    expect(got[6]).toBe('<files>');
    expect(got[7]).toBe('bash zsh');
    const script = (await run('completion', 'zsh')).stdout;
    expect(script).toMatch(/^#compdef fedlink\n/);
    expect(script).toContain("'--clients-per-round:clients selected each round'");
  });

  it('an unknown shell is one line, exit 2', async () => {
    expect(await run('completion', 'fish')).toEqual({ code: 2, stdout: '', stderr: "fedlink: command-argument value 'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.\n" });
  });
});
