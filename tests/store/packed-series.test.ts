/**
 * A series packed by the database (PostgreSQL's bytea columns, decision 1308) unpacks to the points
 * it holds, bit for bit, negative steps and non-finite values included; points that arrive out of
 * step order are refused, so the store reads them again as rows instead of answering them unordered.
 */
import { describe, expect, it } from 'vitest';
import type { PackedSeriesRow } from '../../src/store/backends/backend.js';
import { unpackSeries } from '../../src/store/sql/packed-series.js';

function pack(points: Array<{ step: number; value: number; epoch: number | null; time: number }>): PackedSeriesRow {
  const bytes = (size: number, write: (view: DataView, index: number) => void) => {
    const buffer = new Uint8Array(points.length * size);
    const view = new DataView(buffer.buffer);
    points.forEach((_, index) => write(view, index));
    return buffer;
  };
  const withEpoch = points.some((point) => point.epoch !== null);
  return {
    count: String(points.length),
    step: bytes(8, (view, index) => view.setBigInt64(index * 8, BigInt(points[index]!.step))),
    value: bytes(8, (view, index) => view.setFloat64(index * 8, points[index]!.value)),
    epoch: withEpoch ? bytes(4, (view, index) => view.setInt32(index * 4, points[index]!.epoch ?? 0)) : null,
    epoch_null: withEpoch ? bytes(1, (view, index) => view.setUint8(index, points[index]!.epoch === null ? 1 : 0)) : null,
    logged_at: bytes(8, (view, index) => view.setBigInt64(index * 8, BigInt(points[index]!.time))),
  };
}

describe('packed series', () => {
  const at = Date.UTC(2026, 10, 28);
  const points = [
    { step: -(2 ** 40) - 3, value: 0.1 + 0.2, epoch: null, time: at },
    { step: -1, value: Number.NaN, epoch: 0, time: at + 1 },
    { step: 0, value: Number.NEGATIVE_INFINITY, epoch: 2_147_483_647, time: at + 1 },
    { step: 2 ** 52, value: 5e-324, epoch: null, time: 8.64e15 },
  ];

  it('unpacks steps, exact values, epochs and times', () => {
    expect(unpackSeries(7, 'loss', pack(points))).toEqual({
      runId: 7,
      name: 'loss',
      step: points.map((point) => point.step),
      value: new Float64Array(points.map((point) => point.value)),
      epoch: points.map((point) => point.epoch),
      timestamp: points.map((point) => point.time),
    });
    expect(unpackSeries(7, 'loss', pack(points.map((point) => ({ ...point, epoch: null }))))?.epoch).toBeNull();
  });

  it('refuses points out of step order', () => {
    expect(unpackSeries(7, 'loss', pack([points[1]!, points[0]!]))).toBeUndefined();
    expect(unpackSeries(7, 'loss', pack([points[0]!, points[0]!]))).toBeUndefined();
  });

  it('unpacks an empty series', () => {
    const empty: PackedSeriesRow = { count: 0, step: null, value: null, epoch: null, epoch_null: null, logged_at: null };
    expect(unpackSeries(7, 'loss', empty)?.step).toEqual([]);
  });
});
