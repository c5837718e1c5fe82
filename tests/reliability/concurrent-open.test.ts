/**
 * Eight processes opening the same fresh database at the same moment (a job array starting, or
 * several servers deployed together): every open succeeds, the schema is migrated once, and every
 * process can write. Repeated with a new database each round.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiDatabase } from '../../src/index.js';
import { LATEST_SCHEMA_VERSION } from '../../src/migrate/migrator.js';
import { testBackends } from '../support/backends.js';
import { REPO_ROOT } from '../cli/run-cli.js';
import { startWorker, type LineProcess } from './support/line-process.js';
import { scaled, timeoutFor } from './support/scale.js';

const PROCESSES = 8;
const ROUNDS = scaled(3, 20);
const worker = fileURLToPath(new URL('./support/open-worker.mjs', import.meta.url));

// One set of worker processes for every backend: starting them is the slow part. They run the built
// code (dist/), as users' processes would.
let workers: LineProcess[] = [];
beforeAll(async () => {
  if (!existsSync(path.join(REPO_ROOT, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does it in pretest)');
  workers = Array.from({ length: PROCESSES }, () => startWorker([worker]));
  for (const process of workers) expect(await process.nextLine(150_000)).toBe('ready');
}, 180_000);
afterAll(async () => {
  await Promise.all(workers.map((process) => process.stop()));
});

describe.each(testBackends().filter((backend) => backend.name !== 'sqlite-memory'))('$name: concurrent first open', (backend) => {
  it(`${PROCESSES} processes open a fresh database together, ${ROUNDS} rounds: all succeed, migrated once`, async () => {
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const provisioned = await backend.provision();
      try {
        workers.forEach((process, index) => process.send(JSON.stringify({ url: provisioned.url, name: `opener-${index}` })));
        const answers = await Promise.all(workers.map(async (process) => JSON.parse(await process.nextLine(90_000)) as { ok: boolean; error?: string }));
        failures.push(...answers.filter((answer) => !answer.ok).map((answer) => `round ${round}: ${answer.error}`));
        const db = await createAiDatabase({ url: provisioned.url, migrate: false });
        try {
          const names = (await db.listModels({ limit: 100 })).items.map((model) => model.name).sort();
          expect(names).toEqual(answers.flatMap((answer, index) => (answer.ok ? [`opener-${index}`] : [])).sort());
          expect((await db.health()).schemaVersion).toBe(LATEST_SCHEMA_VERSION);
        } finally {
          await db.close();
        }
      } finally {
        await provisioned.drop();
      }
    }
    console.log(`[reliability] ${backend.name}: concurrent first open, ${ROUNDS} rounds x ${PROCESSES} processes, ${failures.length} failed opens`);
    expect(failures).toEqual([]);
  }, timeoutFor(ROUNDS, 10_000));
});
