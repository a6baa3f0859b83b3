/*
 * Argon2id (RFC 9106) segment filling for WebAssembly, built three times:
 * with 128-bit SIMD (-msimd128), without, for engines that lack it, and with
 * SIMD over a shared memory, so that the lanes of one slice fill on threads
 * (src/crypto/argon2id-threads.ts). The source is the same: a segment only
 * reads blocks of finished slices and writes its own, so no atomics are
 * needed here; the threads meet at a barrier between slices.
 *
 * The block function and the segment loop follow the Argon2 reference
 * implementation's optimised code (phc-winner-argon2, src/opt.c and
 * src/core.c, by Daniel Dinu, Dmitry Khovratovich, Jean-Philippe Aumasson and
 * Samuel Neves, CC0 1.0 or Apache 2.0), with its SSSE3 intrinsics written as
 * WebAssembly SIMD ones. The whole segment runs here, so JavaScript makes one
 * call per segment (16 per pass at p = 4), not one per block.
 *
 * Build: wasm/build.sh (clang with the wasm32 target and wasm-ld); the
 * result is inlined by scripts/gen-argon2id-wasm.ts.
 *
 * Memory: imported; the shadow stack is the first 64 KiB (stack-first), and
 * the caller's blocks live above it. No data segment, no libc. The threads
 * build exports __stack_pointer: every instance over the shared memory
 * starts with the same one, so each thread moves its own to a stack of its
 * own before its first call.
 */
#include <stdint.h>

#define OWORDS 64 /* 16-byte words in a 1024-byte block */
#define QWORDS 128
#define SYNC_POINTS 4
#define ARGON2ID 2

typedef struct { uint64_t v[QWORDS]; } block;

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

/* The previous block, kept in registers or the stack between blocks. */
typedef v128_t state_t[OWORDS];

static inline v128_t fblamka(v128_t x, v128_t y) {
  /* x + y + 2 * lo32(x) * lo32(y), per 64-bit lane */
  v128_t z = wasm_u64x2_extmul_low_u32x4(wasm_i32x4_shuffle(x, x, 0, 2, 0, 2), wasm_i32x4_shuffle(y, y, 0, 2, 0, 2));
  return wasm_i64x2_add(wasm_i64x2_add(x, y), wasm_i64x2_add(z, z));
}

#define ROTR32(x) wasm_i32x4_shuffle((x), (x), 1, 0, 3, 2)
#define ROTR24(x) wasm_i8x16_shuffle((x), (x), 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10)
#define ROTR16(x) wasm_i8x16_shuffle((x), (x), 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9)
#define ROTR63(x) wasm_v128_xor(wasm_u64x2_shr((x), 63), wasm_i64x2_add((x), (x)))
/* _mm_alignr_epi8(hi, lo, 8): the high half of lo, then the low half of hi */
#define ALIGNR(hi, lo) wasm_i8x16_shuffle((lo), (hi), 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23)

#define G1(A0, B0, C0, D0, A1, B1, C1, D1) \
  do {                                     \
    A0 = fblamka(A0, B0);                  \
    A1 = fblamka(A1, B1);                  \
    D0 = wasm_v128_xor(D0, A0);            \
    D1 = wasm_v128_xor(D1, A1);            \
    D0 = ROTR32(D0);                       \
    D1 = ROTR32(D1);                       \
    C0 = fblamka(C0, D0);                  \
    C1 = fblamka(C1, D1);                  \
    B0 = wasm_v128_xor(B0, C0);            \
    B1 = wasm_v128_xor(B1, C1);            \
    B0 = ROTR24(B0);                       \
    B1 = ROTR24(B1);                       \
  } while (0)

#define G2(A0, B0, C0, D0, A1, B1, C1, D1) \
  do {                                     \
    A0 = fblamka(A0, B0);                  \
    A1 = fblamka(A1, B1);                  \
    D0 = wasm_v128_xor(D0, A0);            \
    D1 = wasm_v128_xor(D1, A1);            \
    D0 = ROTR16(D0);                       \
    D1 = ROTR16(D1);                       \
    C0 = fblamka(C0, D0);                  \
    C1 = fblamka(C1, D1);                  \
    B0 = wasm_v128_xor(B0, C0);            \
    B1 = wasm_v128_xor(B1, C1);            \
    B0 = ROTR63(B0);                       \
    B1 = ROTR63(B1);                       \
  } while (0)

#define DIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1) \
  do {                                              \
    v128_t t0 = ALIGNR(B1, B0);                     \
    v128_t t1 = ALIGNR(B0, B1);                     \
    B0 = t0;                                        \
    B1 = t1;                                        \
    t0 = C0;                                        \
    C0 = C1;                                        \
    C1 = t0;                                        \
    t0 = ALIGNR(D1, D0);                            \
    t1 = ALIGNR(D0, D1);                            \
    D0 = t1;                                        \
    D1 = t0;                                        \
  } while (0)

