// Numbers as redis.conf writes them.

/** Parses a memory value as Redis's memtoull: 1k=1000, 1kb=1024, m, mb, g, gb. Null when invalid. */
export function parseMemory(text: string): number | null {
  const match = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (match === null) return null;
  const units: Record<string, number> = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  const value = Number(match[1]) * (match[2] ? units[match[2].toLowerCase()] : 1);
  return Number.isSafeInteger(value) ? value : null;
}
