#!/usr/bin/env bash
# Brings up everything the engine needs on this machine, idempotently (a second run takes seconds):
#   1. the Temporal CLI (dev server), built from the Go module proxy into a cache outside the repo;
#   2. with --test: the Java time-skipping test server, resolved from Maven Central into the same cache, the UBL
#      schemas, stripe-mock, Chromium and a pinned schemathesis in a Python virtualenv;
#   3. PostgreSQL: DATABASE_URL if set, otherwise the local Debian cluster (installed/started as needed),
#      with the engine's role and databases;
#   4. migrations of the development database.
# Every step prints what it did and how long it took; a missing piece stops the run with its name.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${AR_TOOLCHAIN_CACHE:-$HOME/.cache/ar-engine}"
TEMPORAL_CLI_TAG="v1.5.1"            # newest tag `go install` can build (v1.6+ carry a replace directive)
STRIPE_MOCK_TAG="v0.197.0"           # payment gateway double for the portal payment tests
WANT_TEST=0
[[ "${1:-}" == "--test" ]] && WANT_TEST=1
mkdir -p "$CACHE/bin"

step_started=0
step() { step_started=$(date +%s%N); printf '[setup] %-34s' "$1"; }
done_step() { local ms=$(( ($(date +%s%N) - step_started) / 1000000 )); printf ' %s (%d ms)\n' "$1" "$ms"; }
fail() { printf '\n[setup] FAILED: %s\n' "$1" >&2; exit 1; }

# --- 1. Temporal CLI ------------------------------------------------------------------------------
step "Temporal CLI"
if [[ -n "${TEMPORAL_ADDRESS:-}" && $WANT_TEST -eq 0 ]]; then
  done_step "skipped: TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS (external cluster)"
