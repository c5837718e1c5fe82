/**
 * `aimdb serve` in a process of its own, so the benchmark can read the server's peak RSS without
 * counting the clients. Prints one JSON line with the base URL once listening; SIGTERM stops it.
 * The HTTP scenario runs it compiled to JavaScript (bench/results/server-build-<pid>), as `aimdb serve`
 * runs from dist. argv: <database url> [<artifact store url>]; AIMDB_BENCH_SERVER_REQUEST_TIMEOUT_MS sets
 * server.requestTimeoutMs (the child ignores the AIMDB_SERVER_* variables otherwise).
 */
import { startServer } from '../src/server/serve.js';

const running = await startServer({
  database: { url: process.argv[2]!, ...(process.argv[3] === undefined ? {} : { artifacts: { url: process.argv[3] } }) },
  server: {
    host: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    // The whole-request timeout, to check that long uploads are exempt from it (scripts/measure-artifacts.ts).
    ...(process.env.AIMDB_BENCH_SERVER_REQUEST_TIMEOUT_MS === undefined ? {} : { requestTimeoutMs: Number(process.env.AIMDB_BENCH_SERVER_REQUEST_TIMEOUT_MS) }),
  },
  env: {},
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
