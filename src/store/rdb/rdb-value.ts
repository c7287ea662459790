// A value in Redis's RDB form, whatever its type: the one place that maps
// RDB type codes to value types (each type's rdbSave / rdbLoad hooks do the
// rest), and DUMP's payload around it:
//
//   RDB type byte | value | RDB version (u16 LE) | CRC-64 of all before (u64 LE)

import { ValueType } from '../entry.ts';
import type { ExpireTime } from '../record.ts';
import type { Ref, ShardStore } from '../shard-store.ts';
import { VALUE_TYPES } from '../value-types.ts';
import { Crc64 } from './crc64.ts';
import { RdbInput } from './rdb-input.ts';
import { RDB_VERSION, RdbOutput } from './rdb-output.ts';
import { RdbType } from './rdb-types.ts';

/** The value type each RDB type code this server reads loads as (by code; -1: not read). */
const VALUE_TYPE_OF_RDB_TYPE: number[] = new Array(256).fill(-1);
for (const code of [RdbType.String]) VALUE_TYPE_OF_RDB_TYPE[code] = ValueType.String;
for (const code of [RdbType.List, RdbType.ListQuicklist2]) VALUE_TYPE_OF_RDB_TYPE[code] = ValueType.List;
for (const code of [RdbType.Set, RdbType.SetIntset]) VALUE_TYPE_OF_RDB_TYPE[code] = ValueType.Set;
for (const code of [RdbType.Zset, RdbType.Zset2, RdbType.ZsetListpack]) VALUE_TYPE_OF_RDB_TYPE[code] = ValueType.ZSet;
for (const code of [RdbType.Hash, RdbType.HashListpack]) VALUE_TYPE_OF_RDB_TYPE[code] = ValueType.Hash;
for (const code of [RdbType.StreamListpacks, RdbType.StreamListpacks2]) VALUE_TYPE_OF_RDB_TYPE[code] = ValueType.Stream;

/** The value type an RDB type code loads as, or -1 for a code this server does not read. */
export function valueTypeOfRdbType(rdbType: number): number {
  return VALUE_TYPE_OF_RDB_TYPE[rdbType] ?? -1;
}

/** Writes the value at `ref`: its RDB type code, then the value. */
export function saveValue(store: ShardStore, ref: Ref, out: RdbOutput): void {
  const type = VALUE_TYPES[store.typeOf(ref)];
  out.byte(type.rdbType(store, ref));
  type.rdbSave(store, ref, out);
}

/** Writes a key of a file: its value's RDB type code, the key, the value. */
export function saveKeyValue(store: ShardStore, ref: Ref, out: RdbOutput): void {
  const type = VALUE_TYPES[store.typeOf(ref)];
  out.byte(type.rdbType(store, ref));
  const key = store.keyView(ref);
  out.string(key, 0, key.length);
  type.rdbSave(store, ref, out);
}

/** Reads a value of `rdbType` and stores it under `key`; throws RdbFormatError / RdbEmptyValue. */
export function loadValue(rdbType: number, input: RdbInput, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  const type = valueTypeOfRdbType(rdbType);
  if (type < 0) input.fail(`unknown or unsupported RDB value type ${rdbType}`);
  return VALUE_TYPES[type].rdbLoad(rdbType, input, store, db, key, expireAt, now);
}

const payload = new RdbOutput();
const crc = new Crc64();

/** DUMP's payload for the value at `ref` (a buffer of its own). */
export function dumpPayload(store: ShardStore, ref: Ref, compress: boolean): Buffer {
  payload.reset();
  payload.compress = compress;
  saveValue(store, ref, payload);
  payload.byte(RDB_VERSION & 0xff);
  payload.byte(RDB_VERSION >>> 8);
  crc.high = 0;
  crc.low = 0;
  crc.update(payload.buffer, 0, payload.length);
  payload.ensure(8);
  crc.writeTo(payload.buffer, payload.length);
  payload.length += 8;
  return Buffer.from(payload.view());
}

/** True when a payload's footer holds an RDB version this server reads and the right CRC-64 (Redis's verifyDumpPayload). */
export function verifyPayload(bytes: Buffer): boolean {
  if (bytes.length < 10) return false;
  const footer = bytes.length - 10;
  const version = bytes[footer] | (bytes[footer + 1] << 8);
  if (version > RDB_VERSION) return false;
  crc.high = 0;
  crc.low = 0;
  crc.update(bytes, 0, bytes.length - 8);
  return crc.matches(bytes, bytes.length - 8);
}

/** Stores the value of a verified payload under `key`; throws RdbFormatError / RdbEmptyValue on bad data. */
export function restorePayload(bytes: Buffer, store: ShardStore, db: number, key: Uint8Array, expireAt: ExpireTime, now: number): Ref {
  const input = new RdbInput(bytes, 0, bytes.length - 10);
  const rdbType = input.byte();
  const ref = loadValue(rdbType, input, store, db, key, expireAt, now);
  if (input.at !== input.end) {
    store.remove(ref);
    input.fail('bytes left after the value');
  }
  return ref;
}
