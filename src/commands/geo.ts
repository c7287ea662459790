// Geo family: GEOADD (NX XX CH), GEOPOS, GEODIST, GEOHASH, GEOSEARCH,
// GEOSEARCHSTORE (between shards), GEORADIUS, GEORADIUSBYMEMBER and their _RO
// forms. A geo set is a sorted set whose scores are 52-bit geohashes
// (store/types/geohash.ts); these handlers parse, search its cells through
// the sorted set API and reply as Redis's geo.c does.

import type { Bindings, CommandContext, Glue } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { parseDoubleArg } from '../protocol/strtod.ts';
import { ReplyError } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { ValueType } from '../store/entry.ts';
import { ByteSlice } from '../store/bytes.ts';
import type { Ref, ShardStore } from '../store/shard-store.ts';
import { zsetAdd, zsetCreate, zsetLength, zsetNext, zsetRankOfScore, zsetScore, zsetSeek, zsetStartsBig, zsetStore, ZaddFlag, ZaddOut } from '../store/types/zset.ts';
import {
  cellScores, decodeGeoScore, distanceWithinShape, formatCoordinate, formatDistance, geoDistance, geohashAlign52Bits, geohashEncodeWGS84, searchCells,
  standardGeohash, GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, GEO_STEP_MAX, type GeoShape,
} from '../store/types/geohash.ts';
import { packScores, storeZset } from './sorted-sets.ts';
import { shardOp, steppedCommand, type OpValue, type ShardOp } from './shard-ops.ts';

const GeoErrors = {
  unit: 'ERR unsupported unit provided. please use M, KM, FT, MI',
  radius: 'ERR need numeric radius',
  negativeRadius: 'ERR radius cannot be negative',
  width: 'ERR need numeric width',
  height: 'ERR need numeric height',
  negativeBox: 'ERR height or width cannot be negative',
  member: 'ERR could not decode requested zset member',
  count: 'ERR COUNT must be > 0',
  any: 'ERR the ANY argument requires COUNT argument',
} as const;

const member = new ByteSlice();
const xy = [0, 0];

/** "%f" of C, for the invalid-pair error. */
function cFloat(value: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return value.toFixed(6);
}

/** A longitude and latitude at argv[at], argv[at+1], into `into`; throws Redis's error. */
function parseLongLat(argv: readonly Buffer[], at: number, into: number[]): void {
  for (let i = 0; i < 2; i++) {
    const value = parseDoubleArg(argv[at + i]);
    if (Number.isNaN(value)) throw new ReplyError(Errors.notFloat);
    into[i] = value;
  }
  if (into[0] < GEO_LONG_MIN || into[0] > GEO_LONG_MAX || into[1] < GEO_LAT_MIN || into[1] > GEO_LAT_MAX) {
    throw new ReplyError(`ERR invalid longitude,latitude pair ${cFloat(into[0])},${cFloat(into[1])}`);
  }
}

/** Meters per unit, or Redis's error. */
function parseUnit(arg: Buffer): number {
  if (isKeyword(arg, 'm')) return 1;
  if (isKeyword(arg, 'km')) return 1000;
  if (isKeyword(arg, 'ft')) return 0.3048;
  if (isKeyword(arg, 'mi')) return 1609.34;
  throw new ReplyError(GeoErrors.unit);
}

/** A coordinate as Redis's addReplyHumanLongDouble sends it: a bulk string in RESP2, a RESP3 double. */
function writeCoordinate(out: ReplyWriter, value: number): void {
  const text = formatCoordinate(value);
  if (out.proto === 3) out.raw(Buffer.from(`,${text}\r\n`, 'latin1'));
  else out.bulkString(text);
}

function lookupGeo(ctx: CommandContext, key: Buffer): Ref {
  const ref = ctx.store.lookupRead(ctx.db, key, ctx.now);
  if (ref !== 0 && ctx.store.typeOf(ref) !== ValueType.ZSet) throw new ReplyError(Errors.wrongType);
  return ref;
}

function runOrReply(ctx: CommandContext, body: (ctx: CommandContext) => void): void {
  const start = ctx.out.length;
  try {
    body(ctx);
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
    ctx.out.length = start;
    ctx.out.error(error.message);
  }
}

// --- GEOADD ---

