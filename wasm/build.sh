#!/usr/bin/env bash
# Builds the three Argon2id kernels from wasm/argon2id.c: argon2id-simd.wasm
# (WebAssembly SIMD), argon2id-scalar.wasm, and argon2id-threads.wasm (SIMD
# over a shared memory, for lanes on threads: atomics, and the stack pointer
# exported so each thread sets its own stack). Needs clang and wasm-ld with
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
# A shared memory must declare its maximum: 2 GiB (the KSF ceiling) plus
# 64 MiB for the control page, 16 stacks and scratch blocks (33 792 pages).
build -msimd128 -matomics -mbulk-memory -mmutable-globals \
  -Wl,--shared-memory -Wl,--max-memory=2214592512 -Wl,--export=__stack_pointer \
  -o "$out/argon2id-threads.wasm"
