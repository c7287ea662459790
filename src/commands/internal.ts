// Commands threads send each other as hops (with HOP_INTERNAL); clients can
// never call them. They move a key's entry between shards for RENAME, RENAMENX
// and COPY across shards (keys.ts): the entry travels as its type code, its
// value as opaque bytes (its type's encode and decode hooks), and its absolute expiry, so
// every data type moves the same way.

import { NO_KEYS, type CommandContext, type CommandSpec } from './command.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { VALUE_TYPES } from '../store/value-types.ts';

export const ENTRY_GET = Buffer.from('entry-get');
export const ENTRY_PUT = Buffer.from('entry-put');

/** entry-get key: [type code, value bytes, absolute expiry in ms or 0], or a null array when the key does not exist. */
function entryGet(ctx: CommandContext): void {
  const { store, out } = ctx;
  const ref = store.lookupWrite(ctx.db, ctx.argv[1], ctx.now);
  if (ref === 0) {
    out.nullArray();
    return;
  }
  const type = store.typeOf(ref);
  out.arrayHeader(3);
  out.integer(type);
  out.bulk(VALUE_TYPES[type].encode(store, ref));
  out.integer(store.expireAt(ref));
}

/** entry-put key type value expire-at NX|REPLACE: stores the entry; 0 when NX and the key exists, else 1. */
function entryPut(ctx: CommandContext): void {
  const { argv, store, db, now } = ctx;
  const key = argv[1];
  if (isKeyword(argv[5], 'nx') && store.lookupWrite(db, key, now) !== 0) {
    ctx.out.integer(0);
    return;
  }
  const type = VALUE_TYPES[Number(parseInteger(argv[2]))];
  type.decode(store, db, key, argv[3], Number(parseInteger(argv[4])), now);
  ctx.out.integer(1);
}

function internalCommand(name: Buffer, arity: number, summary: string, handler: (ctx: CommandContext) => void): CommandSpec {
  return { name: name.toString(), arity, flags: ['internal'], ...NO_KEYS, group: 'internal', since: '', summary, placement: 'keys', handler };
}

export const internalCommands: CommandSpec[] = [
  internalCommand(ENTRY_GET, 2, "Read a key's type, value and expiry, to move it to another shard", entryGet),
  internalCommand(ENTRY_PUT, 6, 'Store a key moved from another shard', entryPut),
];