function geoadd(ctx: CommandContext): void {
  runOrReply(ctx, () => {
    const { argv, argc, store } = ctx;
    let flags = 0;
    let ch = false;
    let at = 2;
    for (; at < argc; at++) {
      if (isKeyword(argv[at], 'nx')) flags |= ZaddFlag.Nx;
      else if (isKeyword(argv[at], 'xx')) flags |= ZaddFlag.Xx;
      else if (isKeyword(argv[at], 'ch')) ch = true;
      else break;
    }
    if ((argc - at) % 3 !== 0 || ((flags & ZaddFlag.Nx) !== 0 && (flags & ZaddFlag.Xx) !== 0)) throw new ReplyError(Errors.syntax);
    const elements = (argc - at) / 3;
    if (elements === 0) throw new ReplyError(Errors.syntax);
    const scores: number[] = [];
    for (let i = 0; i < elements; i++) {
      parseLongLat(argv, at + i * 3, xy);
      scores.push(geohashAlign52Bits(geohashEncodeWGS84(xy[0], xy[1], GEO_STEP_MAX)!));
    }
    let ref = store.lookupWrite(ctx.db, argv[1], ctx.now);
    if (ref !== 0 && store.typeOf(ref) !== ValueType.ZSet) throw new ReplyError(Errors.wrongType);
    let added = 0;
    let updated = 0;
    if (ref === 0 && (flags & ZaddFlag.Xx) === 0) ref = zsetCreate(store, ctx.db, argv[1], ctx.now, zsetStartsBig(store, argv[at + 2].length));
    if (ref !== 0) {
      for (let i = 0; i < elements; i++) {
        const result = zsetAdd(store, ref, scores[i], argv[at + i * 3 + 2], flags);
        if (result === ZaddOut.Added) added++;
        else if (result === ZaddOut.Updated) updated++;
      }
      if (zsetLength(store, ref) === 0) store.remove(ref);
    }
    ctx.out.integer(ch ? added + updated : added);
  });
}

// --- GEOPOS, GEODIST, GEOHASH ---

function geopos(ctx: CommandContext): void {
  runOrReply(ctx, () => {
    const { argv, argc, out, store } = ctx;
    const ref = lookupGeo(ctx, argv[1]);
    out.arrayHeader(argc - 2);
    for (let i = 2; i < argc; i++) {
      const score = ref === 0 ? NaN : zsetScore(store, ref, argv[i]);
      if (Number.isNaN(score)) {
        out.nullArray();
        continue;
      }
      decodeGeoScore(score, xy);
      out.arrayHeader(2);
      writeCoordinate(out, xy[0]);
      writeCoordinate(out, xy[1]);
    }
  });
}

function geodist(ctx: CommandContext): void {
  runOrReply(ctx, () => {
    const { argv, argc, out, store } = ctx;
    let toMeter = 1;
    if (argc === 5) toMeter = parseUnit(argv[4]);
    else if (argc > 5) throw new ReplyError(Errors.syntax);
    const ref = lookupGeo(ctx, argv[1]);
    const first = ref === 0 ? NaN : zsetScore(store, ref, argv[2]);
    const second = ref === 0 || Number.isNaN(first) ? NaN : zsetScore(store, ref, argv[3]);
    if (Number.isNaN(second)) {
      out.nullBulk();
      return;
    }
    decodeGeoScore(first, xy);
    const [lon1, lat1] = xy;
    decodeGeoScore(second, xy);
    out.bulkString(formatDistance(geoDistance(lon1, lat1, xy[0], xy[1]) / toMeter));
  });
}

function geohash(ctx: CommandContext): void {
  runOrReply(ctx, () => {
    const { argv, argc, out, store } = ctx;
    const ref = lookupGeo(ctx, argv[1]);
    out.arrayHeader(argc - 2);
    for (let i = 2; i < argc; i++) {
      const score = ref === 0 ? NaN : zsetScore(store, ref, argv[i]);
      if (Number.isNaN(score)) {
        out.nullBulk();
        continue;
      }
      decodeGeoScore(score, xy);
      out.bulkString(standardGeohash(xy[0], xy[1]));
    }
  });
}

// --- searches ---

const Variant = { Radius: 1, RadiusByMember: 2, Search: 3, SearchStore: 4 } as const;
type Variant = (typeof Variant)[keyof typeof Variant];

