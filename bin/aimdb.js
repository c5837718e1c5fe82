#!/usr/bin/env -S node --max-old-space-size=1024 --max-semi-space-size=4
// Launcher for the `aimdb` command; the CLI itself is compiled to dist/ by `npm run build`.
// The 1 GiB old-space limit is not one aimdb expects to reach: it makes V8 collect garbage at about
// 1.6× the live heap instead of 4× (its default limit is a share of RAM), which keeps `aimdb serve`
// near 170 MB instead of 270 MB while millions of points stream through it (docs/decisions/0505).
// The 4 MiB semi-space caps V8's young generation, which otherwise grows to 32 MB during start-up and
// keeps it: `aimdb serve` idles about 12 MB lower and, on a busy machine, peaks near 175 MB instead of
// 300 MB while points stream through it, at the same CPU per point (docs/decisions/1305).
// Run `node --max-old-space-size=4096 <path to this file> …` to give a command more.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  // better-sqlite3 13 crashes the process on older lines instead of failing to load (decision 0700).
  process.stderr.write(`aimdb needs Node.js 22 or newer; this is ${process.version}.\n`);
  process.exit(1);
}
const { main } = await import('../dist/cli/main.js');

await main();
