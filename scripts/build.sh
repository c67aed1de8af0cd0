#!/usr/bin/env bash
# Builds the SIMD wasm (wasm-pack + wasm-opt from the npm package binaryen), the TypeScript to dist/,
# and the browser bundles. The wasm step is skipped when no Rust source changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ -f "$HOME/.optimlab-toolchain" ]; then export RUSTUP_TOOLCHAIN="$(cat "$HOME/.optimlab-toolchain")"; fi

wasm=ts/pkg/optimlab_bg.wasm
if [ ! -f "$wasm" ] || [ -n "$(find crate Cargo.toml Cargo.lock .cargo -newer "$wasm" -type f 2>/dev/null | head -1)" ]; then
  start=$SECONDS
  echo "build: wasm (wasm-pack --release, simd128, wasm-opt -O3) ..."
  wasm-pack --quiet build crate --target web --release --out-dir ../ts/pkg --out-name optimlab --no-pack
  rm -f ts/pkg/.gitignore
  echo "build: wasm done in $((SECONDS - start)) s ($(stat -c %s "$wasm") bytes)"
fi

tsc -p tsconfig.json
mkdir -p dist/pkg
cp ts/pkg/optimlab_bg.wasm dist/pkg/
if [ -f scripts/bundle.mjs ]; then node scripts/bundle.mjs; fi
chmod +x dist/cli.js
