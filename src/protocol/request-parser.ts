// Incremental RESP request parser: multibulk (`*N\r\n$len\r\nbytes\r\n...`) and
// inline commands (`SET k v\r\n`, as redis-cli and telnet send), with Redis
// 7.0's rules and error texts (networking.c processMultibulkBuffer and
// processInlineBuffer).
//
// Arguments are views into the socket's chunk when they arrive whole, and are
// copied exactly once into a buffer of their own when they span chunks.
// Only a partial header line is ever re-buffered.

import {
  PROTO_INLINE_MAX_SIZE,
  INLINE_LINE_REFUSED_AT,
  PROTO_MAX_MULTIBULK_LENGTH,
  UNAUTHENTICATED_MAX_BULK_LENGTH,
  UNAUTHENTICATED_MAX_MULTIBULK_LENGTH,
} from './limits.ts';
import { splitInlineArgs } from './inline.ts';
import { BIG_BUFFER_BYTES, releasedBuffer } from '../util/memory-release.ts';

const CR = 13;
const LF = 10;
const STAR = 0x2a;
const DOLLAR = 0x24;
const EMPTY = Buffer.alloc(0);

export interface RequestSink {
  /**
   * One complete command. `argv` and the buffers in it are valid only during
   * the call: whoever keeps an argument copies it.
   */
  onCommand(argv: Buffer[], argc: number): void;
  /**
   * A protocol error ("Protocol error: ..."; one byte per character, as
   * latin1): the reply is sent and the connection is closed after it.
   */
  onProtocolError(message: string): void;
  /** The client's query buffer passed client-query-buffer-limit: Redis closes it without a reply. */
  onQueryBufferLimit(): void;
  /** Whether the client has yet to authenticate: big requests are then refused before they are read. */
  authRequired(): boolean;
}

export interface ParserLimits {
  maxBulkLength: number;
  /** Buffered but not yet executable bytes allowed per client (client-query-buffer-limit). */
  maxQueryBuffer: number;
}

// Parser states.
const IDLE = 0; // expecting `*` or an inline command
const MULTIBULK = 1; // expecting the next `$len` header
const BULK_DATA = 2; // filling a bulk argument that spans chunks

/** findLineEnd: no CR before the end of the data or a NUL byte (Redis's strchr stops at NUL). */
const NOT_FOUND = -1;
/** findLineEnd: the CR is the last byte: the line is whole once one more byte comes. */
const INCOMPLETE = -2;

/** Commands with more arguments than this do not keep their argv array for the next command. */
const ARGV_KEPT = 1024;

export class RequestParser {
  private readonly sink: RequestSink;
  private readonly limits: ParserLimits;
  /** Bytes of an incomplete header line (or inline command) kept from the last chunk. */
  private pending: Buffer = EMPTY;
  private state = IDLE;
  private argv: Buffer[] = [];
  private argc = 0;
  private argsExpected = 0;
  /** A bulk argument being filled across chunks (with its CRLF). */
  private bulk: Buffer = EMPTY;
  private bulkFilled = 0;
  /** `argv` holds a big bulk: a new array after the command, so the bulk is not kept. */
  private holdsBigArg = false;
  private stopped = false;

  constructor(sink: RequestSink, limits: ParserLimits) {
    this.sink = sink;
    this.limits = limits;
  }

  /** Bytes held for a command not yet whole: a partial line, and a big argument's buffer (CLIENT LIST qbuf). */
  bufferedBytes(): number {
    return this.pending.length + this.bulk.length;
  }

  /** Ignores every byte from now on (after a protocol error, or QUIT). */
  stop(): void {
    this.stopped = true;
    this.pending = EMPTY;
    releasedBuffer(this.bulk);
    this.bulk = EMPTY;
    this.argv = [];
  }

