#!/usr/bin/env bash
# Every test: the crate's Rust tests (host), then vitest (Node, worker threads, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
if [ -f "$HOME/.optimlab-toolchain" ]; then export RUSTUP_TOOLCHAIN="$(cat "$HOME/.optimlab-toolchain")"; fi
bash scripts/format.sh --check   # rustfmt.toml and .prettierrc.json; `npm run format` fixes
bash scripts/lint.sh             # eslint.config.js and madge's import-cycle check; `npm run lint`
# Lints as errors, on the host and for the wasm build (their cfgs differ).
cargo clippy --quiet --all-targets -p optimlab -- -D warnings
cargo clippy --quiet --all-targets -p optimlab --target wasm32-unknown-unknown -- -D warnings
cargo test --release --quiet -p optimlab
# The same crate tests inside the simd128 wasm build (SIMD kernels against their scalar twins, fixture parity).
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --release -p optimlab --target wasm32-unknown-unknown
results=$(mktemp)
trap 'rm -f "$results"' EXIT
npx vitest run --reporter=default --reporter=json --outputFile.json="$results"
# The plain closing line that CI logs are read for.
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));' "$results"
