/**
 * `startServer` in a process of its own, for shutdown tests: logs JSON lines to stdout (the
 * 'aimdb server listening' line carries the URL). argv: <database url>
 */
import { startServer } from '../../../src/server/serve.js';

await startServer({ database: { url: process.argv[2]! }, server: { port: 0, logLevel: 'info' }, uiDir: '/nonexistent' });
