// Key to slot, as Redis Cluster: CRC16-CCITT (XMODEM) of the hash tag, or of
// the whole key when it has no non-empty {tag}, modulo 16384.

export const SLOT_COUNT = 16384;

const CRC16_TABLE = buildCrc16Table();

function buildCrc16Table(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  return table;
}

export function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xff00) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  }
  return crc;
}

export function keyHashSlot(key: Uint8Array): number {
  const length = key.length;
  let open = -1;
  for (let i = 0; i < length; i++) {
    if (key[i] === 0x7b /* { */) {
      open = i;
      break;
    }
  }
  if (open !== -1) {
    for (let i = open + 1; i < length; i++) {
      if (key[i] === 0x7d /* } */) {
        if (i > open + 1) return crc16(key, open + 1, i) & (SLOT_COUNT - 1);
        break;
      }
    }
  }
  return crc16(key, 0, length) & (SLOT_COUNT - 1);
}

/** The slot-to-shard table, in shared memory so every thread reads the same map. */
export class SlotMap {
  readonly table: Uint16Array;
  constructor(buffer: SharedArrayBuffer) {
    this.table = new Uint16Array(buffer);
  }
  static allocate(shardCount: number): SharedArrayBuffer {
    const buffer = new SharedArrayBuffer(SLOT_COUNT * 2);
    const table = new Uint16Array(buffer);
    // Contiguous ranges, as a cluster's slot ranges would be.
    for (let slot = 0; slot < SLOT_COUNT; slot++) table[slot] = Math.floor((slot * shardCount) / SLOT_COUNT);
    return buffer;
  }
  shardOfKey(key: Uint8Array): number {
    return this.table[keyHashSlot(key)];
  }
}
