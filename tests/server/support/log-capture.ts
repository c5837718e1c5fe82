/** Collects the server's JSON log lines in memory. */
import { Writable } from 'node:stream';

export interface LogCapture {
  /** Pino options for `buildApp({ logger })`. */
  options: Record<string, unknown>;
  /** Every line written so far, parsed. */
  entries(): Array<Record<string, any>>;
  /** Every line written so far, as text. */
  text(): string;
}

export function captureLogs(level = 'info'): LogCapture {
  const lines: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      partial += chunk.toString('utf8');
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      lines.push(...complete.filter((line) => line !== ''));
      done();
    },
  });
  return {
    options: { level, stream },
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join('\n'),
  };
}