interface Found {
  member: Buffer;
  score: number;
  distance: number;
  longitude: number;
  latitude: number;
}

interface Search {
  shape: GeoShape;
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  sort: 0 | 1 | 2;
  any: boolean;
  count: number;
  storeKey: Buffer | null;
  storeDist: boolean;
  /** The source is missing: nothing to search. */
  missing: boolean;
}

/** Redis's georadiusGeneric parse, over the source at `ref` (0: missing); throws its errors (`name`: the command as the client spelled it). */
function parseSearch(store: ShardStore, ref: Ref, argv: readonly Buffer[], argc: number, variant: Variant, readOnly: boolean, name: string): Search {
  const shape: GeoShape = { longitude: 0, latitude: 0, conversion: 1, radius: 0, width: -1, height: -1 };
  const search: Search = { shape, withDist: false, withHash: false, withCoord: false, sort: 0, any: false, count: 0, storeKey: null, storeDist: false, missing: ref === 0 };
  let base: number;
  const fromMember = (arg: Buffer): void => {
    const score = zsetScore(store, ref, arg);
    if (Number.isNaN(score)) throw new ReplyError(GeoErrors.member);
    decodeGeoScore(score, xy);
    shape.longitude = xy[0];
    shape.latitude = xy[1];
  };
  const distance = (at: number): void => {
    const radius = parseDoubleArg(argv[at]);
    if (Number.isNaN(radius)) throw new ReplyError(GeoErrors.radius);
    if (radius < 0) throw new ReplyError(GeoErrors.negativeRadius);
    shape.radius = radius;
    shape.conversion = parseUnit(argv[at + 1]);
  };
  if (variant === Variant.Radius) {
    base = 6;
    parseLongLat(argv, 2, xy);
    shape.longitude = xy[0];
    shape.latitude = xy[1];
    distance(4);
  } else if (variant === Variant.RadiusByMember) {
    base = 5;
    if (ref !== 0) {
      fromMember(argv[2]);
      distance(3);
    }
  } else {
    base = variant === Variant.SearchStore ? 3 : 2;
    if (variant === Variant.SearchStore) search.storeKey = argv[1];
  }
  const geosearch = variant === Variant.Search || variant === Variant.SearchStore;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  const remaining = argc - base;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[base + i];
    if (isKeyword(arg, 'withdist')) search.withDist = true;
    else if (isKeyword(arg, 'withhash')) search.withHash = true;
    else if (isKeyword(arg, 'withcoord')) search.withCoord = true;
    else if (isKeyword(arg, 'any')) search.any = true;
    else if (isKeyword(arg, 'asc')) search.sort = 1;
    else if (isKeyword(arg, 'desc')) search.sort = 2;
    else if (isKeyword(arg, 'count') && i + 1 < remaining) {
      const count = parseInteger(argv[base + i + 1]);
      if (count === null) throw new ReplyError(Errors.notInteger);
      if (count <= 0n) throw new ReplyError(GeoErrors.count);
      search.count = Number(count);
      i++;
    } else if ((isKeyword(arg, 'store') || isKeyword(arg, 'storedist')) && i + 1 < remaining && !readOnly && !geosearch) {
      search.storeKey = argv[base + i + 1];
      search.storeDist = isKeyword(arg, 'storedist');
      i++;
    } else if (isKeyword(arg, 'storedist') && variant === Variant.SearchStore) {
      search.storeDist = true;
    } else if (isKeyword(arg, 'frommember') && i + 1 < remaining && geosearch && !fromloc) {
      if (ref !== 0) fromMember(argv[base + i + 1]);
      frommember = true;
      i++;
    } else if (isKeyword(arg, 'fromlonlat') && i + 2 < remaining && geosearch && !frommember) {
      parseLongLat(argv, base + i + 1, xy);
      shape.longitude = xy[0];
      shape.latitude = xy[1];
      fromloc = true;
      i += 2;
    } else if (isKeyword(arg, 'byradius') && i + 2 < remaining && geosearch && !bybox) {
      distance(base + i + 1);
      byradius = true;
      i += 2;
    } else if (isKeyword(arg, 'bybox') && i + 3 < remaining && geosearch && !byradius) {
      const width = parseDoubleArg(argv[base + i + 1]);
      if (Number.isNaN(width)) throw new ReplyError(GeoErrors.width);
      const height = parseDoubleArg(argv[base + i + 2]);
      if (Number.isNaN(height)) throw new ReplyError(GeoErrors.height);
      if (height < 0 || width < 0) throw new ReplyError(GeoErrors.negativeBox);
      shape.width = width;
      shape.height = height;
      shape.conversion = parseUnit(argv[base + i + 3]);
      bybox = true;
      i += 3;
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  if (search.storeKey !== null && (search.withDist || search.withHash || search.withCoord)) {
    throw new ReplyError(`ERR ${variant === Variant.SearchStore ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (geosearch && !(frommember || fromloc)) throw new ReplyError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`);
  if (geosearch && !(byradius || bybox)) throw new ReplyError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${name}`);
  if (search.any && search.count === 0) throw new ReplyError(GeoErrors.any);
  if (search.count !== 0 && search.sort === 0 && !search.any) search.sort = 1;
  return search;
}

/** The members inside the shape, in Redis's order: cell by cell, by score within a cell; sorted when asked. */
function runSearch(store: ShardStore, ref: Ref, search: Search): Found[] {
  const found: Found[] = [];
  const { shape } = search;
  const limit = search.any ? search.count : 0;
  const cells = searchCells(shape);
  let last = -1;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === null) continue;
    // Huge radii make neighbours repeat: a cell the same as the last one searched is skipped.
    const previous = last >= 0 ? cells[last] : null;
    if (previous !== null && last > 0 && previous.bits === cell.bits && previous.step === cell.step) continue;
    if (found.length > 0 && limit !== 0 && found.length >= limit) break;
    const [min, max] = cellScores(cell);
    const lo = zsetRankOfScore(store, ref, min, false);
    const hi = zsetRankOfScore(store, ref, max, false);
    if (hi > lo) {
      zsetSeek(store, ref, lo, false);
      for (let rank = lo; rank < hi; rank++) {
        const score = zsetNext(member);
        decodeGeoScore(score, xy);
        const distance = distanceWithinShape(shape, xy[0], xy[1]);
        if (distance >= 0) found.push({ member: member.copy(), score, distance, longitude: xy[0], latitude: xy[1] });
        if (found.length > 0 && limit !== 0 && found.length >= limit) break;
      }
    }
    last = i;
  }
  if (search.sort === 1) found.sort((a, b) => a.distance - b.distance);
  else if (search.sort === 2) found.sort((a, b) => b.distance - a.distance);
  if (search.count !== 0 && found.length > search.count) found.length = search.count;
  return found;
}

function replyFound(out: ReplyWriter, found: readonly Found[], search: Search): void {
  const options = (search.withDist ? 1 : 0) + (search.withHash ? 1 : 0) + (search.withCoord ? 1 : 0);
  out.arrayHeader(found.length);
  for (const point of found) {
    if (options > 0) out.arrayHeader(options + 1);
    out.bulk(point.member);
    if (search.withDist) out.bulkString(formatDistance(point.distance / search.shape.conversion));
    if (search.withHash) out.integer(point.score);
    if (search.withCoord) {
      out.arrayHeader(2);
      writeCoordinate(out, point.longitude);
      writeCoordinate(out, point.latitude);
    }
  }
}

/** What a store keeps of the results: members, and scores (their hashes, or distances in the unit with STOREDIST). */
function storedScores(found: readonly Found[], search: Search): number[] {
  return found.map((point) => (search.storeDist ? point.distance / search.shape.conversion : point.score));
}

/** GEORADIUS, GEORADIUSBYMEMBER and their _RO forms, and GEOSEARCH: on the source's shard. */
function searchCommand(variant: Variant, readOnly: boolean): (ctx: CommandContext) => void {
  return (ctx) =>
    runOrReply(ctx, () => {
      const { argv, argc, out, store } = ctx;
      const ref = lookupGeo(ctx, argv[1]);
      const search = parseSearch(store, ref, argv, argc, variant, readOnly, argv[0].toString('latin1'));
      const storeKey = search.storeKey;
      if (search.missing) {
        if (storeKey !== null) {
          store.delete(ctx.db, storeKey, ctx.now);
          out.integer(0);
        } else {
          out.arrayHeader(0);
        }
        return;
      }
      const found = runSearch(store, ref, search);
      if (storeKey === null) {
        replyFound(out, found, search);
        return;
      }
      zsetStore(store, ctx.db, storeKey, found.map((point) => point.member), storedScores(found, search), ctx.now);
      out.integer(found.length);
    });
}

/** geo-search src args...: GEOSEARCHSTORE's search on the source's shard, as [members, packed scores]. */
const searchEntries = shardOp('geo-search', 'Search a geo set for GEOSEARCHSTORE', (ctx): OpValue => {
  // Its arguments are the command's, name first: argv[2] the destination, argv[3] the source.
  const argv = ctx.argv.slice(1, ctx.argc);
  const { store } = ctx;
  const ref = lookupGeo(ctx, argv[2]);
  const search = parseSearch(store, ref, argv, argv.length, Variant.SearchStore, false, argv[0].toString('latin1'));
  if (search.missing) return [[], packScores([])];
  const found = runSearch(store, ref, search);
  return [found.map((point) => point.member), packScores(storedScores(found, search))];
});

/** GEOSEARCHSTORE destination source ...: the search where the source lives, the store where the destination does. */
const geosearchstore = steppedCommand(function* (request) {
  const { args, db } = request;
  const sourceShard = request.shardOfKey(args[2]);
  const destinationShard = request.shardOfKey(args[1]);
  const [[members, scores]] = (yield [{ shard: sourceShard, db, op: searchEntries, args, last: sourceShard !== destinationShard }]) as [Buffer[], Buffer][];
  yield [{ shard: destinationShard, db, op: storeZset, args: [args[1], scores, ...members], last: true }];
  request.out.integer(members.length);
});

/** geo-radius / geo-radius-member name args...: GEORADIUS[BYMEMBER] ... STORE's search on the source's shard, as [members, packed scores, store key]. */
function radiusEntries(variant: Variant): ShardOp {
  const name = variant === Variant.Radius ? 'geo-radius' : 'geo-radius-member';
  return shardOp(name, 'Search a geo set for GEORADIUS ... STORE', (ctx): OpValue => {
    // Its arguments are the command's, name first: argv[1] the source.
    const argv = ctx.argv.slice(1, ctx.argc);
    const { store } = ctx;
    const ref = lookupGeo(ctx, argv[1]);
    const search = parseSearch(store, ref, argv, argv.length, variant, false, argv[0].toString('latin1'));
    const storeKey = search.storeKey as Buffer;
    if (search.missing) return [[], packScores([]), storeKey];
    const found = runSearch(store, ref, search);
    return [found.map((point) => point.member), packScores(storedScores(found, search)), storeKey];
  });
}

/**
 * GEORADIUS and GEORADIUSBYMEMBER with STORE (or STOREDIST) to a key of
 * another shard: the search where the source lives, the store where the
 * destination does, in one transaction.
 */
function radiusStoreCommand(variant: Variant, handler: (ctx: CommandContext) => void): Glue {
  const search = radiusEntries(variant);
  const { multiShard } = steppedCommand(function* (request) {
    const { args, db } = request;
    const sourceShard = request.shardOfKey(args[1]);
    // Only a store to another shard comes here: the source's part is over with the search.
    const [[members, scores, storeKey]] = (yield [{ shard: sourceShard, db, op: search, args, last: true }]) as [Buffer[], Buffer, Buffer][];
    yield [{ shard: request.shardOfKey(storeKey), db, op: storeZset, args: [storeKey, scores, ...members], last: true }];
    request.out.integer(members.length);
  });
  return { handler, multiShard };
}

// --- the bindings (the rows are table/geo.ts) ---

export const geoBindings: Bindings = {
  geoadd,
  geopos,
  geodist,
  geohash,
  georadius: radiusStoreCommand(Variant.Radius, searchCommand(Variant.Radius, false)),
  georadius_ro: searchCommand(Variant.Radius, true),
  georadiusbymember: radiusStoreCommand(Variant.RadiusByMember, searchCommand(Variant.RadiusByMember, false)),
  georadiusbymember_ro: searchCommand(Variant.RadiusByMember, true),
  geosearch: searchCommand(Variant.Search, true),
  geosearchstore,
};
