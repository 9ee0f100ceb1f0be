#!/usr/bin/env bash
# The project's test command (`npm test`): type check, lint, format check, then every test file under
# test/ with node's test runner. `npm test -- unit` runs only test/unit.
set -euo pipefail
cd "$(dirname "$0")/.."
scope="${1:-}"
echo "== type check"
tsc --noEmit
tsc -p web --noEmit
echo "== lint"
eslint .
prettier --check . >/dev/null || { prettier --check .; exit 1; }
echo "== tests"
mapfile -t files < <(find "test/${scope}" -name '*.test.ts' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found under test/${scope}" >&2; exit 1; fi
# Integration tests mostly wait on sockets, so run more files at once than there are cores.
exec node --import tsx --test --test-concurrency=4 --test-reporter=spec "${files[@]}"
