#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test optimlab, and skips what is already there.
# Idempotent: a second run on a set-up machine takes a second or two.
#   scripts/setup-toolchain.sh            toolchain for the wasm build (rust wasm32 target, wasm-bindgen, wasm-pack)
#   scripts/setup-toolchain.sh --browser  the above plus Debian's chromium for the browser tests
#   scripts/setup-toolchain.sh --redis    the above plus Debian's redis-server for the sweep tests and bench
#                                         (installed only: the tests start their own instance on a random port)
#   scripts/setup-toolchain.sh --fashion-mnist  the above plus Debian's dataset-fashion-mnist (gzipped IDX files in
#                                         /usr/share/datasets/fashion-mnist) for the fmnist_* problems and their tests
#   OPTIMLAB_TOOLCHAIN=debian scripts/setup-toolchain.sh   use Debian's rustc-web route even where rustup works
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen version in Cargo.lock
WASM_PACK_VERSION=0.15.1
export PATH="$HOME/.cargo/bin:$PATH"

want_browser=0
want_redis=0
want_fashion_mnist=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --redis) want_redis=1 ;;
    --fashion-mnist) want_fashion_mnist=1 ;;
    *) echo "setup-toolchain: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

step() { # step NAME COMMAND...: runs a step, prints its time, names it and its command if it fails
  local name=$1; shift
  local start=$SECONDS
  echo "setup: $name ..."
  if ! "$@"; then
    echo "setup: FAILED step '$name': $*" >&2
    exit 1
  fi
  echo "setup: $name done in $((SECONDS - start)) s"
}

apt_updated=0
apt_install() {
  # Waits for another apt/dpkg (a parallel setup, unattended upgrades) instead of failing on its lock.
  if [ "$apt_updated" = 0 ]; then apt-get -o DPkg::Lock::Timeout=600 update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

has_wasm_std() { # a toolchain that can link for wasm32
  [ -d "$(rustc --print sysroot 2>/dev/null)/lib/rustlib/wasm32-unknown-unknown/lib" ]
}

debian_wasm_toolchain() {
  # Fallback when rustup cannot download the target: Debian's rustc-web plus a wasm32 std built offline
  # from the vendored library source (recipe verified in the project's toolchain notes).
  apt_install rustc-web cargo-web rust-web-src lld-22
  local sysroot_lib=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  if ! ls "$sysroot_lib"/libtest-*.rlib >/dev/null 2>&1; then   # libtest too: the crate's tests also run inside wasm
    local tmp; tmp=$(mktemp -d)
    mkdir -p "$tmp/src" "$tmp/.cargo"
    printf '[package]\nname = "stdbuild"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n' > "$tmp/Cargo.toml"
    : > "$tmp/src/lib.rs"
    printf '[source.crates-io]\nreplace-with = "std-vendor"\n[source.std-vendor]\ndirectory = "/usr/lib/rustlib/src/rust/library/vendor"\n' > "$tmp/.cargo/config.toml"
    (cd "$tmp" && PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 \
      RUSTFLAGS="-C target-feature=+simd128 -C embed-bitcode=yes" \
      /usr/bin/cargo build --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort,panic_unwind,test --offline)
    mkdir -p "$sysroot_lib"
    find "$tmp/target/wasm32-unknown-unknown/release/deps" -name '*.rlib' ! -name 'libstdbuild*' -exec cp {} "$sysroot_lib/" \;
    rm -rf "$tmp"
  fi
  rustup toolchain link debian-web /usr
  echo "debian-web" > "$HOME/.optimlab-toolchain"
}

wasm_target() {
  if rustup target add wasm32-unknown-unknown; then
    rm -f "$HOME/.optimlab-toolchain"
  else
    echo "setup: rustup could not add wasm32-unknown-unknown; using Debian's rustc-web instead"
    debian_wasm_toolchain
  fi
}

if [ "${OPTIMLAB_TOOLCHAIN:-}" = debian ] && [ ! -f "$HOME/.optimlab-toolchain" ]; then
  step "Debian rustc-web toolchain with an offline-built wasm32 std" debian_wasm_toolchain
elif ! has_wasm_std && ! [ -f "$HOME/.optimlab-toolchain" ]; then
  step "rust wasm32 target" wasm_target
else
  echo "setup: rust wasm32 target present"
fi

if cargo clippy --version >/dev/null 2>&1; then
  echo "setup: clippy present"
else
  step "clippy (npm test lints the crate)" rustup component add clippy
fi

# The slow installs (two cargo builds of a few minutes each, chromium from apt) run side by side: each
# has serial stretches (build scripts, linking, downloads) that leave a core idle when run alone.
# The two tools are built at opt-level 1: 448 s instead of 522 s for both on the 2-core AMD EPYC (fresh CARGO_HOME,
# 2026-12-01), and wasm-bindgen binds optimlab's wasm as fast (0.26 vs 0.30 s); their speed is not the tests'.
tool_install() { CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install --force "$@"; }
background_pids=()
background_names=()
background() { # background NAME COMMAND...: like step, in the background, output kept in a log
  local name=$1; shift
  local log; log=$(mktemp "${TMPDIR:-/tmp}/optimlab-setup.XXXXXX")
  echo "setup: $name ... (in the background)"
  ( start=$SECONDS
    if "$@" >"$log" 2>&1; then echo "setup: $name done in $((SECONDS - start)) s"; rm -f "$log"
    else echo "setup: FAILED step '$name': $* — last lines of its log ($log):" >&2; tail -n 20 "$log" >&2; exit 1; fi ) &
  background_pids+=($!)
  background_names+=("$name")
}

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  background "wasm-bindgen-cli $WASM_BINDGEN_VERSION (cargo install, ~7 min beside wasm-pack)" \
    tool_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
else
  echo "setup: wasm-bindgen $WASM_BINDGEN_VERSION present"
fi

if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]; then
  background "wasm-pack $WASM_PACK_VERSION (cargo install, ~7 min beside wasm-bindgen-cli)" \
    tool_install wasm-pack --version "$WASM_PACK_VERSION"
else
  echo "setup: wasm-pack $WASM_PACK_VERSION present"
fi

if [ "$want_browser" = 1 ]; then
  if [ -x /usr/bin/chromium ]; then
    echo "setup: chromium present"
  else
    background "chromium (Debian package)" apt_install chromium
  fi
fi

if [ "$want_redis" = 1 ]; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "setup: redis-server present"
  else
    # Debian's postinst may start a system-wide service where policy-rc.d allows it; nothing here uses one.
    background "redis-server (Debian package)" apt_install redis-server
  fi
fi

if [ "$want_fashion_mnist" = 1 ]; then
  if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    echo "setup: dataset-fashion-mnist present"
  else
    background "dataset-fashion-mnist (Debian package)" apt_install dataset-fashion-mnist
  fi
fi

failed=0
for i in "${!background_pids[@]}"; do
  wait "${background_pids[$i]}" || { failed=1; echo "setup: '${background_names[$i]}' failed (see above)" >&2; }
done
exit "$failed"
