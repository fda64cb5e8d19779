#!/usr/bin/env bash
# Creates (once) a virtualenv with a pinned schemathesis for the API fuzz test (test/api/fuzz.test.ts) and the fault
# suite's fuzzing scenario, and prints the path of its `st` executable. The virtualenv lives in the toolchain cache,
# outside the repository; scripts/setup.sh --test runs this, so npm test on a clean machine has it.
set -euo pipefail
SCHEMATHESIS_VERSION="4.32.5"
CACHE="${AR_TOOLCHAIN_CACHE:-$HOME/.cache/ar-engine}"
VENV="$CACHE/schemathesis-$SCHEMATHESIS_VERSION"
if [[ ! -x "$VENV/bin/st" ]]; then
  command -v python3 >/dev/null 2>&1 || { echo "python3 is needed for the API fuzzing scenario" >&2; exit 1; }
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
echo "$VENV/bin/st"
