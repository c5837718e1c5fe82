/** MLflow's request bodies as its server reads them: whole numbers written as floats are quoted as Python prints them. */
import { describe, expect, it } from 'vitest';
import { MlflowRequest, parseMlflowJson } from '../../src/server/mlflow/protocol.js';

/** MLflow's message for a number sent where a string belongs, as aimdb answers it for this body text. */
function messageFor(literal: string): string {
  const request = new MlflowRequest(parseMlflowJson(`{"key": "a", "name": ${literal}, "other": 0.5}`) as Record<string, unknown>, 'POST');
  try {
    request.check({ name: { type: 'string' } });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${literal} was accepted as a string`);
}

/** What Python prints for json.loads(literal): a float keeps its point, an int has none. */
function pythonView(literal: string): { repr: string; type: string } {
  const value = Number(literal);
  if (!/[.eE]/.test(literal)) return { repr: String(value), type: 'int' };
  return { repr: Number.isInteger(value) ? `${value}.0` : String(value), type: 'float' };
}

describe('MLflow request bodies', () => {
  it('tells a whole number written as a float from an int, however the float is written', () => {
    const literals = [
      '2', '-7', '2.0', '-2.000', '2e0', '2E+3', '1.5e1', '0.0', '9.0', '0.5', '0.95', '0.05', '123.25', '1e-5', '-1e-400',
      '0.99999999999999999', '0.99999999999999', '3.00000000000000001', '4503599627370496.5', '123456789012345.9', '12345678901234567.25',
    ];
    // Random doubles as JavaScript and Python write them, whole ones and near-whole ones among them.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let index = 0; index < 300; index++) {
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
      literals.push(String(value), `${Math.round(value)}.0`, value.toExponential(), (Math.round(value) + 1e-12).toPrecision(17));
    }
    for (const literal of literals) {
      const { repr, type } = pythonView(literal);
      expect(messageFor(literal), literal).toContain(`Invalid value ${repr} for parameter 'name' supplied. Hint: Value was of type '${type}'.`);
    }
  });

  it('finds a whole float among digits inside strings and nested lists', () => {
    const body = parseMlflowJson('{"run_id": "1.0", "metrics": [{"key": "m1.5", "value": 0.25, "step": 3.0}]}') as Record<string, unknown>;
    const request = new MlflowRequest({ metrics: body.metrics }, 'POST');
    expect(() => request.check({ metrics: { type: 'string' } })).toThrow("Invalid value [{'key': 'm1.5', 'value': 0.25, 'step': 3.0}]");
  });
});
