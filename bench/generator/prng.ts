// Seeded pseudo-random numbers and key patterns for the load generator.
// sfc32: small, fast, 32-bit state only (no BigInt, no allocation per draw).

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

export type KeyPatternName = 'uniform' | 'gaussian' | 'sequential';

export const KEY_PATTERNS: readonly KeyPatternName[] = ['uniform', 'gaussian', 'sequential'];

/** memtier spells them R, G, S. */
export function parseKeyPattern(s: string): KeyPatternName {
  const v = s.toLowerCase();
  if (v === 'r' || v === 'random' || v === 'uniform') return 'uniform';
  if (v === 'g' || v === 'gaussian') return 'gaussian';
  if (v === 's' || v === 'sequential') return 'sequential';
  throw new Error(`unknown key pattern ${s} (uniform|gaussian|sequential)`);
}

/**
 * Draws key indices in [min, max]. Sequential walks a slice of the range owned
 * by one client (slice `part` of `parts`), wrapping, so that N clients
 * together cover the range exactly once per lap (used for prefill too).
 */
export class KeyPattern {
  private readonly kind: number; // 0 uniform, 1 gaussian, 2 sequential
  private readonly min: number;
  private readonly span: number;
  private readonly rng: Prng;
  private readonly mean: number;
  private readonly stddev: number;
  private readonly seqStart: number;
  private readonly seqLen: number;
  private seq: number;

  constructor(name: KeyPatternName, min: number, max: number, rng: Prng, part: number, parts: number, stddev = 0) {
    this.kind = name === 'uniform' ? 0 : name === 'gaussian' ? 1 : 2;
    this.min = min;
    this.span = max - min + 1;
    this.rng = rng;
    this.mean = min + (max - min) / 2;
    this.stddev = stddev > 0 ? stddev : (max - min) / 6;
    const base = Math.floor(this.span / parts);
    const extra = this.span % parts;
    this.seqStart = part * base + Math.min(part, extra);
    this.seqLen = Math.max(1, base + (part < extra ? 1 : 0));
    this.seq = 0;
  }

  next(): number {
    if (this.kind === 0) return this.min + Math.floor(this.rng.next() * this.span);
    if (this.kind === 2) {
      const v = this.min + ((this.seqStart + this.seq) % this.span);
      this.seq = this.seq + 1 === this.seqLen ? 0 : this.seq + 1;
      return v;
    }
    // Box-Muller; one draw per call is enough here.
    let u = this.rng.next();
    if (u < 1e-12) u = 1e-12;
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rng.next());
    let v = Math.round(this.mean + z * this.stddev);
    const max = this.min + this.span - 1;
    if (v < this.min) v = this.min;
    else if (v > max) v = max;
    return v;
  }
}
