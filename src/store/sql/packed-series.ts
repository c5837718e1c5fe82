/**
 * A series packed by the database (`Backend.packedSeries`, decision 1308) back into columns: a few
 * byte strings read with DataViews instead of a text row per point.
 */
import type { PackedSeriesRow } from '../backends/backend.js';
import type { MetricSeriesColumns } from '../metric-columns.js';

/** An 8-byte big-endian integer of a packed column (steps and times are safe integers). */
const int64At = (view: DataView, index: number) => view.getInt32(index * 8) * 2 ** 32 + view.getUint32(index * 8 + 4);
const viewOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The columns of a series packed by `Backend.packedSeries`, or undefined when its points did not
 * come in step order (the packing query's order is the planner's habit, not a guarantee): the
 * caller then reads them as rows.
 */
export function unpackSeries(runId: number, name: string, packed: PackedSeriesRow): MetricSeriesColumns | undefined {
  const count = Number(packed.count);
  const columns: MetricSeriesColumns = { runId, name, step: new Array(count), value: new Float64Array(count), epoch: null, timestamp: new Array(count) };
  if (count === 0) return columns;
  const steps = viewOf(packed.step!);
  const values = viewOf(packed.value!);
  const times = viewOf(packed.logged_at!);
  for (let index = 0; index < count; index++) {
    const step = int64At(steps, index);
    if (index > 0 && step <= columns.step[index - 1]!) return undefined;
    columns.step[index] = step;
    columns.value[index] = values.getFloat64(index * 8);
    columns.timestamp[index] = int64At(times, index);
  }
  if (packed.epoch !== null && packed.epoch_null !== null) {
    const epochs = viewOf(packed.epoch);
    const absent = packed.epoch_null;
    columns.epoch = new Array<number | null>(count);
    for (let index = 0; index < count; index++) columns.epoch[index] = absent[index] === 1 ? null : epochs.getInt32(index * 4);
  }
  return columns;
}

