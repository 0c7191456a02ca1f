/**
 * The data readers, one per kind of data a device holds, and the named data
 * sets that are shorthands for one of them. Flag choices, help texts and spec
 * parsing derive from these lists only.
 */
import path from 'node:path';
import { InvalidArgumentError } from '../../../common/errors';
import { fashionMnistDir, fashionMnistFile } from '../fashion-mnist';
import { csvReader } from './csv';
import { moduleReader } from './data-module';
import { idxReader } from './idx';
import { imagesReader } from './images';
import { jsonlReader } from './jsonl';
import type { DataReader } from './reader';

/** Every reader, by kind. */
export const DATA_READERS: readonly DataReader[] = [csvReader, jsonlReader, idxReader, imagesReader, moduleReader];

/** The kinds a data spec may start with. */
export const DATA_KINDS: readonly string[] = DATA_READERS.map((r) => r.kind);

/** A named data set: a shorthand for a reader's spec, and what to install when its files are missing. */
export interface NamedData {
  name: string;
  help: string;
  /** The spec it stands for, given the data directory (--data-dir, FEDLINK_DATA_DIR, or the default). */
  spec(dir: string | undefined): string;
  install: string;
}

/** Named data sets: `--data fashion-mnist` is the idx: reader on the Debian package's training files. */
export const NAMED_DATA: readonly NamedData[] = [
  {
    name: 'fashion-mnist',
    help: 'Fashion-MNIST\'s training split (idx: on the files of the Debian package dataset-fashion-mnist, or of --data-dir)',
    spec: (dir) => {
      const d = fashionMnistDir(dir);
      return `idx:${path.join(d, fashionMnistFile('train', 'images-idx3'))},${path.join(d, fashionMnistFile('train', 'labels-idx1'))}`;
    },
    install: 'apt-get install dataset-fashion-mnist',
  },
];

/** The default data of `fedlink client`. */
export const DEFAULT_DATA = 'fashion-mnist';

/** A parsed data spec: the reader and its argument, and the named data set it came from, if any. */
export interface DataSpec {
  reader: DataReader;
  argument: string;
  named?: NamedData;
}

/** Parses `<kind>:<argument>` or a named data set; throws InvalidArgumentError listing what is known. */
export function parseDataSpec(text: string, options: { dataDir?: string } = {}): DataSpec {
  const trimmed = text.trim();
  const named = NAMED_DATA.find((n) => n.name === trimmed);
  if (named) return { ...parseDataSpec(named.spec(options.dataDir)), named };
  const colon = trimmed.indexOf(':');
  const kind = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const reader = DATA_READERS.find((r) => r.kind === kind);
  if (!reader || colon < 0) throw new InvalidArgumentError(`invalid data "${text}": expected ${dataSpecHelp()}`);
  const argument = trimmed.slice(colon + 1);
  if (argument.trim() === '') throw new InvalidArgumentError(`invalid data "${text}": ${reader.usage} needs its argument`);
  return { reader, argument };
}

/** One line listing every way to name data, for flag help and errors. */
export function dataSpecHelp(): string {
  return [...DATA_READERS.map((r) => r.usage), ...NAMED_DATA.map((n) => n.name)].join(' | ');
}

/** Several lines, one per reader and named data set, for long help. */
export function dataSpecLongHelp(): string {
  return [...DATA_READERS.map((r) => `  ${r.usage.padEnd(28)} ${r.help}`), ...NAMED_DATA.map((n) => `  ${n.name.padEnd(28)} ${n.help}`)].join('\n');
}
