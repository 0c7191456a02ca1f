/**
 * `-o, --output <format>`, shared by every command that prints a table: the
 * default fits an 80-column terminal (the columns that matter, long cells cut
 * with "…"); `wide` prints every column and cuts nothing.
 */
import { Option, type Command } from 'commander';

/** The formats -o takes, in help order. */
export const OUTPUT_FORMATS = ['table', 'wide'] as const;

/** One of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Flags of a command with a table. */
export interface OutputFlags {
  output: OutputFormat;
}

/** Adds -o/--output to a command that prints a table. */
export function addOutputOption(command: Command): Command {
  return command.addOption(
    new Option('-o, --output <format>', 'table: fits 80 columns, long cells cut with "…"; wide: every column, nothing cut').choices(OUTPUT_FORMATS).default('table'),
  );
}

/** Whether the table should show every column. */
export function isWide(flags: Partial<OutputFlags>): boolean {
  return flags.output === 'wide';
}
