/**
 * The `aimdb` command as bin/aimdb.js runs it (without its Node version check), for measuring
 * `aimdb serve` as users start it: the CLI's modules loaded, then the server. The HTTP scenario runs
 * it compiled to JavaScript (bench/results/server-build-<pid>) with bin/aimdb.js's node flags.
 */
import { main } from '../src/cli/main.js';

await main();
