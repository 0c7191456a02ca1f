/**
 * The README and docs/*.md stay usable: every `fedlink …` command in their code blocks
 * parses with the current CLI (the command exists, every flag exists for it, the
 * positional arguments fit), and every relative link points at a file (and heading) that exists.
 * Commands are walked through the commander tree, never executed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../clients/cli/main';

const root = path.resolve(import.meta.dirname, '../..');
const docFiles = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const program = buildProgram({ io: { stdout: { write: () => true }, stderr: { write: () => true } }, exitCode: 0 });

/** A `fedlink` command found in a code block, with where it was. */
interface DocCommand {
  file: string;
  line: number;
  args: string[];
}

/** Languages of the code blocks that hold commands; others (`text`, `mermaid`, `yaml`, …) hold output, diagrams and files. */
const SHELL_BLOCKS = new Set(['', 'sh', 'bash', 'shell', 'console', 'zsh']);

/** The fenced shell code blocks of a markdown text, with the line number each block's first line has. */
function codeBlocks(text: string): Array<{ line: number; lines: string[] }> {
  const blocks: Array<{ line: number; lines: string[]; shell: boolean }> = [];
  let current: { line: number; lines: string[]; shell: boolean } | undefined;
  text.split('\n').forEach((l, i) => {
    const fence = /^\s*```\s*(\S*)/.exec(l);
    if (fence) {
      if (current) blocks.push(current);
      current = current ? undefined : { line: i + 2, lines: [], shell: SHELL_BLOCKS.has(fence[1]) };
    } else current?.lines.push(l);
  });
  return blocks.filter((b) => b.shell);
}

/** Splits a shell line into words (quotes kept together, comments dropped); an operator (`|`, `&&`, `;`, `&`, a redirection) is its own word. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  const end = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) end();
    else if (c === '#' && !inWord) break;
    else if (c === '|' || c === ';' || c === '&' || (c === '>' && !inWord) || (c === '>' && /^\d$/.test(word))) {
      end();
      words.push(c);
      if (line[i + 1] === c) i++;
    } else {
      word += c;
      inWord = true;
    }
  }
  end();
  return words;
}

const OPERATORS = new Set(['|', ';', '&', '>']);

/** Every `fedlink` (or `npx fedlink`, `node bin/fedlink.mjs`) command in the code blocks of `file`. */
function commandsIn(file: string): DocCommand[] {
  const found: DocCommand[] = [];
  for (const block of codeBlocks(readFileSync(path.join(root, file), 'utf8'))) {
    // Continuation lines join their command; the command is reported at its first line.
    for (let i = 0; i < block.lines.length; i++) {
      const start = i;
      let line = block.lines[i];
      while (line.endsWith('\\') && i + 1 < block.lines.length) line = line.slice(0, -1) + ' ' + block.lines[++i];
      const words = shellWords(line.replace(/^\s*\$\s+/, ''));
      let segment: string[] = [];
      for (const w of [...words, ';']) {
        if (!OPERATORS.has(w)) {
          segment.push(w);
          continue;
        }
        while (segment.length && /^[A-Z_][A-Z0-9_]*=/.test(segment[0])) segment.shift();
        const at = segment[0] === 'npx' ? 1 : segment[0] === 'node' && segment[1] === 'bin/fedlink.mjs' ? 1 : 0;
        if (segment[at] === 'fedlink' || segment[at] === 'bin/fedlink.mjs') found.push({ file, line: block.line + start, args: segment.slice(at + 1) });
        segment = [];
      }
    }
  }
  return found;
}

function findOption(command: Command, name: string): Option | undefined {
  for (let c: Command | null = command; c; c = c.parent) {
    const option = c.options.find((o) => o.long === name || o.short === name);
    if (option) return option;
  }
  return undefined;
}

/** What is wrong with `fedlink <args>` for the current CLI; nothing when it parses. */
function problemsOf(args: string[]): string[] {
  const problems: string[] = [];
  let command = program;
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word.startsWith('-') && word !== '-' && word !== '--') {
      const eq = word.indexOf('=');
      const name = eq > 0 ? word.slice(0, eq) : word;
      if (name === '--help' || name === '-h') {
        help = true;
        continue;
      }
      const option = findOption(command, name);
      if (!option) {
        problems.push(`\`${command.name()}\` has no option ${name}`);
        continue;
      }
      let value: string | undefined = eq > 0 ? word.slice(eq + 1) : undefined;
      if (option.required && value === undefined) {
        if (i + 1 >= args.length) problems.push(`${name} needs a value`);
        else value = args[++i];
      } else if (option.optional && value === undefined && i + 1 < args.length && !args[i + 1].startsWith('-')) value = args[++i];
      else if (!option.required && !option.optional && value !== undefined) problems.push(`${name} takes no value`);
      // Placeholders (`<dir>`, `$VAR`, `…`) stand for any value; a concrete one must be among the choices.
      if (value !== undefined && option.argChoices && !/^[<$…]/.test(value) && !option.argChoices.includes(value)) {
        problems.push(`${name} ${value}: not one of ${option.argChoices.join(', ')}`);
      }
      continue;
    }
    const sub = positional.length === 0 ? command.commands.find((c) => c.name() === word || c.aliases().includes(word)) : undefined;
    if (sub) command = sub;
    else positional.push(word);
  }
  if (help) return problems;
  if (command.commands.length > 0 && positional.length === 0) problems.push(`\`${command.name()}\` needs a subcommand (${command.commands.map((c) => c.name()).join(', ')})`);
  else if (command.commands.length > 0) problems.push(`\`${command.name()}\` has no subcommand ${positional[0]}`);
  else {
    const declared = command.registeredArguments;
    const required = declared.filter((a) => a.required).length;
    const variadic = declared.at(-1)?.variadic ?? false;
    if (positional.length < required) problems.push(`\`${command.name()}\` needs ${required} argument(s), got ${positional.length}`);
    if (!variadic && positional.length > declared.length) problems.push(`\`${command.name()}\` takes ${declared.length} argument(s), got ${positional.length}: ${positional.join(' ')}`);
  }
  return problems;
}

