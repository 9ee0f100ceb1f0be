#!/usr/bin/env bash
# The project's test command (`npm test`): type check, lint, format check, then every test file under
# test/ with node's test runner. `npm test -- unit` runs only test/unit.
set -euo pipefail
cd "$(dirname "$0")/.."
scope="${1:-}"
usage() {
  cat <<'USAGE'
Usage: npm test [-- SCOPE]

Type check, lint and format check, then every test file under test/SCOPE (default: all of test/).

  npm test                 everything
  npm test -- unit         only test/unit
  npm test -- e2e          only test/e2e (needs /usr/bin/chromium)
  npm test -- scale        only test/scale (long runs: not in `npm test`, run by `npm run test:soak`)
  npm test -- --help       this text

One file: node --import tsx --test --test-reporter=spec test/path/file.test.ts
USAGE
}
case "$scope" in
  -h | --help | help) usage; exit 0 ;;
  -*) echo "npm test: unknown option $scope" >&2; usage >&2; exit 2 ;;
esac
if [ -n "$scope" ] && [ ! -d "test/${scope}" ]; then
  echo "npm test: there is no folder test/${scope}" >&2; usage >&2; exit 2
fi
echo "== type check"
tsc --noEmit
tsc -p web --noEmit
echo "== lint"
eslint .
prettier --check . >/dev/null || { prettier --check .; exit 1; }
echo "== tests"
# The servers the tests start run from the compiled build of src/ (bin/compiled.mjs): make it once
# here rather than in several test processes at once.
node -e "import('./bin/compiled.mjs').then((m) => m.compiledSources())"
# The same for the owner's web app (web/dist/), made again when web/ changed since it was built.
node scripts/web-build.mjs
# Slowest kinds first (end-to-end, standing, fuzz, integration, then unit), so that the short unit files
# fill the gaps at the end instead of a long file starting last and running alone.
# test/scale holds runs too long for every change (e.g. 51 pods): `npm run test:soak` runs them.
mapfile -t files < <(
  find "test/${scope}" -name '*.test.ts' | { if [ -z "$scope" ]; then grep -v '^test//\?scale/'; else cat; fi; } |
    awk '{ k = 5; if ($0 ~ /^test\/e2e\//) k = 1; else if ($0 ~ /^test\/standing\//) k = 2;
           else if ($0 ~ /^test\/fuzz\//) k = 3; else if ($0 ~ /^test\/integration\//) k = 4; print k "\t" $0 }' |
    sort -k1,1n -k2,2 | cut -f2
)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found under test/${scope}" >&2; exit 1; fi
# Integration tests mostly wait on sockets, so run more files at once than there are cores.
exec node --import tsx --test --test-concurrency=4 --test-reporter=spec "${files[@]}"
