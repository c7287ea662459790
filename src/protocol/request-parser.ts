// Incremental RESP request parser: multibulk (`*N\r\n$len\r\nbytes\r\n...`) and
// inline commands (`SET k v\r\n`, as redis-cli and telnet send).
//
// Arguments are views into the socket's chunk when they arrive whole, and are
// copied exactly once into a buffer of their own when they span chunks.
// Only a partial header line is ever re-buffered (at most 64 KiB).

import { PROTO_INLINE_MAX_SIZE, PROTO_MAX_MULTIBULK_LENGTH } from './limits.ts';
import { splitInlineArgs } from './inline.ts';

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);

export interface RequestSink {
  /**
   * One complete command. `argv` and the buffers in it are valid only during
   * the call: whoever keeps an argument copies it.
   */
  onCommand(argv: Buffer[], argc: number): void;
  /** A protocol error: the reply is sent and the connection is closed after it. */
  onProtocolError(message: string): void;
  /** The client's query buffer passed client-query-buffer-limit: Redis closes it without a reply. */
  onQueryBufferLimit(): void;
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

export class RequestParser {
  private readonly sink: RequestSink;
  private readonly limits: ParserLimits;
  /** Bytes of an incomplete header line (or inline command) kept from the last chunk. */
  private pending: Buffer = EMPTY;
  private state = IDLE;
  argv: Buffer[] = [];
  private argc = 0;
  private argsExpected = 0;
  /** A bulk argument being filled across chunks. */
  private bulk: Buffer = EMPTY;
  private bulkFilled = 0;
  /** Bytes held for the command being parsed, checked against maxQueryBuffer. */
  private heldBytes = 0;
  failed = false;

  constructor(sink: RequestSink, limits: ParserLimits) {
    this.sink = sink;
    this.limits = limits;
  }

  /** Feeds one chunk from the socket; calls back once per complete command. */
  feed(chunk: Buffer): void {
    if (this.failed) return;
    let data = chunk;
    if (this.pending.length > 0) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = EMPTY;
    }
    let pos = 0;
    const end = data.length;
    while (pos < end && !this.failed) {
      if (this.state === BULK_DATA) {
        pos = this.fillBulk(data, pos);
        continue;
      }
      if (this.state === IDLE) {
        if (data[pos] === 0x2a /* * */) {
          const next = this.readMultibulkHeader(data, pos);
          if (next < 0) break;
          pos = next;
        } else {
          const next = this.readInline(data, pos);
          if (next < 0) break;
          pos = next;
        }
        continue;
      }
      // MULTIBULK: expecting `$len\r\n`
      const next = this.readBulkHeader(data, pos);
      if (next < 0) break;
      pos = next;
    }
    if (this.failed) return;
    if (pos < end) this.keepPending(data, pos);
  }

  private keepPending(data: Buffer, pos: number): void {
    const rest = data.length - pos;
    const tooBig = rest > PROTO_INLINE_MAX_SIZE;
    if (tooBig) {
      if (this.state === IDLE) {
        this.fail(data[pos] === 0x2a ? 'too big mbulk count string' : 'too big inline request');
      } else {
        this.fail('too big bulk count string');
      }
      return;
    }
    // Copy: the chunk's memory may be reused by the caller.
    this.pending = Buffer.from(data.subarray(pos));
  }

  private fail(reason: string): void {
    this.failed = true;
    this.sink.onProtocolError(`Protocol error: ${reason}`);
  }

  private readInline(data: Buffer, pos: number): number {
    const newline = data.indexOf(LF, pos);
    if (newline < 0) return -1;
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
    const lineEnd = data.indexOf(CR, pos);
    if (lineEnd < 0 || lineEnd + 1 >= data.length) return -1;
    const count = parseLength(data, pos + 1, lineEnd);
    if (count > PROTO_MAX_MULTIBULK_LENGTH || count === INVALID) {
      this.fail('invalid multibulk length');
      return -1;
    }
    const next = lineEnd + 2;
    if (count <= 0) return next; // `*0` and `*-1` are ignored, as in Redis
    this.argsExpected = count;
    this.argc = 0;
    if (this.argv.length < count) this.argv.length = count;
    this.heldBytes = 0;
    this.state = MULTIBULK;
    return next;
  }

  private readBulkHeader(data: Buffer, pos: number): number {
    if (data[pos] !== 0x24 /* $ */) {
      this.fail(`expected '$', got '${String.fromCharCode(data[pos])}'`);
      return -1;
    }
    const lineEnd = data.indexOf(CR, pos);
    if (lineEnd < 0 || lineEnd + 1 >= data.length) return -1;
    const length = parseLength(data, pos + 1, lineEnd);
    if (length === INVALID || length < 0 || length > this.limits.maxBulkLength) {
      this.fail('invalid bulk length');
      return -1;
    }
    const start = lineEnd + 2;
    if (data.length - start >= length + 2) {
      // Whole argument in this chunk: a view, no copy.
      this.pushArg(data.subarray(start, start + length));
      return start + length + 2;
    }
    this.heldBytes += length;
    if (this.heldBytes > this.limits.maxQueryBuffer) {
      this.failed = true;
      this.sink.onQueryBufferLimit();
      return -1;
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
    if (this.bulkFilled === this.bulk.length) {
      const arg = this.bulk.subarray(0, this.bulk.length - 2);
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
    }
  }
}

const INVALID = -0x7fffffff;

/** Parses a decimal length as Redis's string2ll would accept it, or INVALID. */
function parseLength(data: Buffer, start: number, stop: number): number {
  if (start >= stop || stop - start > 19) return INVALID;
  let i = start;
  let negative = false;
  if (data[i] === 0x2d /* - */) {
    negative = true;
    i++;
    if (i === stop) return INVALID;
  }
  let value = 0;
  for (; i < stop; i++) {
    const digit = data[i] - 48;
    if (digit < 0 || digit > 9) return INVALID;
    value = value * 10 + digit;
  }
  if (value > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  return negative ? -value : value;
}
