// The data types a key can hold. The codes are Redis's object type numbers
// (OBJ_STRING, OBJ_LIST...), which DEBUG DIGEST mixes in, so the digests of
// the same data match Redis's.
//
// A new data type plugs in by adding its code here, its ValueTypeOps
// (value-type.ts) in store/types/, and its row in value-types.ts. Commands
// check `store.typeOf(ref)` before they touch a value.

export const ValueType = {
  String: 0,
  List: 1,
  Set: 2,
  ZSet: 3,
  Hash: 4,
  Stream: 6,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];
