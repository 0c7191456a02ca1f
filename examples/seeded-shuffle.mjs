// The examples' data splits: a Fisher–Yates shuffle driven by mulberry32, so a
// seed gives the same split on every machine.

/** Shuffles `items` in place with `seed`; returns them. */
export function seededShuffle(items, seed) {
  let s = seed | 0;
  const random = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
