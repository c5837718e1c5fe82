/**
 * `aimdb serve` in a process of its own, so the benchmark can read the server's peak RSS without
 * counting the clients. Prints one JSON line with the base URL once listening; SIGTERM stops it.
 * The HTTP scenario runs it compiled to JavaScript (bench/results/server-build-<pid>), as `aimdb serve`
 * runs from dist. argv: <database url>
 */
import { startServer } from '../src/server/serve.js';

const running = await startServer({
  database: { url: process.argv[2]! },
  server: { host: '127.0.0.1', port: 0, logLevel: 'warn' },
  env: {},
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
