#!/usr/bin/env bash
# The package as others install it: packs aimdb, installs the tarball into an empty project under the
# Node.js that is first on PATH (run it through scripts/with-node.sh), and checks that a user can run
# the demo, import the library from an ESM script and from TypeScript compiled with tsc, and start
# `aimdb serve`. Fails on any engine warning or on a lifecycle script npm would not run.
#
#   scripts/with-node.sh 22 scripts/check-package.sh [aimdb-x.y.z.tgz]
#
# Without a tarball it runs `npm pack` (which builds, through prepack) first.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/aimdb-package-XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '  package check (node %s): %s\n' "$(node -v)" "$*"; }

if [ $# -ge 1 ]; then
  tarball=$(basename "$1")
  cp "$1" "$work/$tarball"
else
  step "npm pack"
  tarball=$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -n 1)
fi
tar -tzf "$work/$tarball" | sed 's|^package/||' | sort >"$work/contents.txt"
if grep -qE '\.map$|^src/|^tests/' "$work/contents.txt"; then
  echo "the package carries files users never need:" >&2
  grep -E '\.map$|^src/|^tests/' "$work/contents.txt" | head >&2
  exit 1
fi
step "$(wc -l <"$work/contents.txt") files, $(du -k "$work/$tarball" | cut -f1) KiB packed"

mkdir "$work/app"
cd "$work/app"
printf '{ "name": "aimdb-user", "private": true, "type": "module" }\n' >package.json
step "npm install the tarball (and typescript, to compile a user's file)"
start=$(date +%s)
npm install --no-audit --no-fund "$work/$tarball" typescript@5 >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }
step "installed in $(( $(date +%s) - start )) s"
if grep -iE 'EBADENGINE|allowScripts|not allowed to run|deprecated' "$work/install.log"; then
  echo "npm warned while installing the package (above)" >&2
  exit 1
fi

step "npx aimdb demo"
npx aimdb demo >"$work/demo.log" 2>&1 || { tail -n 30 "$work/demo.log" >&2; exit 1; }
grep -q 'Done: everything above is now stored' "$work/demo.log"

step "import from an ESM script"
cat >use.mjs <<'EOF'
import { createAiDatabase } from 'aimdb';
const db = await createAiDatabase({ url: 'sqlite::memory:' });
const model = await db.createModel({ name: 'm', framework: 'pytorch' });
const run = await db.createTrainingRun({ name: 'r', modelId: model.id });
await db.logMetrics(run.id, [{ name: 'loss', value: 0.5, step: 0 }]);
const [summary] = await db.getMetricSummaries(run.id);
if (summary?.lastValue !== 0.5) throw new Error(`unexpected summary ${JSON.stringify(summary)}`);
await db.close();
console.log('esm ok');
EOF
node use.mjs | grep -q 'esm ok'

step "compile a TypeScript file with tsc and run it"
cat >use.ts <<'EOF'
import { createAiDatabase, type AiDatabase } from 'aimdb';
const db: AiDatabase = await createAiDatabase({ url: 'sqlite::memory:' });
const stats = await db.getStatistics();
console.log(`ts ok ${typeof stats}`);
await db.close();
EOF
printf '{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "skipLibCheck": false, "outDir": "out" }, "files": ["use.ts"] }\n' >tsconfig.json
npx tsc -p tsconfig.json
node out/use.js | grep -q 'ts ok'

step "aimdb serve answers /api/v1/health"
port=$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
# The bin itself, not npx: killing npx would leave the server it spawned running.
./node_modules/.bin/aimdb serve --port "$port" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if node -e "fetch('http://127.0.0.1:$port/api/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then break; fi
  sleep 0.2
done
node -e "fetch('http://127.0.0.1:$port/api/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" || { cat "$work/serve.log" >&2; exit 1; }
step "all passed"
