// Where a command runs, from its placement and the shards of its keys: the
// dispatcher routes with it, EXEC lays out its queue with it.

import type { CommandSpec } from './command.ts';
import { keyPositionsBySpecs } from './command-docs.ts';
import type { Shards } from '../shard/shard.ts';
import type { LockSet } from '../tx/scheduler.ts';
import { lockNames } from '../tx/shard-scheduler.ts';
import type { LockName } from '../tx/intent-locks.ts';
import { parseInteger } from '../protocol/args.ts';

/** Where a command of a transaction runs: on the client's thread, on one shard (>= 0), or by its multi-shard plan. */
export const ROUTE_CLIENT = -2;
export const ROUTE_PLAN = -1;

/** The index of a command's last key argument (before firstKey: it has none). */
function lastKeyOf(spec: CommandSpec, argv: Buffer[], argc: number): number {
  if (spec.numKeysAt !== undefined) return countedLastKey(spec, spec.numKeysAt, argv, argc);
  return spec.lastKey < 0 ? argc + spec.lastKey : Math.min(spec.lastKey, argc - 1);
}

/** The last key of a command whose key count is argument `at`; a bad count means no keys (the handler refuses it). */
function countedLastKey(spec: CommandSpec, at: number, argv: Buffer[], argc: number): number {
  const count = at < argc ? parseInteger(argv[at]) : null;
  if (count === null || count < 1n) return at < spec.firstKey ? spec.firstKey - 1 : spec.firstKey;
  return Math.min(at + Number(count), argc - 1);
}

/** The keys that follow a keyword (GEORADIUS ... STORE key), for a command that has such key specs. */
function keywordKeysOf(spec: CommandSpec, argv: Buffer[], argc: number): Buffer[] {
  const keys: Buffer[] = [];
  const args = argv.slice(0, argc);
  for (const keySpec of spec.keySpecs) {
    if (keySpec.begin[0] !== 'keyword') continue;
    const positions = keyPositionsBySpecs([keySpec], args);
    if (positions !== null) for (const { position } of positions) keys.push(args[position]);
  }
  return keys;
}

/** The one shard owning every key of the command (this thread's when it has none), or -1 when they span shards. */
export function keysShard(shards: Shards, spec: CommandSpec, argv: Buffer[], argc: number): number {
  const first = spec.firstKey;
  if (first === 0 || first >= argc) {
    // Keys found by keyword alone (XREAD ... STREAMS key...): they name the shard.
    if (spec.keywordKeys !== true) return shards.localShard;
    const keys = keywordKeysOf(spec, argv, argc);
    if (keys.length === 0) return shards.localShard;
    const shard = shards.shardOfKey(keys[0]);
    for (const key of keys) if (shards.shardOfKey(key) !== shard) return -1;
    return shard;
  }
  const last = lastKeyOf(spec, argv, argc);
  if (last < first) return shards.localShard;
  const shard = shards.shardOfKey(argv[first]);
  for (let i = first + spec.keyStep; i <= last; i += spec.keyStep) {
    if (i === spec.numKeysAt) continue;
    if (shards.shardOfKey(argv[i]) !== shard) return -1;
  }
  if (spec.keywordKeys === true) for (const key of keywordKeysOf(spec, argv, argc)) if (shards.shardOfKey(key) !== shard) return -1;
  return shard;
}

/** Where a command queued in MULTI runs: ROUTE_CLIENT, ROUTE_PLAN, or a shard. */
export function routeOf(shards: Shards, spec: CommandSpec, argv: Buffer[], argc: number): number {
  if (spec.placement === 'client') return ROUTE_CLIENT;
  if (spec.placement === 'all-shards') return ROUTE_PLAN;
  if (shards.shardCount === 1) return 0;
  const shard = keysShard(shards, spec, argv, argc);
  return shard >= 0 ? shard : ROUTE_PLAN;
}

/** Adds the locks a command needs to `locks`: its keys, or every shard for a plan that locks everything. */
export function addLocks(shards: Shards, locks: LockSet, spec: CommandSpec, argv: Buffer[], argc: number): void {
  const plan = spec.multiShard;
  if (plan !== undefined && plan.atomic === true && plan.locks === 'all') {
    locks.global = true;
    return;
  }
  if (spec.firstKey !== 0 && spec.firstKey < argc) {
    const last = lastKeyOf(spec, argv, argc);
    for (let i = spec.firstKey; i <= last; i += spec.keyStep) if (i !== spec.numKeysAt) locks.add(shards.shardOfKey(argv[i]), argv[i]);
  } else if (spec.keywordKeys !== true) {
    return;
  }
  if (spec.keywordKeys === true) for (const key of keywordKeysOf(spec, argv, argc)) locks.add(shards.shardOfKey(key), key);
}

/** A command's key arguments, by its key specs. */
export function commandKeys(spec: CommandSpec, argv: Buffer[], argc: number): Buffer[] {
  const last = lastKeyOf(spec, argv, argc);
  const keys: Buffer[] = [];
  if (spec.firstKey !== 0) for (let i = spec.firstKey; i <= last; i += spec.keyStep) if (i !== spec.numKeysAt) keys.push(argv[i]);
  if (spec.keywordKeys === true) keys.push(...keywordKeysOf(spec, argv, argc));
  return keys;
}

/** The lock names of a command's key arguments (the intent locks it waits behind on its shard). */
export function keyLockNames(spec: CommandSpec, argv: Buffer[], argc: number): LockName[] {
  return lockNames(commandKeys(spec, argv, argc));
}
