/**
 * The records `fedlink model predict --input` names, before preprocessing: a
 * CSV file (a header row names the columns; without one every row is only
 * numbers), a JSON-lines file (each line an object of fields or an array of
 * numbers), a PNG image, a directory of PNG images, or `-` for standard input
 * (sniffed: PNG bytes, JSON lines, or CSV). Each record keeps a name for the
 * output line: "row 3", "line 3", or the image's file name.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../../../common/errors';
import { decodeImage } from '../../trainer/data/image-decode';

/** A decoded image: 4 channels (RGBA), as the data readers decode PNG and JPEG. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/** PNG or JPEG, by their first bytes. */
function isImage(bytes: Uint8Array): boolean {
  return (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) || (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff);
}

/** One input as read. */
export type RawInput =
  | { name: string; kind: 'values'; values: number[] }
  | { name: string; kind: 'record'; record: Record<string, unknown> }
  | { name: string; kind: 'image'; image: DecodedImage };

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const JSONL_EXTENSIONS = new Set(['.jsonl', '.ndjson', '.json']);

/** Splits one CSV line into fields ("" quotes a quote; quoted fields may hold commas, not line breaks). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (ch === ',') {
      out.push(field.trim());
      field = '';
    } else field += ch;
  }
  out.push(field.trim());
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses CSV text: with a header (any cell of the first row not a number) rows become records, else number lists. */
export function parseCsv(text: string, source: string): RawInput[] {
  const lines = text.split(/\r?\n/).map((l, i) => ({ l, n: i + 1 })).filter(({ l }) => l.trim() !== '');
  if (lines.length === 0) throw new InvalidArgumentError(`${source} holds no rows`);
  const first = csvFields(lines[0].l);
  const header = first.some((f) => !NUMBER.test(f)) ? first : undefined;
  const rows = header ? lines.slice(1) : lines;
  if (rows.length === 0) throw new InvalidArgumentError(`${source} has a header row but no data rows`);
  return rows.map(({ l, n }, i) => {
    const fields = csvFields(l);
    const name = `row ${i + 1}`;
    if (!header) {
      const bad = fields.findIndex((f) => !NUMBER.test(f));
      if (bad >= 0) throw new InvalidArgumentError(`${source} line ${n}: column ${bad + 1} is ${JSON.stringify(fields[bad].slice(0, 40))}, not a number`);
      return { name, kind: 'values', values: fields.map(Number) };
    }
    if (fields.length !== header.length) throw new InvalidArgumentError(`${source} line ${n} has ${fields.length} fields, the header ${header.length}`);
    return { name, kind: 'record', record: Object.fromEntries(header.map((h, k) => [h, fields[k]])) };
  });
}

function flatNumbers(value: unknown[], where: string): number[] {
  const flat = (value as unknown[]).flat(Infinity as 1);
  const bad = flat.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) throw new InvalidArgumentError(`${where}: value ${bad + 1} is ${JSON.stringify(flat[bad])}, not a finite number`);
  return flat as number[];
}

/** Parses JSON lines: an object per line becomes a record, an array (nested arrays are flattened) a number list. */
export function parseJsonLines(text: string, source: string): RawInput[] {
  const out: RawInput[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new InvalidArgumentError(`${source} line ${i + 1} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const name = `line ${i + 1}`;
    if (Array.isArray(value)) out.push({ name, kind: 'values', values: flatNumbers(value, `${source} line ${i + 1}`) });
    else if (value !== null && typeof value === 'object') out.push({ name, kind: 'record', record: value as Record<string, unknown> });
    else throw new InvalidArgumentError(`${source} line ${i + 1} is neither an object nor an array`);
  }
  if (out.length === 0) throw new InvalidArgumentError(`${source} holds no lines`);
  return out;
}

async function readImage(bytes: Uint8Array, name: string): Promise<RawInput> {
  const image = await decodeImage(bytes, name);
  return { name, kind: 'image', image: { ...image, channels: 4 } };
}

/** Reads text records: JSON lines when the first line opens an object or array, CSV otherwise. */
function readText(text: string, source: string, ext: string): RawInput[] {
  if (JSONL_EXTENSIONS.has(ext)) return parseJsonLines(text, source);
  if (ext === '' || ext === '.txt') {
    const first = text.trimStart()[0];
    if (first === '{' || first === '[') return parseJsonLines(text, source);
  }
  return parseCsv(text, source);
}

async function readStdin(stdin: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stdin) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts);
}

/** Reads every input `source` names (a file, a directory of images, or '-' for `stdin`). */
export async function readInputs(source: string, stdin: AsyncIterable<Buffer | string> = process.stdin): Promise<RawInput[]> {
  if (source === '-') {
    const bytes = await readStdin(stdin);
    return isImage(bytes) ? [await readImage(bytes, 'stdin')] : readText(bytes.toString('utf8'), 'stdin', '');
  }
  const info = await stat(source).catch((err: NodeJS.ErrnoException) => {
    throw new InvalidArgumentError(`cannot read --input ${source}: ${err.code ?? err.message}`, { cause: err });
  });
  if (info.isDirectory()) {
    const names = (await readdir(source)).filter((n) => !n.startsWith('.') && IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
    if (names.length === 0) throw new InvalidArgumentError(`${source} holds no images (.png, .jpg, .jpeg)`);
    const out: RawInput[] = [];
    for (const n of names) out.push(await readImage(await readFile(path.join(source, n)), n));
    return out;
  }
  const bytes = await readFile(source);
  const ext = path.extname(source).toLowerCase();
  if (IMAGE_EXTENSIONS.has(ext) || isImage(bytes)) return [await readImage(bytes, path.basename(source))];
  return readText(bytes.toString('utf8'), source, ext);
}
