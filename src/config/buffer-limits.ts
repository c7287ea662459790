// client-output-buffer-limit: per client class, a hard limit and a soft one
// with its seconds. CONFIG SET and the config file change only the classes
// they name, as Redis's setConfigClientOutputBufferLimitOption; the value is
// kept in Redis's canonical form (bytes), which CONFIG GET shows.

import { parseMemory } from './units.ts';

export interface BufferLimit {
  /** Bytes; 0: none. */
  hard: number;
  soft: number;
  /** How long the soft limit may be passed before the client is closed. */
  softSeconds: number;
}

const CLASSES = ['normal', 'slave', 'pubsub'] as const;
export type ClientClass = (typeof CLASSES)[number];
export type BufferLimits = Record<ClientClass, BufferLimit>;

/** A client class as getClientTypeByName names it ("replica" is "slave"), or null; "master" has no limit to set. */
function classNamed(name: string): ClientClass | null {
  const lower = name.toLowerCase();
  if (lower === 'replica') return 'slave';
  return (CLASSES as readonly string[]).includes(lower) ? (lower as ClientClass) : null;
}

/** The limits of a canonical value. */
export function parseBufferLimits(text: string): BufferLimits {
  const words = text.split(/\s+/).filter(Boolean);
  const limits = {} as BufferLimits;
  for (let i = 0; i + 3 < words.length; i += 4) {
    limits[classNamed(words[i]) as ClientClass] = { hard: Number(words[i + 1]), soft: Number(words[i + 2]), softSeconds: Number(words[i + 3]) };
  }
  return limits;
}

/** `current` with the classes `raw` names changed, canonical; or Redis's reason for refusing it whole. */
export function mergeBufferLimits(current: string, raw: string): { value: string } | { error: string } {
  const words = raw.split(/\s+/).filter(Boolean);
  if (words.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const limits = parseBufferLimits(current);
  for (let i = 0; i < words.length; i += 4) {
    const clientClass = classNamed(words[i]);
    if (clientClass === null) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const [hard, soft, softSeconds] = words.slice(i + 1, i + 4).map(parseMemory);
    if (hard === null || soft === null || softSeconds === null) return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    limits[clientClass] = { hard, soft, softSeconds };
  }
  return { value: CLASSES.map((name) => `${name} ${limits[name].hard} ${limits[name].soft} ${limits[name].softSeconds}`).join(' ') };
}
