#!/usr/bin/env bash
# Starts Temporal's Java time-skipping test server from the toolchain cache. The TypeScript SDK runs this as an
# `existing-path` executable with the port as the only argument and kills the PID it started, so this script must
# `exec` the JVM (a forked JVM would be orphaned) and start quickly (the SDK waits only 5 s for the port).
set -euo pipefail
CACHE="${AR_TOOLCHAIN_CACHE:-$HOME/.cache/ar-engine}/temporal-test-server"
[[ -d "$CACHE/lib" ]] || { echo "temporal test server not found in $CACHE/lib: run scripts/setup.sh --test" >&2; exit 1; }
JAVA_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Xss512k)
if [[ -n "${AR_TEST_SERVER_DUMP_CDS:-}" ]]; then
  JAVA_OPTS+=("-XX:ArchiveClassesAtExit=$CACHE/cds.jsa")
elif [[ -f "$CACHE/cds.jsa" ]]; then
  JAVA_OPTS+=("-XX:SharedArchiveFile=$CACHE/cds.jsa")
fi
# stderr goes to a log file: the SDK inherits our stdio, and SLF4J start-up noise would land in every test report.
exec java "${JAVA_OPTS[@]}" -Xlog:cds=off -Xlog:cds+dynamic=off -cp "$CACHE/lib/*" io.temporal.testserver.TestServer "$@" 2>>"$CACHE/server.log"
