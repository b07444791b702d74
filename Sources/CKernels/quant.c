#include "internal.h"
#include <math.h>

// Both paths compute the scale the same way and round to nearest even, so they produce the
// same bytes. The inverse scale comes from the stored (half-rounded) d, so that every element
// is within d / 2 of d * q.

static inline float inverse_scale(float amax, float levels, uint16_t *stored) {
    const float d = amax / levels;
    *stored = ck_float_to_half(d);
    const float rounded = ck_half_to_float(*stored);
    return rounded != 0.0f ? 1.0f / rounded : 0.0f;
}

static void quantize_row_q8_0_scalar(const float *x, ck_block_q8_0 *y, int64_t blocks) {
    for (int64_t b = 0; b < blocks; b++) {
        const float *v = x + b * CK_QK;
        float amax = 0.0f;
        for (int j = 0; j < CK_QK; j++) amax = fmaxf(amax, fabsf(v[j]));
        const float id = inverse_scale(amax, 127.0f, &y[b].d);
        for (int j = 0; j < CK_QK; j++) {
            float q = nearbyintf(v[j] * id);
            q = q > 127.0f ? 127.0f : (q < -127.0f ? -127.0f : q);
            y[b].qs[j] = (int8_t)q;
        }
    }
}

#if CK_X86
#define ROUND_NEAREST (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

CK_AVX2 static void quantize_row_q8_0_avx2(const float *x, ck_block_q8_0 *y, int64_t blocks) {
    const __m256 sign_bit = _mm256_set1_ps(-0.0f);
    const __m256 limit = _mm256_set1_ps(127.0f);
    for (int64_t b = 0; b < blocks; b++) {
        const float *v = x + b * CK_QK;
        __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8);
        __m256 v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
        __m256 m = _mm256_andnot_ps(sign_bit, v0);
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign_bit, v1));
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign_bit, v2));
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign_bit, v3));
        __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        const __m256 id = _mm256_set1_ps(inverse_scale(amax, 127.0f, &y[b].d));
        v0 = _mm256_min_ps(limit, _mm256_max_ps(-limit, _mm256_round_ps(_mm256_mul_ps(v0, id), ROUND_NEAREST)));
        v1 = _mm256_min_ps(limit, _mm256_max_ps(-limit, _mm256_round_ps(_mm256_mul_ps(v1, id), ROUND_NEAREST)));
        v2 = _mm256_min_ps(limit, _mm256_max_ps(-limit, _mm256_round_ps(_mm256_mul_ps(v2, id), ROUND_NEAREST)));
        v3 = _mm256_min_ps(limit, _mm256_max_ps(-limit, _mm256_round_ps(_mm256_mul_ps(v3, id), ROUND_NEAREST)));
        __m256i i0 = _mm256_cvtps_epi32(v0), i1 = _mm256_cvtps_epi32(v1);
        __m256i i2 = _mm256_cvtps_epi32(v2), i3 = _mm256_cvtps_epi32(v3);
        // Pack 32-bit -> 16-bit -> 8-bit; the packs work per 128-bit lane, so fix the order after.
        i0 = _mm256_packs_epi32(i0, i1);
        i2 = _mm256_packs_epi32(i2, i3);
        i0 = _mm256_packs_epi16(i0, i2);
        i0 = _mm256_permutevar8x32_epi32(i0, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)y[b].qs, i0);
    }
}
#endif

void ck_quantize_row_q8_0(const float *x, ck_block_q8_0 *y, int64_t k) {
#if CK_X86
    if (ck_use_avx2()) {
        quantize_row_q8_0_avx2(x, y, k / CK_QK);
        return;
    }
#endif
    quantize_row_q8_0_scalar(x, y, k / CK_QK);
}

// The level (-8..7) GGML's Q4_0 rounding gives v with inverse scale id: round half up, clamped.
static inline float q4_0_level(float v, float id) {
    return (float)(int)fminf(fmaxf(v * id + 8.5f, 0.0f), 15.5f) - 8.0f;
}

// The squared error of a block quantized with stored scale d (a half). Float-only and
// branch-free, so the compiler vectorizes it.
static float q4_0_block_error(const float *v, float d) {
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    float error = 0.0f;
    for (int j = 0; j < CK_QK; j++) {
        const float e = v[j] - d * q4_0_level(v[j], id);
        error += e * e;
    }
    return error;
}

