#!/usr/bin/env bash
# Runs MLflow 2.10.2's own REST tests (../shared/vendor/mlflow-2.10.2/tests/tracking) against
# `aimdb serve`, once per backend, and prints pass/fail/skip counts per test file and backend.
#
#   scripts/test-mlflow.sh                       # sqlite, plus postgresql / mysql when their URLs are set
#   scripts/test-mlflow.sh sqlite                # one backend
#   scripts/test-mlflow.sh sqlite -k log_batch   # extra arguments go to pytest
#
# Needs a build (npm run build), the Debian packages of ../shared/tools/mlflow/install-deps.sh, and for
# PostgreSQL / MySQL the admin URLs AIMDB_TEST_POSTGRES_URL / AIMDB_TEST_MYSQL_URL. The vendored tree
# is read where it lies and nothing is written beside it (no bytecode, no pytest cache).
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# ../shared beside the repository (a worktree one level deeper finds it one more level up).
shared="$repo/../shared"
[ -d "$shared" ] || shared="$repo/../../shared"
tools="${AIMDB_MLFLOW_TOOLS:-$shared/tools/mlflow}"
vendor="${AIMDB_MLFLOW_VENDOR:-$shared/vendor/mlflow-2.10.2}"
[ -d "$vendor/tests/tracking" ] || { echo "test-mlflow: no MLflow tests at $vendor" >&2; exit 2; }
[ -f "$repo/dist/server/serve.js" ] || { echo "test-mlflow: build first (npm run build)" >&2; exit 2; }

backends=()
while [ $# -gt 0 ] && [[ "$1" =~ ^(sqlite|postgresql|mysql)$ ]]; do backends+=("$1"); shift; done
if [ ${#backends[@]} -eq 0 ]; then
  backends=(sqlite)
  [ -n "${AIMDB_TEST_POSTGRES_URL:-}" ] && backends+=(postgresql)
  [ -n "${AIMDB_TEST_MYSQL_URL:-}" ] && backends+=(mysql)
fi

files=(tests/tracking/test_rest_tracking.py tests/tracking/test_model_registry.py tests/tracking/test_mlflow_artifacts.py)
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
export PYTHONDONTWRITEBYTECODE=1 AIMDB_NODE="$(command -v node)"
export PYTHONPATH="$repo/tests/mlflow${PYTHONPATH:+:$PYTHONPATH}"
# The backends run side by side, each pytest with one server pool (tests/mlflow/server-pool.mjs):
# a fresh aimdb server on a fresh database per test, the next one prepared while a test runs.
started=$(date +%s)
pids=()
for backend in "${backends[@]}"; do
  (cd "$vendor" && AIMDB_MLFLOW_BACKEND="$backend" PATH="$tools/bin:$PATH" "$tools/python" -m pytest \
    -p no:cacheprovider -p aimdb_mlflow_plugin -v -rfEs --junitxml="$results/$backend.xml" \
    "${files[@]}" "$@"; code=$?; echo $(( $(date +%s) - started )) >"$results/$backend.seconds"; exit $code) >"$results/$backend.log" 2>&1 &
  pids+=($!)
done
for index in "${!backends[@]}"; do
  wait "${pids[$index]}" || status=1
  echo "== MLflow REST tests against aimdb on ${backends[$index]} ($(cat "$results/${backends[$index]}.seconds" 2>/dev/null || echo '?') s)"
  grep -E "^(FAILED|ERROR) " "$results/${backends[$index]}.log" || true
  tail -n 1 "$results/${backends[$index]}.log"
  [ -n "${AIMDB_MLFLOW_KEEP_LOGS:-}" ] && cp "$results/${backends[$index]}.log" "$AIMDB_MLFLOW_KEEP_LOGS/mlflow-${backends[$index]}.log"
done

python3 - "$results" "${backends[@]}" <<'PY'
import collections, sys, xml.etree.ElementTree as ET
folder, backends = sys.argv[1], sys.argv[2:]
print(f"\n{'backend':<11} {'file':<28} {'pass':>5} {'fail':>5} {'skip':>5}")
for backend in backends:
    try:
        root = ET.parse(f"{folder}/{backend}.xml").getroot()
    except (OSError, ET.ParseError):
        print(f"{backend:<11} (no results)")
        continue
    counts = collections.defaultdict(lambda: [0, 0, 0])
    for case in root.iter("testcase"):
        name = case.get("classname", "").split(".")[-1] + ".py"
        if case.find("skipped") is not None:
            counts[name][2] += 1
        elif case.find("failure") is not None or case.find("error") is not None:
            counts[name][1] += 1
        else:
            counts[name][0] += 1
    for name, (passed, failed, skipped) in sorted(counts.items()):
        print(f"{backend:<11} {name:<28} {passed:>5} {failed:>5} {skipped:>5}")
PY
exit $status
