#!/usr/bin/env bash
# Builds the SIMD wasm (wasm-pack + wasm-opt from the npm package binaryen), the opt-in fast wasm (relaxed SIMD,
# for `precision: "fast"`), ts/optimizers.ts from its optimizer registry, the TypeScript to dist/, and the browser
# bundles. Each wasm step is skipped when no Rust source changed since that wasm was built.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>"${TMPDIR:-/tmp}/optimlab-build.lock"
flock 9   # one build at a time in this checkout's machine
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ -f "$HOME/.optimlab-toolchain" ]; then export RUSTUP_TOOLCHAIN="$(cat "$HOME/.optimlab-toolchain")"; fi

wasm=ts/pkg/optimlab_bg.wasm
# Rust sources newer than $1. The fast build's cargo runs inside crate/, so its target folder is crate/target-fast:
# its files are outputs, not sources, and must not make the next build rebuild the default wasm.
rust_changed_since() {
  find crate Cargo.toml Cargo.lock .cargo -path crate/target-fast -prune -o -newer "$1" -type f -print 2>/dev/null | head -1
}
if [ ! -f "$wasm" ] || [ -n "$(rust_changed_since "$wasm")" ]; then
  start=$SECONDS
  echo "build: wasm (wasm-pack --release, simd128, wasm-opt -O3) ..."
  wasm-pack --quiet build crate --target web --release --out-dir ../ts/pkg --out-name optimlab --no-pack
  rm -f ts/pkg/.gitignore
  echo "build: wasm done in $((SECONDS - start)) s ($(stat -c %s "$wasm") bytes)"
fi

# The fast build: the same crate with relaxed SIMD (f32x4.relaxed_madd in the kernels), in its own target folder so
# that the two builds' flags do not invalidate each other's cache. The default build's JS glue instantiates it, so
# the two must agree on every import and export: the glue wasm-bindgen writes for it must be the same file.
fast=target-fast/pkg/optimlab_bg.wasm
if [ ! -f "$fast" ] || [ -n "$(rust_changed_since "$fast")" ]; then
  start=$SECONDS
  echo "build: fast wasm (relaxed SIMD, for precision: \"fast\") ..."
  CARGO_TARGET_DIR=target-fast RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
    wasm-pack --quiet build crate --target web --release --no-opt --out-dir ../target-fast/pkg --out-name optimlab --no-pack
  wasm-opt -O3 --low-memory-unused --enable-simd --enable-relaxed-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals "$fast" -o "$fast"
  if ! cmp -s ts/pkg/optimlab.js target-fast/pkg/optimlab.js; then
    echo "build: the fast wasm's JS glue differs from the default build's (target-fast/pkg/optimlab.js vs ts/pkg/optimlab.js)" >&2
    rm -f "$fast"
    exit 1
  fi
  echo "build: fast wasm done in $((SECONDS - start)) s ($(stat -c %s "$fast") bytes)"
fi

# ts/optimizers.ts is generated from the registry the wasm reports; CI fails when the committed file is stale.
node scripts/gen-optimizers.mjs ${CI:+--check}

tsc_status=0
tsc -p tsconfig.json || tsc_status=$?
mkdir -p dist/pkg
cp ts/pkg/optimlab_bg.wasm dist/pkg/
cp "$fast" dist/pkg/optimlab_fast_bg.wasm
if [ -d ts/assets ]; then cp -r ts/assets dist/; fi
# The PNG renderer's font ships inside the package (with its licence), not as a 12 MB font-collection dependency.
mkdir -p dist/assets/fonts
cp node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf dist/assets/fonts/
cp node_modules/dejavu-fonts-ttf/LICENSE dist/assets/fonts/LICENSE-DejaVu.txt
if [ -f scripts/bundle.mjs ]; then node scripts/bundle.mjs; fi
chmod +x dist/cli.js
exit "$tsc_status"