// The scale that minimises the squared error for the levels scale d gives (sum v l / sum l^2),
// rounded to a half; d itself when every level is 0.
static uint16_t q4_0_refit(const float *v, uint16_t d_half) {
    const float d = ck_half_to_float(d_half);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    float vl = 0.0f, ll = 0.0f;
    for (int j = 0; j < CK_QK; j++) {
        const float level = q4_0_level(v[j], id);
        vl += v[j] * level;
        ll += level * level;
    }
    return ll > 0.0f ? ck_float_to_half(vl / ll) : d_half;
}

#if CK_X86
// The two loops above, 8 lanes at a time (the scale search runs them 29 times per block). Same
// rounding, different summation order: the chosen scale can differ from the portable path's
// in a near tie, never by more than that.
CK_AVX2 static inline __m256 q4_0_levels_avx2(__m256 v, __m256 id) {
    const __m256 shifted = _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(v, id, _mm256_set1_ps(8.5f)), _mm256_setzero_ps()), _mm256_set1_ps(15.5f));
    return _mm256_sub_ps(_mm256_round_ps(shifted, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), _mm256_set1_ps(8.0f));
}

CK_AVX2 static float q4_0_block_error_avx2(const float *v, float d) {
    const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f), dv = _mm256_set1_ps(d);
    __m256 error = _mm256_setzero_ps();
    for (int j = 0; j < CK_QK; j += 8) {
        const __m256 x = _mm256_loadu_ps(v + j);
        const __m256 e = _mm256_fnmadd_ps(dv, q4_0_levels_avx2(x, id), x);
        error = _mm256_fmadd_ps(e, e, error);
    }
    return ck_hsum256(error);
}

CK_AVX2 static uint16_t q4_0_refit_avx2(const float *v, uint16_t d_half) {
    const float d = ck_half_to_float(d_half);
    const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    __m256 vl = _mm256_setzero_ps(), ll = _mm256_setzero_ps();
    for (int j = 0; j < CK_QK; j += 8) {
        const __m256 x = _mm256_loadu_ps(v + j), level = q4_0_levels_avx2(x, id);
        vl = _mm256_fmadd_ps(x, level, vl);
        ll = _mm256_fmadd_ps(level, level, ll);
    }
    const float sum_ll = ck_hsum256(ll);
    return sum_ll > 0.0f ? ck_float_to_half(ck_hsum256(vl) / sum_ll) : d_half;
}
#endif

static float block_error(const float *v, float d) {
#if CK_X86
    if (ck_use_avx2()) return q4_0_block_error_avx2(v, d);
#endif
    return q4_0_block_error(v, d);
}

static uint16_t refit(const float *v, uint16_t d_half) {
#if CK_X86
    if (ck_use_avx2()) return q4_0_refit_avx2(v, d_half);
#endif
    return q4_0_refit(v, d_half);
}

// GGML's reference method maps
// the element of largest magnitude to -8 d (rounding half up, clamping to 15); here that scale is
// the first of 1 + 2 x 7 candidates (the largest element mapped to -8 d or to +7 d, each
// stretched by -0.15 .. +0.15 in steps of 0.05, then refitted: the d that minimises the squared
// error for the levels it gives, sum v l / sum l^2, rounded to a half). The candidate with the
// smallest squared error wins, so a block is never worse than GGML's, and a ggml reader
// dequantizes the result unchanged.
void ck_quantize_row_q4_0(const float *x, ck_block_q4_0 *y, int64_t k) {
    const int64_t blocks = k / CK_QK;
    for (int64_t b = 0; b < blocks; b++) {
        const float *v = x + b * CK_QK;
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < CK_QK; j++) {
            if (amax < fabsf(v[j])) {
                amax = fabsf(v[j]);
                max = v[j];
            }
        }
        uint16_t best_d = ck_float_to_half(max / -8.0f);
        float best_error = block_error(v, ck_half_to_float(best_d));
        for (int side = 0; side < 2 && max != 0.0f; side++) {
            for (int step = -3; step <= 3; step++) {
                const float levels = (side == 0 ? -8.0f : 7.0f) * (1.0f + 0.05f * (float)step);
                const uint16_t d = refit(v, ck_float_to_half(max / levels));
                const float error = block_error(v, ck_half_to_float(d));
                if (error < best_error) {
                    best_error = error;
                    best_d = d;
                }
            }
        }
        const float d = ck_half_to_float(best_d);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = best_d;
        for (int j = 0; j < CK_QK / 2; j++) {
            const int lo = (int)q4_0_level(v[j], id) + 8, hi = (int)q4_0_level(v[j + CK_QK / 2], id) + 8;
            y[b].qs[j] = (uint8_t)(lo | (hi << 4));
        }
    }
}

