#!/usr/bin/env bash
# Builds the SIMD wasm (wasm-pack + wasm-opt from the npm package binaryen), ts/optimizers.ts from its
# optimizer registry, the TypeScript to dist/, and the browser bundles. The wasm step is skipped when no
# Rust source changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>"${TMPDIR:-/tmp}/optimlab-build.lock"
flock 9   # one build at a time in this checkout's machine
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

# ts/optimizers.ts is generated from the registry the wasm reports; CI fails when the committed file is stale.
node scripts/gen-optimizers.mjs ${CI:+--check}

tsc_status=0
tsc -p tsconfig.json || tsc_status=$?
mkdir -p dist/pkg
cp ts/pkg/optimlab_bg.wasm dist/pkg/
if [ -d ts/assets ]; then cp -r ts/assets dist/; fi
# The PNG renderer's font ships inside the package (with its licence), not as a 12 MB font-collection dependency.
mkdir -p dist/assets/fonts
cp node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf dist/assets/fonts/
cp node_modules/dejavu-fonts-ttf/LICENSE dist/assets/fonts/LICENSE-DejaVu.txt
if [ -f scripts/bundle.mjs ]; then node scripts/bundle.mjs; fi
chmod +x dist/cli.js
exit "$tsc_status"
