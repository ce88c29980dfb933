#!/usr/bin/env bash
# Builds a statically linked `kinora` for x86_64 Linux into target/static/kinora and checks that
# it really is static (file, ldd). glibc is linked statically (`+crt-static`): no musl toolchain
# is needed. See docs/OPERATIONS.md for aarch64 (Raspberry Pi).
#
#   packaging/build-static.sh            # x86_64-unknown-linux-gnu
#   TARGET=aarch64-unknown-linux-gnu packaging/build-static.sh   # with the cross linker installed
#   FEATURES= packaging/build-static.sh   # pure Rust, without the codecs' SIMD assembly
#   PROFILE=static-check FEATURES= packaging/build-static.sh
#       # the same linking with unoptimised code: what tests/packaging_static.rs checks in CI
#
# By default the codecs' SIMD assembly is built in (the `asm` feature, about 3x less CPU per AV1
# encode); on x86_64 it needs nasm (`apt-get install nasm`), on aarch64 only the cross compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${TARGET:-x86_64-unknown-linux-gnu}"
OUT=target/static
export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static"
if [ "$TARGET" = "aarch64-unknown-linux-gnu" ] && [ -z "${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-}" ]; then
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
fi

# An explicit --target keeps RUSTFLAGS away from build scripts and proc macros, which must stay
# dynamic executables for the build host.
FEATURES="${FEATURES-asm}"
PROFILE="${PROFILE:-release}"
if [ -n "$FEATURES" ] && [ "${TARGET%%-*}" = "x86_64" ] && ! command -v nasm >/dev/null; then
    echo "error: the asm feature needs nasm on x86_64 (apt-get install nasm), or build" \
        "without it: FEATURES= $0" >&2
    exit 1
fi
cargo build --profile "$PROFILE" --locked --target "$TARGET" --bin kinora --features "$FEATURES"
mkdir -p "$OUT"
cp "target/$TARGET/$PROFILE/kinora" "$OUT/kinora"

echo "== file"
file "$OUT/kinora"
if ! file "$OUT/kinora" | grep -Eq 'statically linked|static-pie linked'; then
    echo "error: $OUT/kinora is not statically linked" >&2
    exit 1
fi
echo "== ldd"
# ldd exits non-zero on a static binary; its message is the proof we want.
ldd_out=$(ldd "$OUT/kinora" 2>&1 || true)
echo "$ldd_out"
if ! echo "$ldd_out" | grep -Eq 'not a dynamic executable|statically linked'; then
    echo "error: ldd lists shared libraries" >&2
    exit 1
fi
if [ "$TARGET" = "x86_64-unknown-linux-gnu" ] && [ "$(uname -m)" = "x86_64" ]; then
    "$OUT/kinora" --version
fi
echo "== size: $(stat -c %s "$OUT/kinora") bytes ($(du -h "$OUT/kinora" | cut -f1))"
