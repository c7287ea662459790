// The packed form of a short sequence of byte strings: a small hash keeps
// field, value, field, value... in insertion order (a list node or a small
// sorted set can reuse it). It is stored as a key's value bytes, so it lives
// in the arena and is read in place:
//
//   bytes 0-3  number of entries (u32, little-endian): COUNT is O(1)
//   then each entry: its length as a varint (7 bits a byte, low bits first,
//   the high bit set on every byte but the last; 1 byte below 128, 2 below
//   16384), then its bytes.
//
// Unlike Redis's listpack there is no total length (the record keeps the
// value's length), no end marker, no integer encodings (replies send the
// bytes as they came) and no back-length (a form is at most a few KB, so
// reaching the tail is a short forward walk).
//
// Readers take (bytes, start, length): a segment's byte view and where the
// form lies in it; entries are named by their absolute offset in `bytes`.
// They never allocate. Writers build a whole new form in a reusable
// ListpackWriter; the caller then stores its view with the store's API.

import { copyBytes } from '../../util/copy-bytes.ts';

/** Bytes before the first entry. */
export const LISTPACK_HEADER_BYTES = 4;

/** Forms bigger than this are not worth keeping a scratch buffer for between writes. */
const KEEP_CAPACITY = 64 * 1024;
/** Below this size a byte loop beats TypedArray.set, which crosses into C++. */
const SMALL_COPY = 32;

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

// ---- Reading ----

/** Number of entries in the form. */
export function listpackCount(bytes: Uint8Array, start: number): number {
  return readU32(bytes, start);
}

/** Offset of the first entry (equal to start + length when the form is empty). */
export function listpackFirst(start: number): number {
  return start + LISTPACK_HEADER_BYTES;
}

/** Bytes of the entry's data (read from its length prefix). */
export function entryLength(bytes: Uint8Array, at: number): number {
  let byte = bytes[at];
  if (byte < 0x80) return byte;
  let length = byte & 0x7f;
  let scale = 0x80;
  for (;;) {
    byte = bytes[++at];
    length += (byte & 0x7f) * scale; // multiplied, not shifted: lengths may pass 2^31
    if (byte < 0x80) return length;
    scale *= 0x80;
  }
}

/** Offset of the entry's first data byte, just past its length prefix. */
export function entryDataStart(bytes: Uint8Array, at: number): number {
  while (bytes[at] >= 0x80) at++;
  return at + 1;
}

/** Offset of the entry after this one (start + length after the last). */
export function entryNext(bytes: Uint8Array, at: number): number {
  const length = entryLength(bytes, at);
  return entryDataStart(bytes, at) + length;
}

/** Bytes of a length prefix for data of this length. */
export function lengthPrefixSize(length: number): number {
  let size = 1;
  while (length >= 0x80) {
    length = Math.floor(length / 0x80);
    size++;
  }
  return size;
}

/** Bytes an entry of data of this length takes in a form: to size a form before building it. */
export function entrySize(dataLength: number): number {
  return lengthPrefixSize(dataLength) + dataLength;
}

/** Whether the entry's bytes are exactly `needle`. */
export function entryEquals(bytes: Uint8Array, at: number, needle: Uint8Array): boolean {
  const length = needle.length;
  if (entryLength(bytes, at) !== length) return false;
  const data = entryDataStart(bytes, at);
  for (let i = 0; i < length; i++) {
    if (bytes[data + i] !== needle[i]) return false;
  }
  return true;
}

/**
 * Offset of the first entry equal to `needle` among the entries at index
 * firstIndex, firstIndex + step, firstIndex + 2 * step...; -1 when none.
 * With step 2 and firstIndex 0 it finds a hash's field, never a value.
 */
export function listpackFind(bytes: Uint8Array, start: number, length: number, needle: Uint8Array, step = 1, firstIndex = 0): number {
  const end = start + length;
  let at = listpackFirst(start);
  for (let skipped = 0; skipped < firstIndex && at < end; skipped++) at = entryNext(bytes, at);
  return listpackFindFrom(bytes, at, end, needle, step);
}

/**
 * As listpackFind, from the entry at `at` (compared first), then every
 * `step`th entry after it, up to `end` (the form's start + length).
 */
