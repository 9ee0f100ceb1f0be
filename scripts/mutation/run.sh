#!/usr/bin/env bash
# `npm run test:mutation [-- SCOPE...]`: StrykerJS over the security core (docs/testing.md), one
# scope after another (all of scripts/mutation/scopes.mjs when none is named), then the score table.
# Incremental: a rerun mutates only what changed since the scope's last run (reports/mutation/).
set -euo pipefail
cd "$(dirname "$0")/../.."
# StrykerJS lives in tooling/mutation/ (its own lock file), installed on first use, so that the
# project's own install (and every CI run) stays without it.
[ -x tooling/mutation/node_modules/.bin/stryker ] || npm ci --prefix tooling/mutation --no-audit --no-fund
export PATH="$PWD/tooling/mutation/node_modules/.bin:$PWD/node_modules/.bin:$PATH"
if [ "$#" -eq 0 ]; then
  mapfile -t scopes < <(node -e "import('./scripts/mutation/scopes.mjs').then((m) => console.log(m.SCOPE_NAMES.join('\n')))")
else
  scopes=("$@")
fi
for scope in "${scopes[@]}"; do
  echo "== mutation: ${scope}"
  started=$(date +%s)
  # Sandboxes are .stryker/<scope>/sandbox-*: the tests' `../shared` (contracts beside the
  # repository) must resolve from there too.
  mkdir -p ".stryker/${scope}"
  [ -e ".stryker/${scope}/shared" ] || ln -s "$(realpath ../shared)" ".stryker/${scope}/shared"
  BYODA_MUTATION_SCOPE="${scope}" stryker run
  echo "== mutation: ${scope} took $(($(date +%s) - started)) s"
done
node scripts/mutation/score.mjs "${scopes[@]}"
