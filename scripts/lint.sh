#!/usr/bin/env bash
# Lints the TypeScript and JavaScript (eslint.config.js), then fails on any import cycle among the library's and the
# demo's modules, `import type` included: madge reads the sources with TypeScript's resolver and counts type-only
# imports, which ESLint's import/no-cycle skips. `npm test` runs this; `npm run lint` alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
eslint --max-warnings 0 .
madge --circular --extensions ts --ts-config tsconfig.json --no-spinner --warning ts demo