/** GitHub's anchor for each heading of a markdown text. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inCode = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) inCode = !inCode;
    const m = !inCode && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const slug = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative links (`[text](target)`) outside code, with what is wrong with each that does not resolve. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const prose = text.replace(/^\s*```[\s\S]*?^\s*```/gm, '').replace(/`[^`\n]*`/g, '');
  const broken: string[] = [];
  for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [filePart, anchor] = target.split('#', 2);
    const resolved = filePart ? path.resolve(path.dirname(path.join(root, file)), filePart) : path.join(root, file);
    if (!existsSync(resolved)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${target}: no such heading`);
  }
  return broken;
}

describe('docs commands and links', () => {
  const commands = docFiles.flatMap(commandsIn);

  it('docs - the README and docs show fedlink commands in their code blocks (so the check below checks something)', () => {
    expect(commands.filter((c) => c.file === 'README.md').length).toBeGreaterThanOrEqual(8);
    expect(new Set(commands.map((c) => c.file)).size).toBeGreaterThanOrEqual(4);
  });

  it('docs - every fedlink command in a code block names an existing command with flags it has', () => {
    const wrong = commands.flatMap((c) => problemsOf(c.args).map((p) => `${c.file}:${c.line}: fedlink ${c.args.join(' ')}\n    ${p}`));
    expect(wrong, wrong.join('\n')).toEqual([]);
  });

  it('docs - the command check refuses an unknown command, an unknown flag and a missing subcommand', () => {
    expect(problemsOf(['runs', 'create', '--rounds', '3'])).toEqual([]);
    expect(problemsOf(['runs', 'frobnicate'])).not.toEqual([]);
    expect(problemsOf(['runs', 'create', '--no-such-flag'])).not.toEqual([]);
    expect(problemsOf(['rounds'])).not.toEqual([]);
    expect(problemsOf(['rounds', 'show', 'run-1', '2', '3'])).not.toEqual([]);
  });

  it('docs - every relative link in the README and docs resolves to a file, and an anchor to a heading in it', () => {
    const broken = docFiles.flatMap((f) => brokenLinks(f).map((b) => `${f}: ${b}`));
    expect(broken, broken.join('\n')).toEqual([]);
  });
});