  /** Feeds one chunk from the socket; calls back once per complete command. */
  feed(chunk: Buffer): void {
    if (this.stopped) return;
    let data = chunk;
    if (this.pending.length > 0) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = EMPTY;
    }
    let pos = 0;
    const end = data.length;
    while (pos < end && !this.stopped) {
      let next: number;
      if (this.state === BULK_DATA) next = this.fillBulk(data, pos);
      else if (this.state === MULTIBULK) next = this.readBulkHeader(data, pos);
      else if (data[pos] === STAR) next = this.readMultibulkHeader(data, pos);
      else next = this.readInline(data, pos);
      if (next < 0) break;
      pos = next;
    }
    // Copy: the rest of a chunk is kept beyond this call.
    if (pos < end && !this.stopped) this.pending = Buffer.from(data.subarray(pos));
  }

  private fail(reason: string): void {
    this.stop();
    this.sink.onProtocolError(`Protocol error: ${reason}`);
  }

  private readInline(data: Buffer, pos: number): number {
    const newline = data.indexOf(LF, pos);
    if (newline < 0 || hasNul(data, pos, newline)) {
      if (data.length - pos > PROTO_INLINE_MAX_SIZE) this.fail('too big inline request');
      return -1;
    }
    if (newline - pos >= INLINE_LINE_REFUSED_AT) {
      this.fail('too big inline request');
      return -1;
    }
    let lineEnd = newline;
    if (lineEnd > pos && data[lineEnd - 1] === CR) lineEnd--;
    const args = splitInlineArgs(data, pos, lineEnd);
    if (args === null) {
      this.fail('unbalanced quotes in request');
      return -1;
    }
    if (args.length > 0) this.sink.onCommand(args, args.length);
    return newline + 1;
  }

  private readMultibulkHeader(data: Buffer, pos: number): number {
    const cr = findLineEnd(data, pos);
    if (cr < 0) {
      if (cr === NOT_FOUND && data.length - pos > PROTO_INLINE_MAX_SIZE) this.fail('too big mbulk count string');
      return -1;
    }
    const count = parseLength(data, pos + 1, cr);
    if (count === INVALID || count > PROTO_MAX_MULTIBULK_LENGTH) {
      this.fail('invalid multibulk length');
      return -1;
    }
    if (count > UNAUTHENTICATED_MAX_MULTIBULK_LENGTH && this.sink.authRequired()) {
      this.fail('unauthenticated multibulk length');
      return -1;
    }
    if (count > 0) {
      // `*0` and negative counts are skipped, as in Redis.
      this.argsExpected = count;
      this.argc = 0;
      this.state = MULTIBULK;
    }
    return cr + 2;
  }

  private readBulkHeader(data: Buffer, pos: number): number {
    const cr = findLineEnd(data, pos);
    if (cr < 0) {
      if (cr === NOT_FOUND && data.length - pos > PROTO_INLINE_MAX_SIZE) this.fail('too big bulk count string');
      return -1;
    }
    if (data[pos] !== DOLLAR) {
      this.fail(`expected '$', got '${printable(data[pos])}'`);
      return -1;
    }
    const length = parseLength(data, pos + 1, cr);
    if (length === INVALID || length < 0 || length > this.limits.maxBulkLength) {
      this.fail('invalid bulk length');
      return -1;
    }
    if (length > UNAUTHENTICATED_MAX_BULK_LENGTH && this.sink.authRequired()) {
      this.fail('unauthenticated bulk length');
      return -1;
    }
    const start = cr + 2;
    if (data.length - start >= length + 2) {
      // Whole argument in this chunk: a view, no copy.
      this.pushArg(data.subarray(start, start + length));
      return start + length + 2;
    }
    this.bulk = Buffer.allocUnsafe(length + 2);
    this.bulkFilled = 0;
    this.state = BULK_DATA;
    return start;
  }

  private fillBulk(data: Buffer, pos: number): number {
    const want = this.bulk.length - this.bulkFilled;
    const available = data.length - pos;
    const take = available < want ? available : want;
    data.copy(this.bulk, this.bulkFilled, pos, pos + take);
    this.bulkFilled += take;
    if (this.bulkFilled > this.limits.maxQueryBuffer) {
      // Redis counts the bytes of the argument received so far against client-query-buffer-limit.
      this.stop();
      this.sink.onQueryBufferLimit();
      return -1;
    }
    if (this.bulkFilled === this.bulk.length) {
      const arg = this.bulk.subarray(0, this.bulk.length - 2);
      // Kept by the command only while it runs (argv is let go after it).
      if (this.bulk.length >= BIG_BUFFER_BYTES) {
        releasedBuffer(this.bulk);
        this.holdsBigArg = true;
      }
      this.bulk = EMPTY;
      this.state = MULTIBULK;
      this.pushArg(arg);
    }
    return pos + take;
  }

  private pushArg(arg: Buffer): void {
    this.argv[this.argc++] = arg;
    if (this.argc === this.argsExpected) {
      this.state = IDLE;
      const argc = this.argc;
      this.argc = 0;
      this.sink.onCommand(this.argv, argc);
      if ((argc > ARGV_KEPT || this.holdsBigArg) && !this.stopped) {
        this.argv = [];
        this.holdsBigArg = false;
      }
    }
  }
}

/**
 * The CR ending the header line that starts at `pos`, found as Redis's
 * strchr finds it (a NUL byte ends the search); NOT_FOUND or INCOMPLETE.
 */
function findLineEnd(data: Buffer, pos: number): number {
  const end = data.length;
  for (let i = pos; i < end; i++) {
    const byte = data[i];
    if (byte === CR) return i + 1 < end ? i : INCOMPLETE;
    if (byte === 0) return NOT_FOUND;
  }
  return NOT_FOUND;
}

function hasNul(data: Buffer, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) if (data[i] === 0) return true;
  return false;
}

/** A byte as Redis's "%c" shows it in an error reply: CR and LF become spaces. */
function printable(byte: number): string {
  return byte === CR || byte === LF ? ' ' : String.fromCharCode(byte);
}

const INVALID = -0x7fffffff;
const INT64_MAX_TEXT = '9223372036854775807';
const INT64_MIN_TEXT = '9223372036854775808';

/**
 * Parses a decimal length as Redis's string2ll accepts it (optional '-', no
 * '+', no leading zeros, no "-0", within int64), or INVALID. Beyond 2^53 the
 * value is approximate, which no limit can tell apart.
 */
function parseLength(data: Buffer, start: number, stop: number): number {
  let i = start;
  const negative = data[i] === 0x2d; /* - */
  if (negative) i++;
  const digits = stop - i;
  if (digits <= 0 || digits > 19) return INVALID;
  if (data[i] === 0x30 /* 0 */) return digits === 1 && !negative ? 0 : INVALID;
  let value = 0;
  for (let k = i; k < stop; k++) {
    const digit = data[k] - 48;
    if (digit < 0 || digit > 9) return INVALID;
    value = value * 10 + digit;
  }
  if (digits === 19 && data.toString('latin1', i, stop) > (negative ? INT64_MIN_TEXT : INT64_MAX_TEXT)) return INVALID;
  return negative ? -value : value;
}