void ck_dequantize_row_q8_0(const ck_block_q8_0 *x, float *y, int64_t k) {
    const int64_t blocks = k / CK_QK;
    for (int64_t b = 0; b < blocks; b++) {
        const float d = ck_half_to_float(x[b].d);
        for (int j = 0; j < CK_QK; j++) y[b * CK_QK + j] = d * (float)x[b].qs[j];
    }
}

void ck_dequantize_row_q4_0(const ck_block_q4_0 *x, float *y, int64_t k) {
    const int64_t blocks = k / CK_QK;
    for (int64_t b = 0; b < blocks; b++) {
        const float d = ck_half_to_float(x[b].d);
        for (int j = 0; j < CK_QK / 2; j++) {
            y[b * CK_QK + j] = d * (float)((x[b].qs[j] & 0x0F) - 8);
            y[b * CK_QK + j + CK_QK / 2] = d * (float)((x[b].qs[j] >> 4) - 8);
        }
    }
}

static float dot_q8_0_q8_0_scalar(int64_t blocks, const ck_block_q8_0 *x, const ck_block_q8_0 *y) {
    float sum = 0.0f;
    for (int64_t b = 0; b < blocks; b++) {
        int32_t sumi = 0;
        for (int j = 0; j < CK_QK; j++) sumi += (int32_t)x[b].qs[j] * (int32_t)y[b].qs[j];
        sum += (float)sumi * (ck_half_to_float(x[b].d) * ck_half_to_float(y[b].d));
    }
    return sum;
}

static float dot_q4_0_q8_0_scalar(int64_t blocks, const ck_block_q4_0 *x, const ck_block_q8_0 *y) {
    float sum = 0.0f;
    for (int64_t b = 0; b < blocks; b++) {
        int32_t sumi = 0;
        for (int j = 0; j < CK_QK / 2; j++) {
            sumi += ((x[b].qs[j] & 0x0F) - 8) * (int32_t)y[b].qs[j];
            sumi += ((x[b].qs[j] >> 4) - 8) * (int32_t)y[b].qs[j + CK_QK / 2];
        }
        sum += (float)sumi * (ck_half_to_float(x[b].d) * ck_half_to_float(y[b].d));
    }
    return sum;
}

#if CK_X86
// Sums of products of 32 signed bytes, as 8 floats (GGML's trick: maddubs needs an unsigned
// operand, so take |x| and move x's sign onto y; Q8_0 never holds -128, so nothing saturates).
CK_AVX2 static inline __m256 products_i8(__m256i x, __m256i y) {
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    const __m256i pairs = _mm256_maddubs_epi16(ax, sy);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

// 32 nibbles of a Q4_0 block as bytes in [-8, 7], in element order.
CK_AVX2 static inline __m256i unpack_q4_0(const uint8_t *qs) {
    const __m128i packed = _mm_loadu_si128((const __m128i *)qs);
    const __m256i both = _mm256_insertf128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1);
    return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
}

CK_AVX2 static float dot_q8_0_q8_0_avx2(int64_t blocks, const ck_block_q8_0 *x, const ck_block_q8_0 *y) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < blocks; b++) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d) * _cvtsh_ss(y[b].d));
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d, products_i8(qx, qy), acc);
    }
    return ck_hsum256(acc);
}

CK_AVX2 static float dot_q4_0_q8_0_avx2(int64_t blocks, const ck_block_q4_0 *x, const ck_block_q8_0 *y) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < blocks; b++) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d) * _cvtsh_ss(y[b].d));
        const __m256i qx = unpack_q4_0(x[b].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d, products_i8(qx, qy), acc);
    }
    return ck_hsum256(acc);
}
#endif

float ck_vec_dot_q8_0_q8_0(int64_t k, const ck_block_q8_0 *x, const ck_block_q8_0 *y) {
#if CK_X86
    if (ck_use_avx2()) return dot_q8_0_q8_0_avx2(k / CK_QK, x, y);
#endif
    return dot_q8_0_q8_0_scalar(k / CK_QK, x, y);
}

float ck_vec_dot_q4_0_q8_0(int64_t k, const ck_block_q4_0 *x, const ck_block_q8_0 *y) {
#if CK_X86
    if (ck_use_avx2()) return dot_q4_0_q8_0_avx2(k / CK_QK, x, y);
#endif
    return dot_q4_0_q8_0_scalar(k / CK_QK, x, y);
}
