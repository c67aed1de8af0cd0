#!/usr/bin/env bash
# Every test: the crate's Rust tests (host), then vitest (Node, worker threads, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo test --release --quiet -p optimlab
npx vitest run
