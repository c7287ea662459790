// Every value type's hooks, by ValueType code: the one table the commands
// that look at "any value" go through.

import { ValueType } from './entry.ts';
import type { ValueTypeOps } from './value-type.ts';
import { STRING_TYPE } from './types/string.ts';
import { HASH_TYPE } from './types/hash.ts';
import { SET_TYPE } from './types/set.ts';
import { LIST_TYPE } from './types/list.ts';
import { ZSET_TYPE } from './types/zset.ts';
import { STREAM_TYPE } from './types/stream.ts';

export const VALUE_TYPES: ValueTypeOps[] = [];
VALUE_TYPES[ValueType.String] = STRING_TYPE;
VALUE_TYPES[ValueType.Hash] = HASH_TYPE;
VALUE_TYPES[ValueType.Set] = SET_TYPE;
VALUE_TYPES[ValueType.List] = LIST_TYPE;
VALUE_TYPES[ValueType.ZSet] = ZSET_TYPE;

VALUE_TYPES[ValueType.Stream] = STREAM_TYPE;
