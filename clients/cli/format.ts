/** Human output of the CLI: borderless tables, key/value blocks, durations, bytes, relative times. */
import { createRequire } from 'node:module';
import type TableType from 'cli-table3';
import { stripControl } from '../../common/sanitize';

// Loaded on the first table: most commands print none, and every command's start pays for what it imports.
let Table: typeof TableType | undefined;
function tableClass(): typeof TableType {
  Table ??= createRequire(import.meta.url)('cli-table3') as typeof TableType;
  return Table;
}

// kubectl-style columns: no borders, no colours (output is often piped or grepped).
const PLAIN_CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};

/** A borderless table with an upper-case header row; "(none)" when there are no rows. */
export function table(head: string[], rows: string[][], empty = '(none)'): string {
  if (rows.length === 0) return `${empty}\n`;
  const t = new (tableClass())({
    head: head.map((h) => h.toUpperCase()),
    chars: PLAIN_CHARS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  // Cells hold what clients sent (ids, backends, reasons), maybe through an older coordinator: no escapes reach the terminal.
  t.push(...rows.map((row) => row.map((cell) => stripControl(cell))));
  return `${t.toString().split('\n').map((line) => line.trimEnd()).join('\n')}\n`;
}

/** Aligned "key  value" lines; pairs whose value is undefined are left out. A value longer than `width` allows wraps at spaces, indented under itself. */
export function keyValues(pairs: Array<[string, string | undefined]>, width = Infinity): string {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined);
  const keyWidth = Math.max(0, ...shown.map(([k]) => k.length));
  const wrapAt = Math.max(20, width - keyWidth - 2);
  return shown.map(([k, v]) => `${k.padEnd(keyWidth)}  ${wrap(stripControl(v), wrapAt).join(`\n${' '.repeat(keyWidth + 2)}`)}`.trimEnd()).join('\n') + '\n';
}

// Greedy word wrap; a word longer than the line stays whole.
function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Terminal width the default (not wide) tables and key/value blocks fit in. */
export const NARROW_WIDTH = 80;

/** One column of a table that `-o wide` can widen. */
export interface Column<T> {
  head: string;
  cell: (row: T) => string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
  /** May be cut (with "…") so that the default table fits NARROW_WIDTH. */
  shrink?: boolean;
}

const GAP = 2;
const MIN_SHRUNK = 8;

/** A table of `rows` in `columns`: every column with `wide`; otherwise the narrow ones, cut to fit `width`. */
export function columnsTable<T>(columns: ReadonlyArray<Column<T>>, rows: readonly T[], options: { wide?: boolean; empty?: string; width?: number } = {}): string {
  const shown = options.wide ? columns : columns.filter((c) => !c.wide);
  const cells = rows.map((row) => shown.map((c) => stripControl(c.cell(row))));
  if (!options.wide) {
    const widths = shown.map((c, i) => Math.max(c.head.length, ...cells.map((r) => r[i].length)));
    const limit = options.width ?? NARROW_WIDTH;
    const floor = shown.map((c, i) => (c.shrink ? Math.min(widths[i], Math.max(c.head.length, MIN_SHRUNK)) : widths[i]));
    // Take a character at a time from the widest column that may shrink, until the table fits or none can.
    for (let total = widths.reduce((a, b) => a + b, 0) + GAP * (shown.length - 1); total > limit; total--) {
      let widest = -1;
      for (let i = 0; i < shown.length; i++) if (widths[i] > floor[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
      if (widest < 0) break;
      widths[widest]--;
    }
    for (const r of cells) for (let i = 0; i < r.length; i++) if (r[i].length > widths[i]) r[i] = `${r[i].slice(0, widths[i] - 1)}…`;
  }
  return table(shown.map((c) => c.head), cells, options.empty);
}

/** "850ms", "12.3s", "2m05s", "1h02m"; "-" for missing or negative. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h${String(totalMinutes % 60).padStart(2, '0')}m`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** "0 B", "512 B", "1.5 KiB", "12.3 MiB". */
export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n) || n < 0) return '-';
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** A metric with fixed decimals, or "-" when it is not there. */
export function formatMetric(value: number | undefined | null, digits = 4): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** "just now", "4s ago", "3m ago", "2h ago", "5d ago"; "never" for 0. */
export function formatAgo(atMs: number, nowMs = Date.now()): string {
  if (!atMs) return 'never';
  const s = Math.max(0, Math.round((nowMs - atMs) / 1000));
  if (s < 1) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** Local "YYYY-MM-DD HH:MM:SS", or "-" for 0. */
export function formatTime(atMs: number): string {
  if (!atMs) return '-';
  const d = new Date(atMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Elapsed time of something that started at `startMs` and ended at `endMs` (or is still going). */
export function elapsed(startMs: number, endMs: number, nowMs = Date.now()): number | undefined {
  if (!startMs) return undefined;
  return (endMs || nowMs) - startMs;
}
