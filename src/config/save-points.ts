// The `save` setting: save points, "seconds changes" pairs (`save 3600 1 300
// 100`): a background save runs once at least `changes` writes were made
// and more than `seconds` passed since the last save. "" means none.

export interface SavePoint {
  seconds: number;
  changes: number;
}

/** The save points of a `save` value, or null when it is not pairs of whole numbers one space apart (Redis: "Invalid save parameters"). */
export function parseSavePoints(raw: string): SavePoint[] | null {
  const words = raw === '' ? [] : raw.split(' ');
  if (words.length % 2 !== 0 || !words.every((word) => /^\d+$/.test(word))) return null;
  const points: SavePoint[] = [];
  for (let i = 0; i < words.length; i += 2) points.push({ seconds: Number(words[i]), changes: Number(words[i + 1]) });
  return points;
}

/** The value as CONFIG GET shows it: the pairs, space separated. */
export function formatSavePoints(points: readonly SavePoint[]): string {
  return points.map((point) => `${point.seconds} ${point.changes}`).join(' ');
}
