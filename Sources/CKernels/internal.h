#ifndef MLP_CKERNELS_INTERNAL_H
#define MLP_CKERNELS_INTERNAL_H
// Helpers shared by the kernel files; not part of the module's interface.

#include "ckernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#define CK_X86 1
#include <immintrin.h>
// Functions compiled for AVX2 + FMA + F16C; called only when ck_kernel_path() is CK_PATH_AVX2.
#define CK_AVX2 __attribute__((target("avx2,fma,f16c")))
#else
#define CK_X86 0
#endif

static inline uint32_t ck_float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float ck_bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

// Half <-> float without hardware support (M. Dukhan's FP16 library method; exact, round to
// nearest even). Relies on IEEE float arithmetic: never build this file with -ffast-math.
static inline float ck_half_to_float(uint16_t h) {
    const uint32_t w = (uint32_t)h << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t two_w = w + w;
    const float normalized = ck_bits_float((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
    const float denormalized = ck_bits_float((two_w >> 17) | (126u << 23)) - 0.5f;
    const uint32_t result = sign | (two_w < (1u << 27) ? ck_float_bits(denormalized) : ck_float_bits(normalized));
    return ck_bits_float(result);
}

static inline uint16_t ck_float_to_half(float f) {
    float base = (__builtin_fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f;
    const uint32_t w = ck_float_bits(f);
    const uint32_t shl1_w = w + w;
    const uint32_t sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = ck_bits_float((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = ck_float_bits(base);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
    const uint32_t mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

static inline int ck_use_avx2(void) { return ck_kernel_path() == CK_PATH_AVX2; }

#if CK_X86
CK_AVX2 static inline float ck_hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v);
    const __m128 hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    __m128 shuf = _mm_movehdup_ps(lo);
    __m128 sums = _mm_add_ps(lo, shuf);
    shuf = _mm_movehl_ps(shuf, sums);
    sums = _mm_add_ss(sums, shuf);
    return _mm_cvtss_f32(sums);
}
#endif

#endif
