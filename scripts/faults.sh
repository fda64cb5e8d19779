#!/usr/bin/env bash
# The fault suite: `npm run test:faults` (full: 500 invoices and 500 payments under worker kills, and so on),
# `npm run test:faults -- --quick` (every scenario with small batches), or `npm run test:faults -- --ci` (what .ci/run
# runs: the scenarios that do not wait on real-time timers, 1, 2, 4, 5, 7 and 8, with the smallest batches; the timer,
# dunning and fuzzing scenarios and the replay, which the main suite runs anyway, are left to the quick and full runs).
# Extra arguments go to jest, e.g. scenarios by name: `npm run test:faults -- --quick -t '^(4|5)\.'`.
# Needs the Temporal CLI (scripts/setup.sh builds it), PostgreSQL server binaries (initdb, pg_ctl) and python3 for the
# schemathesis virtualenv; the suite's PostgreSQL cluster and dev servers are private, on free ports.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scale=full
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) scale=quick ;;
    --full) scale=full ;;
    --ci) scale=ci ;;
    *) args+=("$arg") ;;
  esac
done
export AR_FAULTS_SCALE="$scale"
# The CI variant is engine.fault.ts alone, which registers only its CI scenarios (the replay file is the main suite's).
if [[ $scale == ci && ${#args[@]} -eq 0 ]]; then
  args=("$ROOT/test/faults/engine.fault.ts")
fi
# The suite's scratch directory: the figures file, and the PostgreSQL data directory to clean up even after a crash.
AR_FAULTS_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ar-faults-state-XXXXXX")"
export AR_FAULTS_STATE_DIR
cleanup() {
  if [[ -f "$AR_FAULTS_STATE_DIR/pg-dir" ]]; then
    pg_dir="$(cat "$AR_FAULTS_STATE_DIR/pg-dir")"
    if [[ -d "$pg_dir" ]]; then
      pg_ctl="$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1)")/pg_ctl"
      [[ -n "${PG_BIN:-}" ]] && pg_ctl="$PG_BIN/pg_ctl"
      if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$pg_ctl" -D "$pg_dir" -m immediate stop >/dev/null 2>&1 || true
      else "$pg_ctl" -D "$pg_dir" -m immediate stop >/dev/null 2>&1 || true; fi
      rm -rf "$pg_dir"
    fi
  fi
  rm -rf "$AR_FAULTS_STATE_DIR"
}
trap cleanup EXIT
started=$(date +%s)
exec_status=0
bash "$ROOT/scripts/jest.sh" --config "$ROOT/jest.faults.config.js" --runInBand "${args[@]}" || exec_status=$?
echo "[faults] $scale run finished in $(( $(date +%s) - started )) s with status $exec_status"
exit $exec_status
