// Compiles a scenario's mix (bench/scenarios.ts) into encoders that write RESP
// commands straight into a connection's output Buffer: literals are encoded
// once, placeholders are written in place (digits by hand, no strings).

import type { UnitSpec } from '../scenarios.ts';
import type { KeyPattern, Prng } from './prng.ts';

const P_RAW = 0; // pre-encoded bytes
const P_KEY = 1; // the unit's key
const P_NEWKEY = 2; // a fresh key
const P_TAGKEY = 3; // {key:<unit>}:<index>
const P_VALUE = 4;
const P_FIELD = 5;
const P_INT = 6;

class Part {
  readonly kind: number;
  readonly bytes: Buffer;
  readonly index: number;
  constructor(kind: number, bytes: Buffer, index: number) {
    this.kind = kind;
    this.bytes = bytes;
    this.index = index;
  }
}

export interface EncodeSettings {
  readonly keyPrefix: string;
  /** Key numbers are zero-padded to this many digits (0: no padding), for keys of one fixed length. */
  readonly keyDigits: number;
  readonly dataSize: number;
  readonly fieldRange: number;
}

const EMPTY = Buffer.alloc(0);
/** A key number never needs more (2^64 has 20 digits). */
const MAX_KEY_DIGITS = 20;

function bulk(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1')]);
}

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Writes a non-negative integer in decimal; returns the new position. */
function writeUint(out: Buffer, pos: number, n: number): number {
  const d = digits(n);
  let p = pos + d;
  do {
    const q = Math.floor(n / 10);
    out[--p] = 48 + (n - q * 10);
    n = q;
  } while (n > 0);
  return pos + d;
}

function copyBytes(src: Buffer, out: Buffer, pos: number): number {
  const n = src.length;
  if (n <= 32) {
    for (let i = 0; i < n; i++) out[pos + i] = src[i]!;
  } else {
    src.copy(out, pos);
  }
  return pos + n;
}

export class UnitEncoder {
  readonly parts: Part[];
  /** Replies this unit gets (one per command). */
  readonly replies: number;
  /** Upper bound of its encoded size. */
  readonly maxBytes: number;
  constructor(parts: Part[], replies: number, maxBytes: number) {
    this.parts = parts;
    this.replies = replies;
    this.maxBytes = maxBytes;
  }
}

/** A compiled mix: weighted choice of a unit and its encoding. */
export class MixEncoder {
  readonly units: UnitEncoder[];
  readonly maxUnitBytes: number;
  private readonly cumulative: Float64Array;
  private readonly total: number;
  private readonly prefix: Buffer;
  private readonly keyDigits: number;
  private readonly value: Buffer; // "$<n>\r\n<bytes>\r\n"
  private readonly fieldRange: number;

  constructor(mix: readonly UnitSpec[], settings: EncodeSettings) {
    this.prefix = Buffer.from(settings.keyPrefix, 'latin1');
    this.keyDigits = Math.min(MAX_KEY_DIGITS, settings.keyDigits);
    this.value = bulk('x'.repeat(settings.dataSize));
    this.fieldRange = Math.max(1, settings.fieldRange);
    this.units = mix.map((u) => this.compileUnit(u));
    this.maxUnitBytes = Math.max(...this.units.map((u) => u.maxBytes));
    this.cumulative = new Float64Array(mix.length);
    let acc = 0;
    mix.forEach((u, i) => {
      acc += u.weight ?? 1;
      this.cumulative[i] = acc;
    });
    this.total = acc;
  }

