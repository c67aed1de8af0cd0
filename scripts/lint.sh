#!/usr/bin/env bash
# Lints the TypeScript and JavaScript (eslint.config.js), then fails on any import cycle among the library's and the
# demo's modules, `import type` included: madge reads the sources with TypeScript's resolver and counts type-only
# imports, which ESLint's import/no-cycle skips. Last, it type-checks bench/ (tsx runs it without checking types) and
# test/ (vitest strips types without checking them) against the built dist/*.d.ts; the library's own types are checked
# by scripts/build.sh's tsc. `npm test` runs this after the build; `npm run lint` alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
eslint --max-warnings 0 .
madge --circular --extensions ts --ts-config tsconfig.json --no-spinner --warning ts demo
if [ ! -f dist/index.d.ts ]; then
  echo "lint: bench/ and test/ are type-checked against the build's dist/*.d.ts: run scripts/build.sh first" >&2
  exit 1
fi
tsc --noEmit -p bench/tsconfig.json
tsc --noEmit -p test/tsconfig.json
