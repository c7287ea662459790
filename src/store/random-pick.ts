// Uniform random samples without repeats, for HRANDFIELD, SRANDMEMBER and
// SPOP with a positive count, and shuffles (an RDB file's keys).

/** Fisher-Yates over the first `count` positions: they end up a uniform random sample of `items`. */
export function shuffleFirst<T>(items: { length: number; [index: number]: T }, count: number): void {
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (items.length - i));
    const swap = items[i];
    items[i] = items[j];
    items[j] = swap;
  }
}

/** `count` distinct indexes of 0..length-1, in random order. */
export function chooseIndexes(length: number, count: number): number[] {
  const indexes: number[] = new Array<number>(length);
  for (let i = 0; i < length; i++) indexes[i] = i;
  shuffleFirst(indexes, count);
  indexes.length = count;
  return indexes;
}
