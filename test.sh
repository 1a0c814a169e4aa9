#!/usr/bin/env bash
# Runs the whole test suite: installs the interop harness (Baileys, libsignal-node) from its lock
# file, installs Chromium for the browser tests (test/e2e-deps.sh), starts a throwaway PostgreSQL
# (test/postgres.sh; installs the Debian package if needed), builds the solution and runs every test project. Ends with "N passed, N failed".
# Extra arguments go to `dotnet test` (e.g. --filter Category!=Interop).
set -euo pipefail
cd "$(dirname "$0")"

(cd test/Interop && npm ci --silent)
# The browser tests drive Debian's Chromium (installed here when missing).
test/e2e-deps.sh

log=$(mktemp)
trap 'test/postgres.sh stop >/dev/null 2>&1 || true; rm -f "$log"' EXIT
if ! WAORLEANS_TEST_POSTGRES=$(test/postgres.sh start); then
  echo "PostgreSQL for the tests did not start (see above)"
  echo "0 passed, 1 failed"
  exit 1
fi
export WAORLEANS_TEST_POSTGRES
set +e
# Build in parallel, then run the test assemblies one at a time: on two cores, the timing-sensitive
# end-to-end suites (WaSim, Baileys, reconnects) must not compete with each other.
{ dotnet build WaOrleans.sln -c Release && dotnet test WaOrleans.sln -c Release --no-build -m:1 "$@"; } 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One summary line per test assembly: "Passed!  - Failed:     0, Passed:   123, Skipped: ..."
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1 # the build or the runner broke before any test could report
fi
echo "$passed passed, $failed failed"
exit "$status"
