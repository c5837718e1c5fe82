/**
 * `aimdb serve` in a process of its own, so the benchmark can read the server's peak RSS without
 * counting the clients. Prints one JSON line with the base URL once listening.
 * argv: <database url>
 */
// Not a literal specifier: the server may not be built yet when the benchmark is typechecked.
const serveModule = '../src/server/serve.js';
const { startServer } = (await import(serveModule)) as { startServer: (options: unknown) => Promise<unknown> };
const url = process.argv[2]!;
const started = (await startServer({
  database: { url },
  server: { host: '127.0.0.1', port: 0, logLevel: 'warn' },
})) as { url?: string; server?: { addresses(): Array<{ address: string; port: number }> }; addresses?: () => Array<{ address: string; port: number }> };
const addresses = started.addresses?.() ?? started.server?.addresses();
const base = started.url ?? (addresses !== undefined ? `http://127.0.0.1:${addresses[0]!.port}` : undefined);
if (base === undefined) throw new Error('startServer returned no address');
process.stdout.write(`${JSON.stringify({ url: base })}\n`);
