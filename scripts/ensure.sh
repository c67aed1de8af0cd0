#!/usr/bin/env bash
# Brings a clone to a runnable state: npm dependencies, the toolchain, the wasm and TypeScript build.
# Each part is skipped when already up to date, so `npm start` / `npm test` can always call it.
#   scripts/ensure.sh [--browser] [--redis] [--fashion-mnist]   (passed to setup-toolchain.sh: Debian packages for tests)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci ..."
  npm ci --no-audit --no-fund
fi
bash scripts/setup-toolchain.sh "$@"
bash scripts/build.sh
