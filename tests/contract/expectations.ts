/**
 * Assertions the contracts share: a call fails with a given typed error (checked by class, code and
 * field, so a target that throws a plain Error or the wrong type fails), and entity shape checks.
 */
import { expect } from 'vitest';
import type { AimdbError } from '../../src/index.js';

type ErrorClass<E extends AimdbError> = abstract new (...args: never[]) => E;

/** Awaits `promise`, requires it to reject with `type`, and returns the error for further checks. */
export async function expectRejection<E extends AimdbError>(
  promise: Promise<unknown>,
  type: ErrorClass<E>,
  expected: { field?: string; message?: RegExp | string } = {},
): Promise<E> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a ${type.name}, but the call succeeded`).toBeDefined();
  expect(caught).toBeInstanceOf(type);
  const error = caught as E;
  if (expected.field !== undefined) expect(error.field).toBe(expected.field);
  if (expected.message !== undefined) expect(error.message).toMatch(expected.message);
  return error;
}

/** A whole-millisecond Date, not a string or number. */
export function expectDate(value: unknown): asserts value is Date {
  expect(value).toBeInstanceOf(Date);
  expect(Number.isNaN((value as Date).getTime())).toBe(false);
}

/** A positive integer id of type number (not a string or bigint). */
export function expectId(value: unknown): asserts value is number {
  expect(typeof value).toBe('number');
  expect(Number.isSafeInteger(value)).toBe(true);
  expect(value as number).toBeGreaterThan(0);
}

/** A name unique within one database, so tests sharing a database never collide. */
let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
