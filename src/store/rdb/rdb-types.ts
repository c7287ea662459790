// Redis's RDB object type codes (rdb.h) and the file's opcodes.

export const RdbType = {
  String: 0,
  List: 1,
  Set: 2,
  Zset: 3,
  Hash: 4,
  Zset2: 5,
  HashZipmap: 9,
  ListZiplist: 10,
  SetIntset: 11,
  ZsetZiplist: 12,
  HashZiplist: 13,
  ListQuicklist: 14,
  StreamListpacks: 15,
  HashListpack: 16,
  ZsetListpack: 17,
  ListQuicklist2: 18,
  StreamListpacks2: 19,
} as const;

export const RdbOpcode = {
  Function2: 245,
  Function: 246,
  ModuleAux: 247,
  Idle: 248,
  Freq: 249,
  Aux: 250,
  ResizeDb: 251,
  ExpireTimeMs: 252,
  ExpireTime: 253,
  SelectDb: 254,
  Eof: 255,
} as const;

/** A value that loads as nothing (an empty collection): a file skips the key, RESTORE refuses it. */

/** A string's special encodings (the low bits of a length byte 11xxxxxx). */
export const RdbEncoding = { Int8: 0, Int16: 1, Int32: 2, Lzf: 3 } as const;

/** The data is not a valid RDB value or file. */
export class RdbFormatError extends Error {}

/** A value that loads as nothing (an empty collection): a file skips the key, RESTORE refuses it. */
export class RdbEmptyValue extends Error {}
