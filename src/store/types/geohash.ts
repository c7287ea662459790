// Redis's geohash (geohash.c, geohash_helper.c), as the GEO commands need it
// to agree with stock Redis to the digit: a longitude and latitude become a
// 52-bit interleaved hash (26 steps, latitude bits in the even positions,
// over Web Mercator's latitude range), which is the member's score in a
// sorted set; the hash decodes to the centre of its cell; a search covers
// the cell of the centre at a step chosen by the radius and its eight
// neighbours; distances are haversine over Redis's Earth radius.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

/** A hash of `step` steps (2 * step bits). */
export interface GeoHash {
  bits: bigint;
  step: number;
}

function degRad(angle: number): number {
  return angle * D_R;
}

function radDeg(angle: number): number {
  return angle / D_R;
}

/** Spreads the low 27 bits of `value` to the even bit positions. */
function spread(value: number): bigint {
  let out = 0n;
  for (let i = 0; i < 27; i++) if (Math.floor(value / 2 ** i) % 2 === 1) out |= 1n << BigInt(2 * i);
  return out;
}

/** The even bits of `value`, gathered (the inverse of spread). */
function gather(value: bigint): number {
  let out = 0;
  for (let i = 0; i < 32; i++) if (((value >> BigInt(2 * i)) & 1n) === 1n) out += 2 ** i;
  return out;
}

/** geohashEncode over the given ranges; null outside them (or outside Redis's limits). */
export function geohashEncode(longMin: number, longMax: number, latMin: number, latMax: number, longitude: number, latitude: number, step: number): GeoHash | null {
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latMin || latitude > latMax || longitude < longMin || longitude > longMax) return null;
  const latOffset = ((latitude - latMin) / (latMax - latMin)) * 2 ** step;
  const longOffset = ((longitude - longMin) / (longMax - longMin)) * 2 ** step;
  // C converts the offsets to uint32 (truncating).
  return { bits: spread(Math.trunc(latOffset)) | (spread(Math.trunc(longOffset)) << 1n), step };
}

export function geohashEncodeWGS84(longitude: number, latitude: number, step: number): GeoHash | null {
  return geohashEncode(GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX, longitude, latitude, step);
}

/** The 52-bit score of a hash. */
export function geohashAlign52Bits(hash: GeoHash): number {
  return Number(hash.bits << BigInt(52 - hash.step * 2));
}

export interface GeoArea {
  longMin: number;
  longMax: number;
  latMin: number;
  latMax: number;
}

/** geohashDecode over Redis's ranges: the cell of a hash. */
export function geohashDecode(hash: GeoHash): GeoArea {
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const longScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const ilato = gather(hash.bits) >>> 0;
  const ilono = gather(hash.bits >> 1n) >>> 0;
  const cells = 2 ** hash.step;
  return {
    latMin: GEO_LAT_MIN + (ilato / cells) * latScale,
    latMax: GEO_LAT_MIN + ((ilato + 1) / cells) * latScale,
    longMin: GEO_LONG_MIN + (ilono / cells) * longScale,
    longMax: GEO_LONG_MIN + ((ilono + 1) / cells) * longScale,
  };
}

/** A sorted set score back to [longitude, latitude]: its cell's centre, clamped. */
export function decodeGeoScore(score: number, xy: number[]): void {
  const area = geohashDecode({ bits: BigInt(Math.trunc(score)), step: GEO_STEP_MAX });
  xy[0] = Math.min(GEO_LONG_MAX, Math.max(GEO_LONG_MIN, (area.longMin + area.longMax) / 2));
  xy[1] = Math.min(GEO_LAT_MAX, Math.max(GEO_LAT_MIN, (area.latMin + area.latMax) / 2));
}

const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;
const MASK64 = 0xffffffffffffffffn;

function moveX(hash: GeoHash, d: number): GeoHash {
  if (d === 0) return hash;
  let x = hash.bits & ODD;
  const y = hash.bits & EVEN;
  const zz = EVEN >> BigInt(64 - hash.step * 2);
  if (d > 0) x = x + (zz + 1n);
  else x = ((x | zz) - (zz + 1n)) & MASK64;
  x &= ODD >> BigInt(64 - hash.step * 2);
  return { bits: x | y, step: hash.step };
}

function moveY(hash: GeoHash, d: number): GeoHash {
  if (d === 0) return hash;
  const x = hash.bits & ODD;
  let y = hash.bits & EVEN;
  const zz = ODD >> BigInt(64 - hash.step * 2);
  if (d > 0) y = y + (zz + 1n);
  else y = ((y | zz) - (zz + 1n)) & MASK64;
  y &= EVEN >> BigInt(64 - hash.step * 2);
  return { bits: x | y, step: hash.step };
}

/** The cells a search visits, in Redis's order: the centre, N, S, E, W, NE, NW, SE, SW (null: left out). */
export type SearchCells = (GeoHash | null)[];

