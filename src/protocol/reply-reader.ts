// Reads RESP replies that shards send back, where a coordinator must combine
// several of them (MGET across shards, DBSIZE, KEYS...).

export type ReplyValue = null | number | bigint | Buffer | ReplyError | string | ReplyValue[];

export class ReplyError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

export function readReply(bytes: Buffer): ReplyValue {
  const state = { at: 0 };
  return readValue(bytes, state);
}

function readLine(bytes: Buffer, state: { at: number }): string {
  const end = bytes.indexOf(13, state.at);
  const line = bytes.toString('latin1', state.at + 1, end);
  state.at = end + 2;
  return line;
}

function readValue(bytes: Buffer, state: { at: number }): ReplyValue {
  const type = bytes[state.at];
  switch (type) {
    case 0x2b /* + */:
      return readLine(bytes, state);
    case 0x2d /* - */:
      return new ReplyError(readLine(bytes, state));
    case 0x3a /* : */: {
      const text = readLine(bytes, state);
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    case 0x5f /* _ */:
      readLine(bytes, state);
      return null;
    case 0x24 /* $ */: {
      const length = Number(readLine(bytes, state));
      if (length < 0) return null;
      const value = Buffer.from(bytes.subarray(state.at, state.at + length));
      state.at += length + 2;
      return value;
    }
    case 0x2a /* * */:
    case 0x7e /* ~ */:
    case 0x25 /* % */: {
      let count = Number(readLine(bytes, state));
      if (count < 0) return null;
      if (type === 0x25) count *= 2;
      const items: ReplyValue[] = [];
      for (let i = 0; i < count; i++) items.push(readValue(bytes, state));
      return items;
    }
    default:
      throw new Error(`unexpected reply type ${String.fromCharCode(type)}`);
  }
}

/**
 * Where the RESP value that starts at `at` ends: splits replies written one
 * after another (a transaction's batch). -1 when `bytes` holds only part of it.
 */
export function replyEnd(bytes: Uint8Array, at: number): number {
  const type = bytes[at];
  let lineEnd = at;
  while (lineEnd < bytes.length && bytes[lineEnd] !== 13) lineEnd++;
  const after = lineEnd + 2;
  if (after > bytes.length) return -1;
  switch (type) {
    case 0x24 /* $ */:
    case 0x21 /* ! */:
    case 0x3d /* = */: {
      const length = Number(Buffer.from(bytes.buffer, bytes.byteOffset + at + 1, lineEnd - at - 1).toString('latin1'));
      if (length < 0) return after;
      return after + length + 2 <= bytes.length ? after + length + 2 : -1;
    }
    case 0x2a /* * */:
    case 0x7e /* ~ */:
    case 0x3e /* > */:
    case 0x25 /* % */:
    case 0x7c /* | */: {
      let count = Number(Buffer.from(bytes.buffer, bytes.byteOffset + at + 1, lineEnd - at - 1).toString('latin1'));
      if (type === 0x25 || type === 0x7c) count *= 2;
      let end = after;
      for (let i = 0; i < count && end >= 0; i++) end = replyEnd(bytes, end);
      // An attribute precedes the value it describes.
      return type === 0x7c && end >= 0 ? replyEnd(bytes, end) : end;
    }
    default:
      return after;
  }
}

/**
 * Splits `count` replies written one after another in `raw` from `at`. A hop
 * that failed whole answers one error instead of its batch's replies: every
 * reply missing repeats the last one there.
 */
export function splitReplies(raw: Buffer, at: number, count: number): Buffer[] {
  const replies: Buffer[] = [];
  let last = raw.subarray(at);
  for (let i = 0; i < count; i++) {
    const end = at < raw.length ? replyEnd(raw, at) : -1;
    if (end >= 0) {
      last = raw.subarray(at, end);
      at = end;
    }
    replies.push(last);
  }
  return replies;
}
