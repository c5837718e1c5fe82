/**
 * Doubles for property tests: fast-check's whole range, raw bit patterns, values near 2^53 and the
 * edges a backend once got wrong; and the documented storage rule (-0 is stored as 0).
 */
import fc from 'fast-check';
import type { JsonValue } from '../../src/index.js';

/** Property runs per test; AIMDB_PROPERTY_RUNS raises it for a longer hunt. */
export const PROPERTY_RUNS = Number(process.env.AIMDB_PROPERTY_RUNS ?? 15);

const bits = new DataView(new ArrayBuffer(8));
/** Any 64-bit pattern read as a double: every exponent, subnormals, NaN payloads. */
const bitPattern = fc.tuple(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff })).map(([high, low]) => {
  bits.setUint32(0, high);
  bits.setUint32(4, low);
  return bits.getFloat64(0);
});

/** Values chosen because a backend once got them wrong, or because they sit on an edge. */
const EDGES = [
  0, -0, 5e-324, -5e-324, 2.225073858507201e-308, 2.2250738585072014e-308, 1e308, -1e308, Number.MAX_VALUE,
  -Number.MAX_VALUE, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 0.1, 1 / 3, 9.412078857421875,
  9.293293952941895, 9.269500899718155, 1e-7, 123456789012345680000,
];
const nearSafeInteger = fc.double({ min: 2 ** 52, max: 2 ** 54, noNaN: true });

/** Any double: fast-check's whole range (NaN and ±Infinity included), bit patterns, edges. */
export const anyDouble = fc.oneof(fc.double(), bitPattern, nearSafeInteger, fc.constantFrom(...EDGES));
/** What JSON can hold: finite doubles. */
export const finiteDouble = anyDouble.filter(Number.isFinite);
/** A value in [min, max], from the same sources. */
export const doubleIn = (min: number, max: number) =>
  fc.oneof(fc.double({ min, max, noNaN: true }), finiteDouble.filter((value) => value >= min && value <= max), fc.constant(-0));

/** The documented rule: a double comes back as it was, except -0, which comes back as 0. */
export const stored = (value: number): number => (value === 0 ? 0 : value);

export function storedJson(value: JsonValue): JsonValue {
  if (typeof value === 'number') return stored(value);
  if (Array.isArray(value)) return value.map(storedJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, storedJson(item)]));
  return value;
}