#define UNDIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1) \
  do {                                                \
    v128_t t0 = ALIGNR(B0, B1);                       \
    v128_t t1 = ALIGNR(B1, B0);                       \
    B0 = t0;                                          \
    B1 = t1;                                          \
    t0 = C0;                                          \
    C0 = C1;                                          \
    C1 = t0;                                          \
    t0 = ALIGNR(D0, D1);                              \
    t1 = ALIGNR(D1, D0);                              \
    D0 = t1;                                          \
    D1 = t0;                                          \
  } while (0)

#define BLAKE2_ROUND(A0, A1, B0, B1, C0, C1, D0, D1) \
  do {                                               \
    G1(A0, B0, C0, D0, A1, B1, C1, D1);              \
    G2(A0, B0, C0, D0, A1, B1, C1, D1);              \
    DIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1);     \
    G1(A0, B0, C0, D0, A1, B1, C1, D1);              \
    G2(A0, B0, C0, D0, A1, B1, C1, D1);              \
    UNDIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1);   \
  } while (0)

/* next = G(state, ref) (XORed into next when with_xor); state becomes the new block. RFC 9106 §3.5. */
static void fill_block(v128_t *state, const block *ref, block *next, int with_xor) {
  v128_t xy[OWORDS];
  const v128_t *r = (const v128_t *)ref->v;
  v128_t *n = (v128_t *)next->v;
  if (with_xor) {
    for (int i = 0; i < OWORDS; i++) {
      state[i] = wasm_v128_xor(state[i], wasm_v128_load(r + i));
      xy[i] = wasm_v128_xor(state[i], wasm_v128_load(n + i));
    }
  } else {
    for (int i = 0; i < OWORDS; i++) xy[i] = state[i] = wasm_v128_xor(state[i], wasm_v128_load(r + i));
  }
  for (int i = 0; i < 8; i++) {
    BLAKE2_ROUND(state[8 * i + 0], state[8 * i + 1], state[8 * i + 2], state[8 * i + 3], state[8 * i + 4], state[8 * i + 5], state[8 * i + 6], state[8 * i + 7]);
  }
  for (int i = 0; i < 8; i++) {
    BLAKE2_ROUND(state[8 * 0 + i], state[8 * 1 + i], state[8 * 2 + i], state[8 * 3 + i], state[8 * 4 + i], state[8 * 5 + i], state[8 * 6 + i], state[8 * 7 + i]);
  }
  for (int i = 0; i < OWORDS; i++) {
    state[i] = wasm_v128_xor(state[i], xy[i]);
    wasm_v128_store(n + i, state[i]);
  }
}

static void load_state(v128_t *state, const block *b) {
  for (int i = 0; i < OWORDS; i++) state[i] = wasm_v128_load((const v128_t *)b->v + i);
}

#else /* scalar: the reference implementation's ref.c */

typedef uint64_t state_t[QWORDS];

static inline uint64_t fblamka(uint64_t x, uint64_t y) {
  const uint64_t m = 0xFFFFFFFFu;
  return x + y + 2 * ((x & m) * (y & m));
}

static inline uint64_t rotr64(uint64_t w, unsigned c) { return (w >> c) | (w << (64 - c)); }

#define GS(a, b, c, d)          \
  do {                          \
    a = fblamka(a, b);          \
    d = rotr64(d ^ a, 32);      \
    c = fblamka(c, d);          \
    b = rotr64(b ^ c, 24);      \
    a = fblamka(a, b);          \
    d = rotr64(d ^ a, 16);      \
    c = fblamka(c, d);          \
    b = rotr64(b ^ c, 63);      \
  } while (0)

#define ROUND(v, i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15) \
  do {                                                                                 \
    GS(v[i0], v[i4], v[i8], v[i12]);                                                  \
    GS(v[i1], v[i5], v[i9], v[i13]);                                                  \
    GS(v[i2], v[i6], v[i10], v[i14]);                                                 \
    GS(v[i3], v[i7], v[i11], v[i15]);                                                 \
    GS(v[i0], v[i5], v[i10], v[i15]);                                                 \
    GS(v[i1], v[i6], v[i11], v[i12]);                                                 \
    GS(v[i2], v[i7], v[i8], v[i13]);                                                  \
    GS(v[i3], v[i4], v[i9], v[i14]);                                                  \
  } while (0)

