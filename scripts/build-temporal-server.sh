#!/usr/bin/env bash
# Builds the real Temporal server (PostgreSQL persistence) and its SQL schema tool at the server version the
# Temporal CLI v1.5.1 embeds, into ~/.cache/ar-engine/temporal-server-<version>/. Idempotent: an existing build of
# the same version is kept. Used by the scale benchmark (bench/scale.ts) and docs/operations.md ("Scale track");
# the normal test path never runs it.
#   bash scripts/build-temporal-server.sh          # prints the directory holding `temporal-server` and `temporal-sql-tool`
set -euo pipefail

CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
CACHE="${AR_ENGINE_CACHE:-$HOME/.cache/ar-engine}"
command -v go >/dev/null || { echo "go (>= 1.25) is required: https://go.dev/dl/" >&2; exit 1; }

# The server version is whatever the CLI's go.mod requires (read from the module proxy, not guessed).
cli_mod="$(go mod download -json "github.com/temporalio/cli@${CLI_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[ -f "$cli_mod" ] || { echo "could not download github.com/temporalio/cli@${CLI_VERSION}" >&2; exit 1; }
server_version="$(awk '$1 == "go.temporal.io/server" { print $2; exit }' "$cli_mod")"
[ -n "$server_version" ] || { echo "go.temporal.io/server not found in $cli_mod" >&2; exit 1; }

dir="$CACHE/temporal-server-${server_version}"
if [ -x "$dir/temporal-server" ] && [ -x "$dir/temporal-sql-tool" ]; then
  echo "$dir"
  exit 0
fi
mkdir -p "$dir/gobin"
echo "building go.temporal.io/server@${server_version} (server + SQL tool) into $dir; this takes minutes" >&2
# Nice and one compile job at a time: the build shares the machine with everything else.
GOBIN="$dir/gobin" CGO_ENABLED=0 nice -n 10 go install -p "${GO_BUILD_JOBS:-1}" \
  "go.temporal.io/server/cmd/server@${server_version}" \
  "go.temporal.io/server/cmd/tools/sql@${server_version}"
mv "$dir/gobin/server" "$dir/temporal-server"
mv "$dir/gobin/sql" "$dir/temporal-sql-tool"
rmdir "$dir/gobin"
# The schema files ship in the module; the SQL tool applies them from a directory.
src="$(go mod download -json "go.temporal.io/server@${server_version}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
rm -rf "$dir/schema"
cp -r "$src/schema" "$dir/schema"
chmod -R u+w "$dir/schema"
echo "$dir"
