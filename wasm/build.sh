#!/usr/bin/env bash
# Builds the two Argon2id kernels from wasm/argon2id.c: argon2id-simd.wasm
# (WebAssembly SIMD) and argon2id-scalar.wasm. Needs clang and wasm-ld with
# the wasm32 target: Debian's clang-14 and lld-14 (apt-get install clang-14 lld-14),
# the toolchain the committed files were built with. The committed
# .wasm files are what ships (inlined by scripts/gen-argon2id-wasm.ts);
# test/crypto/argon2id-routes.test.ts rebuilds them when clang is present and
# checks the bytes are the same.
#
# Usage: wasm/build.sh [output folder, default wasm/]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
CLANG="${CLANG:-clang-14}"
export PATH="$PATH:/usr/lib/llvm-14/bin"
build() {
  "$CLANG" --target=wasm32 -O3 "$@" -nostdlib -fno-builtin -ffreestanding -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--import-memory -Wl,--stack-first -Wl,-z,stack-size=65536 -Wl,--strip-all \
    "$here/argon2id.c"
}
build -msimd128 -o "$out/argon2id-simd.wasm"
build -o "$out/argon2id-scalar.wasm"