static void fill_block(uint64_t *state, const block *ref, block *next, int with_xor) {
  uint64_t xy[QWORDS];
  for (int i = 0; i < QWORDS; i++) state[i] ^= ref->v[i];
  for (int i = 0; i < QWORDS; i++) xy[i] = with_xor ? state[i] ^ next->v[i] : state[i];
  for (int i = 0; i < 8; i++) {
    int r = 16 * i;
    ROUND(state, r, r + 1, r + 2, r + 3, r + 4, r + 5, r + 6, r + 7, r + 8, r + 9, r + 10, r + 11, r + 12, r + 13, r + 14, r + 15);
  }
  for (int i = 0; i < 8; i++) {
    int c = 2 * i;
    ROUND(state, c, c + 1, c + 16, c + 17, c + 32, c + 33, c + 48, c + 49, c + 64, c + 65, c + 80, c + 81, c + 96, c + 97, c + 112, c + 113);
  }
  for (int i = 0; i < QWORDS; i++) {
    state[i] ^= xy[i];
    next->v[i] = state[i];
  }
}

static void load_state(uint64_t *state, const block *b) {
  for (int i = 0; i < QWORDS; i++) state[i] = b->v[i];
}

#endif

/* The next block of pseudo-random indexes: G(0, G(0, input)) after incrementing the counter (§3.4.1.2). */
static void next_addresses(block *address, block *input, const block *zero) {
  state_t state;
  input->v[6]++;
  load_state(state, zero);
  fill_block(state, input, address, 0);
  load_state(state, zero);
  fill_block(state, address, address, 0);
}

/* The reference block's index in its lane (§3.4.2). */
static uint32_t index_alpha(uint32_t lane_length, uint32_t segment_length, uint32_t pass, uint32_t slice, uint32_t index, uint32_t pseudo_rand, int same_lane) {
  uint32_t area;
  if (pass == 0) {
    if (slice == 0) area = index - 1;
    else if (same_lane) area = slice * segment_length + index - 1;
    else area = slice * segment_length + (index == 0 ? (uint32_t)-1 : 0);
  } else {
    if (same_lane) area = lane_length - segment_length + index - 1;
    else area = lane_length - segment_length + (index == 0 ? (uint32_t)-1 : 0);
  }
  uint64_t x = (uint64_t)pseudo_rand * pseudo_rand >> 32;
  uint64_t relative = area - 1 - ((uint64_t)area * x >> 32);
  uint32_t start = 0;
  if (pass != 0) start = slice == SYNC_POINTS - 1 ? 0 : (slice + 1) * segment_length;
  return (uint32_t)((start + relative) % lane_length);
}

/*
 * Fills one segment (lane `lane`, slice `slice` of pass `pass`) of the
 * Argon2id memory at `memory` (lanes × lane_length blocks). `address`,
 * `input` and the block after `input` (all zero) are scratch blocks for
 * the data-independent indexes.
 */
__attribute__((export_name("fill_segment"))) void fill_segment(block *memory, uint32_t lanes, uint32_t lane_length, uint32_t passes,
                                                               uint32_t pass, uint32_t slice, uint32_t lane, block *address, block *input) {
  uint32_t segment_length = lane_length / SYNC_POINTS;
  int independent = pass == 0 && slice < SYNC_POINTS / 2;
  state_t state;
  block *zero = input + 1;
  if (independent) {
    for (int i = 0; i < QWORDS; i++) input->v[i] = 0;
    input->v[0] = pass;
    input->v[1] = lane;
    input->v[2] = slice;
    input->v[3] = (uint64_t)lanes * lane_length;
    input->v[4] = passes;
    input->v[5] = ARGON2ID;
  }
  uint32_t start = 0;
  if (pass == 0 && slice == 0) {
    start = 2;
    if (independent) next_addresses(address, input, zero);
  }
  uint32_t curr = lane * lane_length + slice * segment_length + start;
  uint32_t prev = curr % lane_length == 0 ? curr + lane_length - 1 : curr - 1;
  load_state(state, &memory[prev]);
  for (uint32_t i = start; i < segment_length; i++, curr++, prev++) {
    if (curr % lane_length == 1) prev = curr - 1;
    uint64_t pseudo_rand;
    if (independent) {
      if (i % QWORDS == 0) next_addresses(address, input, zero);
      pseudo_rand = address->v[i % QWORDS];
    } else {
      pseudo_rand = memory[prev].v[0];
    }
    uint32_t ref_lane = pass == 0 && slice == 0 ? lane : (uint32_t)((pseudo_rand >> 32) % lanes);
    uint32_t ref_index = index_alpha(lane_length, segment_length, pass, slice, i, (uint32_t)pseudo_rand, ref_lane == lane);
    fill_block(state, &memory[(uint64_t)lane_length * ref_lane + ref_index], &memory[curr], pass != 0);
  }
}

#ifdef __wasm_atomics__
/*
 * Zeroes n bytes at p with memory.fill (the threads build only): a
 * JavaScript fill of a shared buffer took 15 ms for 64 MiB on our machine,
 * memory.fill about 1 ms. Uses no stack.
 */
__attribute__((export_name("wipe"))) void wipe(uint8_t *p, uint32_t n) { __builtin_memset(p, 0, n); }
#endif
