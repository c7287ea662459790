// CRC-64 as Redis computes it for RDB files and DUMP payloads: the Jones
// polynomial (0xad93d23594c935a9), reflected input and output, initial value
// 0, no final XOR. crc64("123456789") is 0xe9c6d914c4b8d9ca.
//
// Table-driven over two 32-bit halves, so the loop runs on small integers
// rather than bigints.

const POLY_REFLECTED = 0x95ac9329ac4bc9b5n;
const TABLE_HIGH = new Uint32Array(256);
const TABLE_LOW = new Uint32Array(256);

for (let n = 0; n < 256; n++) {
  let crc = BigInt(n);
  for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ POLY_REFLECTED : crc >> 1n;
  TABLE_HIGH[n] = Number(crc >> 32n);
  TABLE_LOW[n] = Number(crc & 0xffffffffn);
}

/** A running CRC-64 over bytes fed in pieces. */
export class Crc64 {
  high = 0;
  low = 0;

  update(bytes: Uint8Array, start: number, end: number): void {
    let high = this.high;
    let low = this.low;
    for (let i = start; i < end; i++) {
      const index = (low ^ bytes[i]) & 0xff;
      low = ((low >>> 8) | (high << 24)) ^ TABLE_LOW[index];
      high = (high >>> 8) ^ TABLE_HIGH[index];
    }
    this.high = high >>> 0;
    this.low = low >>> 0;
  }

  /** Writes the CRC, little-endian as Redis stores it, at `at`. */
  writeTo(target: Uint8Array, at: number): void {
    for (let i = 0; i < 4; i++) target[at + i] = (this.low >>> (8 * i)) & 0xff;
    for (let i = 0; i < 4; i++) target[at + 4 + i] = (this.high >>> (8 * i)) & 0xff;
  }

  /** True when the 8 bytes at `at` hold this CRC, little-endian. */
  matches(source: Uint8Array, at: number): boolean {
    for (let i = 0; i < 4; i++) if (source[at + i] !== ((this.low >>> (8 * i)) & 0xff)) return false;
    for (let i = 0; i < 4; i++) if (source[at + 4 + i] !== ((this.high >>> (8 * i)) & 0xff)) return false;
    return true;
  }
}

/** The CRC-64 of bytes [start, end) as a bigint. */
export function crc64(bytes: Uint8Array, start = 0, end = bytes.length): bigint {
  const crc = new Crc64();
  crc.update(bytes, start, end);
  return (BigInt(crc.high) << 32n) | BigInt(crc.low);
}