export function listpackFindFrom(bytes: Uint8Array, at: number, end: number, needle: Uint8Array, step = 1): number {
  const needleLength = needle.length;
  while (at < end) {
    // The prefix is decoded once for both the compare and the step.
    const length = entryLength(bytes, at);
    const data = entryDataStart(bytes, at);
    if (length === needleLength) {
      let i = 0;
      while (i < length && bytes[data + i] === needle[i]) i++;
      if (i === length) return at;
    }
    at = data + length;
    for (let skipped = 1; skipped < step && at < end; skipped++) at = entryNext(bytes, at);
  }
  return -1;
}

/** Offset of the entry at `index` (0-based); -1 when out of range. */
export function listpackEntryAt(bytes: Uint8Array, start: number, length: number, index: number): number {
  if (index < 0 || index >= listpackCount(bytes, start)) return -1;
  const end = start + length;
  let at = listpackFirst(start);
  for (let i = 0; i < index && at < end; i++) at = entryNext(bytes, at);
  return at < end ? at : -1;
}

/** Offset of the last entry; -1 when the form is empty. */
export function listpackLast(bytes: Uint8Array, start: number, length: number): number {
  const end = start + length;
  let at = listpackFirst(start);
  if (at >= end) return -1;
  for (let next = entryNext(bytes, at); next < end; next = entryNext(bytes, at)) at = next;
  return at;
}

/** Whether some entry's bytes are longer than `limit` (then the value needs its big form). */
export function listpackHasEntryLongerThan(bytes: Uint8Array, start: number, length: number, limit: number): boolean {
  const end = start + length;
  for (let at = listpackFirst(start); at < end; ) {
    const dataLength = entryLength(bytes, at);
    if (dataLength > limit) return true;
    at = entryDataStart(bytes, at) + dataLength;
  }
  return false;
}

/**
 * Whether the bytes are a well-formed form: entries that end exactly at
 * start + length, minimal length prefixes, and as many as the header says.
 */
export function listpackIsValid(bytes: Uint8Array, start: number, length: number): boolean {
  if (start < 0 || length < LISTPACK_HEADER_BYTES || start + length > bytes.length) return false;
  const end = start + length;
  let entries = 0;
  let at = listpackFirst(start);
  while (at < end) {
    let prefix = 0;
    while (at + prefix < end && bytes[at + prefix] >= 0x80) prefix++;
    prefix++;
    if (at + prefix > end || prefix > 5) return false;
    if (prefix > 1 && bytes[at + prefix - 1] === 0) return false; // a longer prefix than needed
    at += prefix + entryLength(bytes, at);
    entries++;
  }
  return at === end && entries === listpackCount(bytes, start);
}

// ---- Writing ----

/**
 * Builds forms into a growable buffer reused across calls. Every method that
 * returns a Buffer returns a view of the built form, valid until the writer
 * is used again; a form it built may itself be the source of the next edit
 * (the writer then builds into its other buffer), so edits chain.
 */
export class ListpackWriter {
  buffer: Buffer;
  /** Bytes of the form built so far. */
  length = 0;
  /** Entries of the form built so far. */
  count = 0;
  private spare: Buffer | null = null;
  private readonly initialCapacity: number;

  constructor(initialCapacity = 512) {
    this.initialCapacity = Math.max(initialCapacity, LISTPACK_HEADER_BYTES);
    this.buffer = Buffer.allocUnsafeSlow(this.initialCapacity);
  }

  /** Starts an empty form. `source`, when given, is a form the new one will be built from. */
  begin(source: Uint8Array | null = null): void {
    // Reading and writing the same buffer would overwrite the source.
    if (source !== null && source.buffer === this.buffer.buffer) {
      const spare = this.spare ?? Buffer.allocUnsafeSlow(this.initialCapacity);
      this.spare = this.buffer;
      this.buffer = spare;
    }
    if (this.buffer.length > KEEP_CAPACITY) this.buffer = Buffer.allocUnsafeSlow(this.initialCapacity);
    this.length = LISTPACK_HEADER_BYTES;
    this.count = 0;
  }

  /** Appends an entry holding `value`. */
  push(value: Uint8Array): void {
    this.pushRange(value, 0, value.length);
  }

