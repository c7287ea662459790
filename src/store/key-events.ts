// What happened to keys, for keyspace notifications: the store reports every
// key a write path created, changed or removed (and lookups that missed)
// while a command runs, and every key it expired or evicted at any time. It
// names no event: the server maps what happened, under the command that did
// it, to Redis's events (server/keyspace-events.ts).

export const KEY_WRITTEN = 0;
export const KEY_CREATED = 1;
export const KEY_REMOVED = 2;
export const KEY_MISSED = 3;
export const KEY_EXPIRED = 4;
export const KEY_EVICTED = 5;
/** An event the table cannot tell from the change alone, named where it happens (a stream consumer created on the way). */
export const KEY_NAMED_EVENT = 6;
export type KeyHappening = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** Hears of expired and evicted keys as they go (they happen outside commands too). `key` is only valid during the call. */
export type KeyGoneListener = (db: number, key: Uint8Array, how: KeyHappening) => void;

export class KeyChanges {
  /** Set while a command runs with notifications on: the command's changes are recorded. */
  recording = false;
  /** Set when expired or evicted keys are notified. */
  gone: KeyGoneListener | null = null;
  readonly dbs: number[] = [];
  readonly keys: Buffer[] = [];
  readonly happenings: KeyHappening[] = [];
  /** The event of each KEY_NAMED_EVENT (null for the others). */
  readonly names: (string | null)[] = [];

  record(db: number, key: Uint8Array, what: KeyHappening): void {
    this.dbs.push(db);
    this.keys.push(Buffer.from(key));
    this.happenings.push(what);
    this.names.push(null);
  }

  recordEvent(db: number, key: Uint8Array, name: string): void {
    this.record(db, key, KEY_NAMED_EVENT);
    this.names[this.names.length - 1] = name;
  }

  clear(): void {
    this.dbs.length = 0;
    this.keys.length = 0;
    this.happenings.length = 0;
    this.names.length = 0;
  }
}
