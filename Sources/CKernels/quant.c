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

// Quantizes one block with stored scale d (a half): q = round(v / d) + 8, clamped to 0..15, and
// returns the squared error of d * (q - 8) against v.
static float q4_0_block_with_scale(const float *v, uint16_t d_half, uint8_t q[CK_QK]) {
    const float d = ck_half_to_float(d_half);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    float error = 0.0f;
    for (int j = 0; j < CK_QK; j++) {
        const float shifted = v[j] * id + 8.5f;
        q[j] = (uint8_t)(shifted < 0.0f ? 0 : (shifted >= 15.0f ? 15 : (int)shifted));
        const float e = v[j] - d * (float)(q[j] - 8);
        error += e * e;
    }
    return error;
}

// Weights are quantized once, so Q4_0 has only the portable path. GGML's reference method maps
// the element of largest magnitude to -8 d (rounding half up, clamping to 15); here that scale is
// the first of 2 x 15 candidates (the largest element mapped to -8 d or to +7 d, each stretched
// by -0.28 .. +0.28 in steps of 0.04). For each candidate the quants are refitted: the d that
// minimises the squared error for those quants (sum v q / sum q^2), rounded to a half, then the
// block is quantized again with it. The candidate with the smallest squared error wins, so a
// block is never worse than GGML's, and a ggml reader dequantizes the result unchanged.
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
        uint8_t best[CK_QK], q[CK_QK];
        uint16_t best_d = ck_float_to_half(max / -8.0f);
        float best_error = q4_0_block_with_scale(v, best_d, best);
        for (int side = 0; side < 2 && max != 0.0f; side++) {
            for (int step = -7; step <= 7; step++) {
                const float levels = (side == 0 ? -8.0f : 7.0f) * (1.0f + 0.04f * (float)step);
                q4_0_block_with_scale(v, ck_float_to_half(max / levels), q);
                float vq = 0.0f, qq = 0.0f;
                for (int j = 0; j < CK_QK; j++) {
                    const float level = (float)(q[j] - 8);
                    vq += v[j] * level;
                    qq += level * level;
                }
                if (qq == 0.0f) continue;
                const uint16_t d = ck_float_to_half(vq / qq);
                const float error = q4_0_block_with_scale(v, d, q);
                if (error < best_error) {
                    best_error = error;
                    best_d = d;
                    memcpy(best, q, sizeof best);
                }
            }
        }
        y[b].d = best_d;
        for (int j = 0; j < CK_QK / 2; j++) y[b].qs[j] = (uint8_t)(best[j] | (best[j + CK_QK / 2] << 4));
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