  /** Appends an entry holding `length` bytes of `bytes` from `dataStart` (another form's entry, say). */
  pushRange(bytes: Uint8Array, dataStart: number, length: number): void {
    this.ensure(lengthPrefixSize(length) + length);
    const buffer = this.buffer;
    let at = this.length;
    let rest = length;
    while (rest >= 0x80) {
      buffer[at++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    buffer[at++] = rest;
    this.length = copyRange(buffer, at, bytes, dataStart, length);
    this.count++;
  }

  /** The form built so far. */
  view(): Buffer {
    const buffer = this.buffer;
    const count = this.count;
    buffer[0] = count & 0xff;
    buffer[1] = (count >>> 8) & 0xff;
    buffer[2] = (count >>> 16) & 0xff;
    buffer[3] = count >>> 24;
    return buffer.subarray(0, this.length);
  }

  // ---- Edits: a new form from a stored one ----

  /** A form of entries[from..to). */
  fromEntries(entries: readonly Uint8Array[], from = 0, to = entries.length): Buffer {
    this.begin();
    for (let i = from; i < to; i++) this.push(entries[i]);
    return this.view();
  }

  /** The form with entries[from..to) appended. */
  appended(bytes: Uint8Array, start: number, length: number, entries: readonly Uint8Array[], from = 0, to = entries.length): Buffer {
    return this.inserted(bytes, start, length, start + length, entries, from, to);
  }

  /** The form with two entries appended (a hash's new field and its value). */
  appendedPair(bytes: Uint8Array, start: number, length: number, first: Uint8Array, second: Uint8Array): Buffer {
    this.beginFrom(bytes, start, length);
    this.push(first);
    this.push(second);
    return this.view();
  }

  /** The form with entries[from..to) inserted before the entry at `at` (start + length: at the end). */
  inserted(bytes: Uint8Array, start: number, length: number, at: number, entries: readonly Uint8Array[], from = 0, to = entries.length): Buffer {
    const end = start + length;
    this.begin(bytes);
    this.copyEntries(bytes, listpackFirst(start), at);
    for (let i = from; i < to; i++) this.push(entries[i]);
    this.copyEntries(bytes, at, end);
    this.count = listpackCount(bytes, start) + (to - from);
    return this.view();
  }

  /** The form with the entry at `at` holding `value` instead. */
  replaced(bytes: Uint8Array, start: number, length: number, at: number, value: Uint8Array): Buffer {
    const end = start + length;
    this.begin(bytes);
    this.copyEntries(bytes, listpackFirst(start), at);
    this.push(value);
    this.copyEntries(bytes, entryNext(bytes, at), end);
    this.count = listpackCount(bytes, start);
    return this.view();
  }

  /** The form without the `n` entries from the one at `at` (fewer when the form ends first). */
  removed(bytes: Uint8Array, start: number, length: number, at: number, n: number): Buffer {
    const end = start + length;
    let after = at;
    let dropped = 0;
    while (dropped < n && after < end) {
      after = entryNext(bytes, after);
      dropped++;
    }
    this.begin(bytes);
    this.copyEntries(bytes, listpackFirst(start), at);
    this.copyEntries(bytes, after, end);
    this.count = listpackCount(bytes, start) - dropped;
    return this.view();
  }

  /** Starts a form holding the source's entries, to push more after them. */
  private beginFrom(bytes: Uint8Array, start: number, length: number): void {
    this.begin(bytes);
    this.copyEntries(bytes, listpackFirst(start), start + length);
    this.count = listpackCount(bytes, start);
  }

  /** Copies the encoded entries in bytes[from..to) as they are (the count is the caller's to set). */
  private copyEntries(bytes: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.ensure(to - from);
    this.length = copyRange(this.buffer, this.length, bytes, from, to - from);
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafeSlow(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Copies `length` bytes of `source` from `from` into `target` at `at`; returns the position after them. */
function copyRange(target: Buffer, at: number, source: Uint8Array, from: number, length: number): number {
  if (length < SMALL_COPY) {
    for (let i = 0; i < length; i++) target[at + i] = source[from + i];
  } else {
    copyBytes(source, from, from + length, target, at);
  }
  return at + length;
}

/** A writer for the thread's own use: each thread has its own module instance. */
export const listpackWriter = new ListpackWriter();
