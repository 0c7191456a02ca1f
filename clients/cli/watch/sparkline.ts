/** A one-line trend of numbers in block characters (missing values are spaces). */

const BLOCKS = '▁▂▃▄▅▆▇█';

/** The last `width` values as blocks scaled between their own minimum and maximum. */
export function sparkline(values: ReadonlyArray<number | null>, width = 20): string {
  const shown = values.slice(-width);
  const real = shown.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!real.length) return '';
  const lo = Math.min(...real);
  const span = Math.max(...real) - lo;
  return shown
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return ' ';
      // A flat trend sits mid-height rather than on the floor, so it does not read as "bad".
      const level = span === 0 ? 3 : Math.round(((v - lo) / span) * (BLOCKS.length - 1));
      return BLOCKS[level];
    })
    .join('');
}
