#!/usr/bin/env bash
# Runs jest on the pinned Node with native ES modules (the engine's dependencies ship ESM only). The pinned Node comes
# from the npm `node` package, so running this script directly (outside npm) gets it too, not whatever node is on PATH.
root="$(cd "$(dirname "$0")/.." && pwd)"
node="$root/node_modules/.bin/node"
[ -x "$node" ] || node=node
export PATH="$root/node_modules/.bin:$PATH"
exec "$node" --experimental-vm-modules --no-warnings=ExperimentalWarning "$root/node_modules/jest/bin/jest.js" "$@"