  private compileUnit(u: UnitSpec): UnitEncoder {
    const parts: Part[] = [];
    let max = 0;
    const keyMax = 1 + 5 + 2 + this.prefix.length + MAX_KEY_DIGITS + 2 + 8; // + "{}:NNNN" for tags
    for (const cmd of u.send) {
      const args: Part[] = [];
      for (const tok of cmd) {
        const m = /^\$(key|keys|pairs|tagkeys|tagpairs|value|field|int)(?::(\d+))?$/.exec(tok);
        if (!m) {
          args.push(new Part(P_RAW, bulk(tok), 0));
          continue;
        }
        const n = m[2] === undefined ? 1 : Number(m[2]);
        switch (m[1]) {
          case 'key': args.push(new Part(P_KEY, EMPTY, 0)); break;
          case 'keys': for (let i = 0; i < n; i++) args.push(new Part(P_NEWKEY, EMPTY, 0)); break;
          case 'pairs':
            for (let i = 0; i < n; i++) args.push(new Part(P_NEWKEY, EMPTY, 0), new Part(P_VALUE, EMPTY, 0));
            break;
          case 'tagkeys': for (let i = 0; i < n; i++) args.push(new Part(P_TAGKEY, EMPTY, i)); break;
          case 'tagpairs':
            for (let i = 0; i < n; i++) args.push(new Part(P_TAGKEY, EMPTY, i), new Part(P_VALUE, EMPTY, 0));
            break;
          case 'value': args.push(new Part(P_VALUE, EMPTY, 0)); break;
          case 'field': args.push(new Part(P_FIELD, EMPTY, 0)); break;
          case 'int': args.push(new Part(P_INT, EMPTY, 0)); break;
        }
      }
      parts.push(new Part(P_RAW, Buffer.from(`*${args.length}\r\n`, 'latin1'), 0));
      max += 16;
      for (const a of args) {
        parts.push(a);
        max += a.kind === P_RAW ? a.bytes.length : a.kind === P_VALUE ? this.value.length : keyMax;
      }
    }
    // Merge adjacent raw parts.
    const merged: Part[] = [];
    for (const p of parts) {
      const last = merged[merged.length - 1];
      if (p.kind === P_RAW && last !== undefined && last.kind === P_RAW) {
        merged[merged.length - 1] = new Part(P_RAW, Buffer.concat([last.bytes, p.bytes]), 0);
      } else merged.push(p);
    }
    return new UnitEncoder(merged, u.send.length, max);
  }

  pick(rng: Prng): number {
    if (this.cumulative.length === 1) return 0;
    const r = rng.next() * this.total;
    const c = this.cumulative;
    for (let i = 0; i < c.length - 1; i++) if (r < c[i]!) return i;
    return c.length - 1;
  }

  /** Encodes unit `index` at out[pos]; returns the new position. */
  encode(index: number, out: Buffer, pos: number, keys: KeyPattern, rng: Prng): number {
    const parts = this.units[index]!.parts;
    const unitKey = keys.next();
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      switch (p.kind) {
        case P_RAW: pos = copyBytes(p.bytes, out, pos); break;
        case P_KEY: pos = this.writeKey(out, pos, unitKey); break;
        case P_NEWKEY: pos = this.writeKey(out, pos, keys.next()); break;
        case P_TAGKEY: pos = this.writeTagKey(out, pos, unitKey, p.index); break;
        case P_VALUE: pos = copyBytes(this.value, out, pos); break;
        case P_FIELD: pos = this.writeField(out, pos, Math.floor(rng.next() * this.fieldRange)); break;
        case P_INT: pos = this.writeIntArg(out, pos, Math.floor(rng.next() * 1000000)); break;
      }
    }
    return pos;
  }

  /** Digits of key number n, with its zero padding. */
  private keyNumberLength(n: number): number {
    const d = digits(n);
    return d < this.keyDigits ? this.keyDigits : d;
  }

  private writeKeyNumber(out: Buffer, pos: number, n: number): number {
    for (let z = this.keyDigits - digits(n); z > 0; z--) out[pos++] = 48; // 0
    return writeUint(out, pos, n);
  }

  private writeKey(out: Buffer, pos: number, n: number): number {
    out[pos++] = 36; // $
    pos = writeUint(out, pos, this.prefix.length + this.keyNumberLength(n));
    out[pos++] = 13;
    out[pos++] = 10;
    pos = copyBytes(this.prefix, out, pos);
    pos = this.writeKeyNumber(out, pos, n);
    out[pos++] = 13;
    out[pos++] = 10;
    return pos;
  }

  private writeTagKey(out: Buffer, pos: number, n: number, index: number): number {
    out[pos++] = 36;
    pos = writeUint(out, pos, this.prefix.length + this.keyNumberLength(n) + 3 + digits(index));
    out[pos++] = 13;
    out[pos++] = 10;
    out[pos++] = 123; // {
    pos = copyBytes(this.prefix, out, pos);
    pos = this.writeKeyNumber(out, pos, n);
    out[pos++] = 125; // }
    out[pos++] = 58; // :
    pos = writeUint(out, pos, index);
    out[pos++] = 13;
    out[pos++] = 10;
    return pos;
  }

  private writeField(out: Buffer, pos: number, n: number): number {
    out[pos++] = 36;
    pos = writeUint(out, pos, 1 + digits(n));
    out[pos++] = 13;
    out[pos++] = 10;
    out[pos++] = 102; // f
    pos = writeUint(out, pos, n);
    out[pos++] = 13;
    out[pos++] = 10;
    return pos;
  }

  private writeIntArg(out: Buffer, pos: number, n: number): number {
    out[pos++] = 36;
    pos = writeUint(out, pos, digits(n));
    out[pos++] = 13;
    out[pos++] = 10;
    pos = writeUint(out, pos, n);
    out[pos++] = 13;
    out[pos++] = 10;
    return pos;
  }
}
