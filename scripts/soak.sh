#!/usr/bin/env bash
# `npm run test:soak`: the standing suites (fuzz, durability, federation faults, load; every test file
# under test/fuzz and test/standing) with BYODA_SOAK=10, so that each runs ten times as many cases as in
# `npm test`, and the long runs of test/scale, which `npm test` leaves out. A BYODA_SOAK already set in the environment wins (e.g. BYODA_SOAK=3 npm run test:soak).
set -euo pipefail
cd "$(dirname "$0")/.."
export BYODA_SOAK="${BYODA_SOAK:-10}"
mapfile -t files < <(find test/fuzz test/standing test/scale -name '*.test.ts' 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no standing suites found under test/fuzz, test/standing or test/scale" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
