#include "internal.h"

float ck_fp16_to_fp32(uint16_t h) { return ck_half_to_float(h); }
uint16_t ck_fp32_to_fp16(float f) { return ck_float_to_half(f); }

float ck_bf16_to_fp32(uint16_t h) { return ck_bits_float((uint32_t)h << 16); }

uint16_t ck_fp32_to_bf16(float f) {
    const uint32_t u = ck_float_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40u); // quiet NaN
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

#if CK_X86
CK_AVX2 static void fp16_to_fp32_row_f16c(const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))));
    for (; i < n; i++) y[i] = _cvtsh_ss(x[i]);
}

CK_AVX2 static void fp32_to_fp16_row_f16c(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}
#endif

void ck_fp16_to_fp32_row(const uint16_t *x, float *y, int64_t n) {
#if CK_X86
    if (ck_use_avx2()) {
        fp16_to_fp32_row_f16c(x, y, n);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++) y[i] = ck_half_to_float(x[i]);
}

void ck_fp32_to_fp16_row(const float *x, uint16_t *y, int64_t n) {
#if CK_X86
    if (ck_use_avx2()) {
        fp32_to_fp16_row_f16c(x, y, n);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++) y[i] = ck_float_to_half(x[i]);
}

void ck_bf16_to_fp32_row(const uint16_t *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = ck_bf16_to_fp32(x[i]);
}

void ck_fp32_to_bf16_row(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = ck_fp32_to_bf16(x[i]);
}
