#!/usr/bin/env bash
# The state-file mutation fuzzer for a while (crate/tests/fuzz_state.rs, `fuzz_for_a_while`): seeded mutations of
# every optimizer's state blob and of checkpoints of every format version, single-threaded, on the host.
#   FUZZ_SECONDS (default 600)   how long the seeded phase runs, after the deterministic pass
#   FUZZ_SEED    (default 16)    the run's seed; the same seed tries the same inputs
#   FUZZ_REPLAY=<case seed>      runs only the case a failure printed
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-toolchain.sh
export PATH="$HOME/.cargo/bin:$PATH"
if [ -f "$HOME/.optimlab-toolchain" ]; then export RUSTUP_TOOLCHAIN="$(cat "$HOME/.optimlab-toolchain")"; fi
exec cargo test --release --quiet -p optimlab --test fuzz_state -- --ignored --nocapture fuzz_for_a_while
