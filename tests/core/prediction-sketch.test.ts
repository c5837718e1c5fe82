/**
 * The latency sketch on its own: quantiles within 1 % of the exact value of rank ⌊q·(n−1)⌋ over
 * latencies of any scale (sub-microsecond to hours, zeros, Pareto tails), merging equal to sketching
 * the union, and the stored text read back exactly (negative bins included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LATENCY_RELATIVE_ERROR, LatencySketch, isCorrect, jsonEqual } from '../../src/core/prediction-sketch.js';

const latency = fc.oneof(
  fc.double({ min: 1e-9, max: 1e9, noNaN: true }),
  fc.double({ min: 0.5, max: 200, noNaN: true }),
  fc.constant(0),
  fc.double({ min: 1e-12, max: 1, noNaN: true }).map((u) => 5 / u ** (1 / 1.05)),
);

const sketchOf = (values: readonly number[]) => {
  const sketch = new LatencySketch();
  for (const value of values) sketch.add(value);
  return sketch;
};

describe('latency sketch', () => {
  it('answers every quantile within 1 % of the exact one, capped at the maximum', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 2_000 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }), (values, qs) => {
        const sorted = [...values].sort((a, b) => a - b);
        const max = sorted.at(-1)!;
        const ascending = [...qs].sort((a, b) => a - b);
        const answers = sketchOf(values).quantiles(ascending, max);
        for (const [index, q] of ascending.entries()) {
          const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
          expect(Math.abs(answers[index]! - exact)).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR * exact * (1 + 1e-9));
          expect(answers[index]!).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('merges exactly and reads its stored text back, in any order of bins', () => {
    fc.assert(
      fc.property(fc.array(latency, { maxLength: 500 }), fc.array(latency, { maxLength: 500 }), (left, right) => {
        const merged = sketchOf(left);
        merged.merge(sketchOf(right));
        const whole = sketchOf([...right, ...left]);
        expect(merged.encode()).toBe(whole.encode());
        expect(merged.zero).toBe(whole.zero);
        const read = new LatencySketch();
        const text = whole.encode();
        read.addEncoded(text.split(',').reverse().join(','));
        expect(read.encode()).toBe(text);
      }),
      { numRuns: 200 },
    );
    expect(new LatencySketch().quantiles([0.5])).toEqual([null]);
    expect(sketchOf([0, 0, 3]).quantiles([0.5, 1])[0]).toBe(0);
  });

  it('calls a prediction right by JSON equality, key order aside, or by a shared field', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(isCorrect({ label: 'cat', p: 0.9 }, { label: 'cat' })).toBe(false);
    expect(isCorrect({ label: 'cat', p: 0.9 }, { label: 'cat' }, 'label')).toBe(true);
    expect(isCorrect({ top: { label: 'cat' } }, { top: { label: 'cat' } }, 'top.label')).toBe(true);
    expect(isCorrect({ p: 1 }, { p: 1 }, 'label')).toBe(false);
  });
});