function estimateSteps(rangeMeters: number, latitude: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (latitude > 66 || latitude < -66) {
    step--;
    if (latitude > 80 || latitude < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

/** A search's shape: a radius or a box (width, height) in its unit, around [longitude, latitude]. */
export interface GeoShape {
  longitude: number;
  latitude: number;
  /** Meters per unit. */
  conversion: number;
  radius: number;
  /** A box when width >= 0, else a circle of `radius`. */
  width: number;
  height: number;
}

/** geohashCalculateAreasByShapeWGS84: the cells to search. */
export function searchCells(shape: GeoShape): SearchCells {
  const box = shape.width >= 0;
  const height = shape.conversion * (box ? shape.height / 2 : shape.radius);
  const width = shape.conversion * (box ? shape.width / 2 : shape.radius);
  const { longitude, latitude } = shape;
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  const minLon = southern ? longitude - longDeltaBottom : longitude - longDeltaTop;
  const maxLon = southern ? longitude + longDeltaBottom : longitude + longDeltaTop;
  const minLat = latitude - latDelta;
  const maxLat = latitude + latDelta;
  let radiusMeters = box ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)) : shape.radius;
  radiusMeters *= shape.conversion;
  let steps = estimateSteps(radiusMeters, latitude);
  let hash = geohashEncodeWGS84(longitude, latitude, steps) as GeoHash;
  let n = neighbors(hash);
  let area = geohashDecode(hash);
  const north = geohashDecode(n[1]);
  const south = geohashDecode(n[2]);
  const east = geohashDecode(n[3]);
  const west = geohashDecode(n[4]);
  const decrease = north.latMax < maxLat || south.latMin > minLat || east.longMax < maxLon || west.longMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = geohashEncodeWGS84(longitude, latitude, steps) as GeoHash;
    n = neighbors(hash);
    area = geohashDecode(hash);
  }
  const cells: SearchCells = [...n];
  if (steps >= 2) {
    // Indexes: 1 N, 2 S, 3 E, 4 W, 5 NE, 6 NW, 7 SE, 8 SW.
    if (area.latMin < minLat) cells[2] = cells[8] = cells[7] = null;
    if (area.latMax > maxLat) cells[1] = cells[5] = cells[6] = null;
    if (area.longMin < minLon) cells[4] = cells[8] = cells[6] = null;
    if (area.longMax > maxLon) cells[3] = cells[7] = cells[5] = null;
  }
  return cells;
}

/** The hash and its eight neighbours, in searchCells' order. */
function neighbors(hash: GeoHash): GeoHash[] {
  return [
    hash,
    moveY(hash, 1),
    moveY(hash, -1),
    moveX(hash, 1),
    moveX(hash, -1),
    moveY(moveX(hash, 1), 1),
    moveY(moveX(hash, -1), 1),
    moveY(moveX(hash, 1), -1),
    moveY(moveX(hash, -1), -1),
  ];
}

/** The scores [min, max) of the members inside a cell. */
export function cellScores(hash: GeoHash): [number, number] {
  return [geohashAlign52Bits(hash), geohashAlign52Bits({ bits: hash.bits + 1n, step: hash.step })];
}

export function latitudeDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** Redis's geohashGetDistance (haversine). */
export function geoDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latitudeDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/** Whether [lon, lat] is inside the shape; its distance from the centre (meters) when it is, else -1. */
export function distanceWithinShape(shape: GeoShape, lon: number, lat: number): number {
  if (shape.width < 0) {
    const distance = geoDistance(shape.longitude, shape.latitude, lon, lat);
    return distance > shape.radius * shape.conversion ? -1 : distance;
  }
  if (latitudeDistance(lat, shape.latitude) > (shape.height * shape.conversion) / 2) return -1;
  if (geoDistance(lon, lat, shape.longitude, lat) > (shape.width * shape.conversion) / 2) return -1;
  return geoDistance(shape.longitude, shape.latitude, lon, lat);
}

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** GEOHASH's 11 characters: the position re-encoded over the standard [-90, 90] latitude range. */
export function standardGeohash(longitude: number, latitude: number): string {
  const hash = geohashEncode(-180, 180, -90, 90, longitude, latitude, 26);
  const bits = hash === null ? 0n : hash.bits;
  let out = '';
  for (let i = 0; i < 11; i++) out += ALPHABET[i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn)];
  return out;
}

/** Redis's fixedpoint_d2string with 4 digits: a distance as GEODIST and WITHDIST give it (rounded half to even). */
export function formatDistance(value: number): string {
  if (value === 0) return '0.0000';
  const scaled = value * 10000;
  let rounded = Math.round(scaled);
  if (Math.abs(scaled % 1) === 0.5) rounded = 2 * Math.round(scaled / 2);
  const negative = rounded < 0;
  const digits = String(Math.abs(rounded)).padStart(5, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/** Redis's human long double form of a double ("%.17Lf", trailing zeros dropped): GEOPOS's and WITHCOORD's. */
export function formatCoordinate(value: number): string {
  let text = value.toFixed(17);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}