elif [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  [[ -x "$TEMPORAL_CLI_PATH" ]] || fail "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable"
  done_step "using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH"
elif [[ -x "$CACHE/bin/temporal" ]]; then
  done_step "cached at $CACHE/bin/temporal"
elif command -v temporal >/dev/null 2>&1; then
  done_step "found on PATH at $(command -v temporal)"
elif command -v go >/dev/null 2>&1; then
  printf ' building %s with Go (several minutes, once)...\n' "$TEMPORAL_CLI_TAG"
  GOBIN="$CACHE/bin" CGO_ENABLED=0 go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_TAG" \
    || fail "go install of the Temporal CLI $TEMPORAL_CLI_TAG (check the Go module proxy is reachable)"
  done_step "built into $CACHE/bin/temporal"
else
  done_step "no Go toolchain: the Temporal SDK will download the dev server on first start (needs internet)"
fi

# --- 2. Java time-skipping test server ------------------------------------------------------------
if [[ $WANT_TEST -eq 1 ]]; then
  step "Temporal time-skipping server"
  LIB="$CACHE/temporal-test-server/lib"
  if ls "$LIB"/temporal-test-server-*.jar >/dev/null 2>&1; then
    done_step "cached at $LIB"
  elif command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
    printf ' resolving from Maven Central...\n'
    mvn -q -B -f "$ROOT/tools/temporal-test-server/pom.xml" dependency:copy-dependencies -DoutputDirectory="$LIB" \
      || fail "mvn could not resolve io.temporal:temporal-test-server (see tools/temporal-test-server/pom.xml)"
    done_step "resolved into $LIB"
  else
    done_step "no Java/Maven: the Temporal SDK will download its test server (needs internet)"
  fi
  if ls "$LIB"/temporal-test-server-*.jar >/dev/null 2>&1 && [[ ! -f "$CACHE/temporal-test-server/cds.jsa" ]]; then
    step "test server class-data archive"
    # A class-data-sharing archive roughly halves JVM start-up; the SDK gives the server only 5 s to answer.
    port=$(( 20000 + RANDOM % 20000 ))
    AR_TEST_SERVER_DUMP_CDS=1 "$ROOT/scripts/temporal-test-server.sh" "$port" >/dev/null 2>&1 & pid=$!
    for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
    kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    if [[ -f "$CACHE/temporal-test-server/cds.jsa" ]]; then done_step "written"; else done_step "not written (start-up stays slower)"; fi
  fi
fi

# --- 2b. UBL 2.1 schemas (for the e-invoice export test) ------------------------------------------
if [[ $WANT_TEST -eq 1 ]]; then
  step "UBL 2.1 schemas"
  UBL="$CACHE/ubl-2.1"
  if [[ -f "$UBL/maindoc/UBL-Invoice-2.1.xsd" && -f "$UBL/external/CCTS_CCT_SchemaModule.xsd" ]]; then
    done_step "cached at $UBL"
  elif command -v mvn >/dev/null 2>&1; then
    printf ' resolving from Maven Central...\n'
    mvn -q -B -f "$ROOT/tools/ubl-schemas/pom.xml" dependency:copy-dependencies -DoutputDirectory="$CACHE/ubl-jar" \
      || fail "mvn could not resolve com.helger.ubl:ph-ubl21 (see tools/ubl-schemas/pom.xml)"
    rm -rf "$CACHE/ubl-unpack" && mkdir -p "$CACHE/ubl-unpack"
    jar_file=$(ls "$CACHE"/ubl-jar/ph-ubl21-*.jar | head -n 1)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q -o "$jar_file" 'external/schemas/ubl21/*' -d "$CACHE/ubl-unpack" || fail "unzip of $jar_file"
    else
      (cd "$CACHE/ubl-unpack" && jar xf "$jar_file" external/schemas/ubl21) || fail "jar xf of $jar_file"
    fi
    # The schemas UBL imports by namespace only (CCTS, XML-DSig, XAdES) come from their own jars.
    for xsd_jar in "$CACHE"/ubl-jar/ph-xsds-*.jar; do
      if command -v unzip >/dev/null 2>&1; then unzip -q -o "$xsd_jar" 'schemas/*' -d "$CACHE/ubl-unpack" || fail "unzip of $xsd_jar"
      else (cd "$CACHE/ubl-unpack" && jar xf "$xsd_jar" schemas) || fail "jar xf of $xsd_jar"; fi
    done
    rm -rf "$UBL" && mv "$CACHE/ubl-unpack/external/schemas/ubl21" "$UBL" && mv "$CACHE/ubl-unpack/schemas" "$UBL/external" && rm -rf "$CACHE/ubl-unpack"
    done_step "unpacked into $UBL"
  else
    done_step "no Maven: the UBL export test cannot validate against the schema"
  fi
fi

# --- 2c. stripe-mock and a headless browser (portal payment and browser tests) ------------------------
if [[ $WANT_TEST -eq 1 ]]; then
  step "stripe-mock"
  if [[ -n "${STRIPE_MOCK_PATH:-}" ]]; then
    [[ -x "$STRIPE_MOCK_PATH" ]] || fail "STRIPE_MOCK_PATH=$STRIPE_MOCK_PATH is not an executable"
    done_step "using STRIPE_MOCK_PATH=$STRIPE_MOCK_PATH"
  elif [[ -x "$CACHE/bin/stripe-mock" ]]; then
    done_step "cached at $CACHE/bin/stripe-mock"
  elif command -v go >/dev/null 2>&1; then
    printf ' building %s with Go (about a minute, once)...\n' "$STRIPE_MOCK_TAG"
    GOBIN="$CACHE/bin" CGO_ENABLED=0 go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_TAG" \
      || fail "go install of stripe-mock $STRIPE_MOCK_TAG (check the Go module proxy is reachable)"
    done_step "built into $CACHE/bin/stripe-mock"
  else
    fail "stripe-mock is needed by the portal payment tests: install Go or set STRIPE_MOCK_PATH"
  fi
  step "Chromium (headless browser tests)"
  if [[ -n "${CHROMIUM_PATH:-}" ]]; then
    [[ -x "$CHROMIUM_PATH" ]] || fail "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
    done_step "using CHROMIUM_PATH=$CHROMIUM_PATH"
  elif command -v chromium >/dev/null 2>&1; then
    done_step "found at $(command -v chromium)"
  elif command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
    printf ' installing from Debian packages...\n'
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)) || fail "apt-get install chromium"
    done_step "installed at $(command -v chromium)"
  else
    fail "the portal browser test needs Chromium: apt-get install chromium (as root) or set CHROMIUM_PATH"
  fi
