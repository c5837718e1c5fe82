// A process that opens databases on command (run by concurrent-open.test.ts): it loads aimdb from
// dist/, prints `ready`, then for every line `{ "url": …, "name": … }` on stdin opens the database
// (which migrates it), creates a model with that name, closes, and prints `{ "ok": true }` or the
// error. The parent sends the same line to all its workers at once, so they open a fresh database
// together.
import { createInterface } from 'node:readline';
import { createAiDatabase } from '../../../dist/index.js';

process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const { url, name } = JSON.parse(line);
  try {
    const db = await createAiDatabase({ url });
    try {
      await db.createModel({ name });
    } finally {
      await db.close();
    }
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: `${error.name}: ${error.message}` })}\n`);
  }
}
