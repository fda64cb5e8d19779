#!/usr/bin/env bash
# Runs jest on the pinned Node with native ES modules (the engine's dependencies ship ESM only).
exec node --experimental-vm-modules --no-warnings=ExperimentalWarning "$(dirname "$0")/../node_modules/jest/bin/jest.js" "$@"
