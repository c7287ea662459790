// A value in Redis's RDB form, whatever its type: the one place that maps
// RDB type codes to value types (each type's rdbSave / rdbLoad hooks do the
// rest), and DUMP's payload around it:
//
//   RDB type byte | value | RDB version (u16 LE) | CRC-64 of all before (u64 LE)
//
// FUNCTION DUMP's payload has the same footer after the libraries, each as
// a file holds it (the function2 opcode, then the library's code).

import { ValueType } from '../entry.ts';
import type { ExpireTime } from '../record.ts';
import type { Ref, ShardStore } from '../shard-store.ts';
import { VALUE_TYPES } from '../value-types.ts';
import { Crc64 } from './crc64.ts';
import { RdbInput } from './rdb-input.ts';
import { RDB_VERSION, RdbOutput } from './rdb-output.ts';
import { RdbFormatError, RdbOpcode, RdbType } from './rdb-types.ts';

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
  return sealedPayload();
}

/** What `payload` holds, with the footer DUMP and FUNCTION DUMP end with: the RDB version, then the CRC-64 of all before. */
function sealedPayload(): Buffer {
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

/** Writes function libraries as an RDB file holds them: the function2 opcode, then the library's code. */
export function saveFunctions(codes: readonly Uint8Array[], out: RdbOutput): void {
  for (const code of codes) {
    out.byte(RdbOpcode.Function2);
    out.string(code, 0, code.length);
  }
}

/** FUNCTION DUMP's payload: the libraries as in a file, then DUMP's footer. */
export function functionsPayload(codes: readonly Uint8Array[], compress: boolean): Buffer {
  payload.reset();
  payload.compress = compress;
  saveFunctions(codes, payload);
  return sealedPayload();
}

/**
 * One library after its opcode (function2: its code; function, the form of
 * 7.0's release candidates: name, engine, description, code, joined into the
 * code with its first line).
 */
export function loadFunction(opcode: number, input: RdbInput): Buffer {
  if (opcode === RdbOpcode.Function2) return Buffer.from(input.string());
  const name = input.string().toString('latin1');
  const engine = input.string().toString('latin1');
  if (input.len() !== 0) input.string();
  return Buffer.concat([Buffer.from(`#!${engine} name=${name}\n`, 'latin1'), input.string()]);
}

/** The libraries of a verified FUNCTION DUMP payload; throws RdbFormatError with Redis's words. */
export function functionsOfPayload(bytes: Buffer): Buffer[] {
  const input = new RdbInput(bytes, 0, bytes.length - 10);
  const codes: Buffer[] = [];
  while (input.at < input.end) {
    const opcode = input.byte();
    if (opcode !== RdbOpcode.Function2 && opcode !== RdbOpcode.Function) throw new RdbFormatError('given type is not a function');
    codes.push(loadFunction(opcode, input));
  }
  return codes;
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
