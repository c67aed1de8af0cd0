#!/usr/bin/env bash
# Formats the Rust (rustfmt.toml) and the TypeScript/JavaScript (.prettierrc.json), or with --check
# fails listing the files that are not formatted. `npm test` runs the check.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ -f "$HOME/.optimlab-toolchain" ]; then export RUSTUP_TOOLCHAIN="$(cat "$HOME/.optimlab-toolchain")"; fi
sources=("*.config.{js,ts}" "ts/**/*.ts" "test/**/*.{ts,js,mjs}" "bench/**/*.{ts,mjs,js}" "scripts/**/*.{js,mjs,ts}" "demo/**/*.{ts,js,css}")
if [ "${1:-}" = "--check" ]; then
  cargo fmt --all --check
  prettier --check --log-level warn "${sources[@]}"
else
  cargo fmt --all
  prettier --write --log-level warn "${sources[@]}"
fi