fi

# --- 2d. schemathesis (the API fuzz test in the main suite and the fault suite's fuzzing scenario) ---------------
if [[ $WANT_TEST -eq 1 ]]; then
  step "schemathesis"
  # Debian's python3 ships without venv/ensurepip (package python3-venv); the fuzzer's virtualenv needs both.
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
    printf ' installing python3 and python3-venv from Debian packages...\n'
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null 2>&1 \
      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null)) || fail "apt-get install python3-venv"
  fi
  st_path=$("$ROOT/scripts/schemathesis-venv.sh" 2>&1 | tail -n 1) \
    || fail "scripts/schemathesis-venv.sh (python3 with venv and pip, and PyPI reachable, are needed): $st_path"
  [[ -x "$st_path" ]] || fail "scripts/schemathesis-venv.sh printed no executable: $st_path"
  done_step "at $st_path"
fi

# --- 3. PostgreSQL --------------------------------------------------------------------------------
step "PostgreSQL"
if [[ -n "${DATABASE_URL:-}" ]]; then
  done_step "using DATABASE_URL"
else
  if ! command -v pg_lsclusters >/dev/null 2>&1 || [[ -z "$(pg_lsclusters -h 2>/dev/null)" ]]; then
    printf ' installing from Debian packages...\n'
    command -v apt-get >/dev/null 2>&1 || fail "PostgreSQL is not installed and apt-get is unavailable: install PostgreSQL >= 14 or set DATABASE_URL"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null) \
      || fail "apt-get install postgresql"
  fi
  read -r pg_ver pg_cluster pg_port pg_status _ < <(pg_lsclusters -h | head -n 1)
  if [[ "$pg_status" != online* ]]; then
    pg_ctlcluster "$pg_ver" "$pg_cluster" start || fail "pg_ctlcluster $pg_ver $pg_cluster start (see /var/log/postgresql)"
  fi
  run_psql() { if [[ $(id -u) -eq 0 ]]; then su postgres -c "psql -p $pg_port -qtAX -v ON_ERROR_STOP=1 -c \"$1\""; else psql -p "$pg_port" -qtAX -v ON_ERROR_STOP=1 -c "$1"; fi; }
  [[ "$(run_psql "SELECT 1 FROM pg_roles WHERE rolname='ar'")" == "1" ]] \
    || run_psql "CREATE ROLE ar LOGIN PASSWORD 'ar' CREATEDB" >/dev/null || fail "creating role ar"
  for db in ar_engine ar_engine_test; do
    [[ "$(run_psql "SELECT 1 FROM pg_database WHERE datname='$db'")" == "1" ]] \
      || run_psql "CREATE DATABASE $db OWNER ar" >/dev/null || fail "creating database $db"
  done
  done_step "cluster $pg_ver/$pg_cluster on port $pg_port, role ar, databases ar_engine and ar_engine_test"
fi

# --- 4. Migrations --------------------------------------------------------------------------------
if [[ $WANT_TEST -eq 0 ]]; then
  step "migrations"
  out=$(cd "$ROOT" && npx --no-install tsx src/bin/migrate.ts 2>&1) || { echo "$out" >&2; fail "migrations"; }
  done_step "$out"
fi
