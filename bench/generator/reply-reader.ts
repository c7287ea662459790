// An incremental RESP2/RESP3 reply reader that only frames replies: it counts
// complete top-level replies and notes errors, without building values. State
// survives chunk boundaries, so no buffer is ever concatenated.

export interface ReplySink {
  /** One complete top-level reply; `error` if it or any element was an error. */
  onReply(error: boolean): void;
  /** Text of an error reply (only called for the first few). */
  onErrorText(text: string): void;
}

const S_TYPE = 0; // expecting a type byte
const S_NUMBER = 1; // reading the length/integer line of $ * % ~ > | : =
const S_LINE = 2; // skipping a + , _ # ( line
const S_ERROR_LINE = 3; // reading a - line
const S_BULK = 4; // skipping bulk payload + CRLF

const MAX_DEPTH = 32;
const MAX_ERROR_TEXTS = 5;

export class ReplyReader {
  private state = S_TYPE;
  private type = 0;
  private num = 0;
  private neg = false;
  private skip = 0;
  private depth = 0;
  private readonly stack = new Int32Array(MAX_DEPTH);
  private hadError = false;
  private errorText = '';
  private errorTexts = 0;
  private readonly sink: ReplySink;

  constructor(sink: ReplySink) {
    this.sink = sink;
  }

  feed(buf: Buffer): void {
    const len = buf.length;
    let i = 0;
    while (i < len) {
      switch (this.state) {
        case S_TYPE: {
          const t = buf[i++]!;
          this.type = t;
          if (t === 36 /* $ */ || t === 42 /* * */ || t === 58 /* : */ || t === 37 /* % */ || t === 126 /* ~ */ ||
              t === 62 /* > */ || t === 61 /* = */ || t === 33 /* ! */ || t === 124 /* | */) {
            this.state = S_NUMBER;
            this.num = 0;
            this.neg = false;
          } else if (t === 45 /* - */) {
            this.state = S_ERROR_LINE;
            this.hadError = true;
            this.errorText = '';
          } else {
            this.state = S_LINE; // + , _ # ( and anything unexpected
          }
          break;
        }
        case S_NUMBER: {
          const c = buf[i++]!;
          if (c >= 48 && c <= 57) this.num = this.num * 10 + (c - 48);
          else if (c === 45) this.neg = true;
          else if (c === 10) this.numberDone();
          // '\r' and anything else: ignore
          break;
        }
        case S_LINE: {
          const nl = buf.indexOf(10, i);
          if (nl < 0) {
            i = len;
          } else {
            i = nl + 1;
            this.state = S_TYPE;
            this.valueDone();
          }
          break;
        }
        case S_ERROR_LINE: {
          const c = buf[i++]!;
          if (c === 10) {
            this.state = S_TYPE;
            if (this.errorTexts < MAX_ERROR_TEXTS) {
              this.errorTexts++;
              this.sink.onErrorText(this.errorText);
            }
            this.valueDone();
          } else if (c !== 13 && this.errorText.length < 200 && this.errorTexts < MAX_ERROR_TEXTS) {
            this.errorText += String.fromCharCode(c);
          }
          break;
        }
        case S_BULK: {
          const avail = len - i;
          if (avail < this.skip) {
            this.skip -= avail;
            i = len;
          } else {
            i += this.skip;
            this.skip = 0;
            this.state = S_TYPE;
            this.valueDone();
          }
          break;
        }
      }
    }
  }

  private numberDone(): void {
    const t = this.type;
    const n = this.neg ? -this.num : this.num;
    if (t === 36 || t === 61 || t === 33) {
      // $ = ! : bulk payload follows unless null
      if (t === 33) this.hadError = true;
      if (n < 0) {
        this.state = S_TYPE;
        this.valueDone();
      } else {
        this.skip = n + 2;
        this.state = S_BULK;
      }
      return;
    }
    this.state = S_TYPE;
    if (t === 58) {
      this.valueDone();
      return;
    }
    // aggregates
    const count = t === 37 || t === 124 ? n * 2 : n;
    if (count <= 0) {
      if (t !== 124) this.valueDone();
      return;
    }
    if (this.depth === MAX_DEPTH) throw new Error('RESP nesting too deep');
    // An attribute (|) precedes the value it annotates: count one more element.
    this.stack[this.depth++] = t === 124 ? count + 1 : count;
  }

  private valueDone(): void {
    while (this.depth > 0) {
      const left = this.stack[this.depth - 1]! - 1;
      if (left > 0) {
        this.stack[this.depth - 1] = left;
        return;
      }
      this.depth--;
    }
    const err = this.hadError;
    this.hadError = false;
    this.sink.onReply(err);
  }
}
