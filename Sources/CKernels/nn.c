#include "internal.h"
#include <math.h>
#include <stdlib.h>

// MARK: - Portable paths

static float dot_scalar(const float *a, const float *b, int64_t n) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void axpy_scalar(float alpha, const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

static void layer_norm_row_scalar(float *x, int64_t n, const float *gamma, const float *beta, float eps) {
    float sum = 0.0f;
    for (int64_t j = 0; j < n; j++) sum += x[j];
    const float mean = sum / (float)n;
    float sq = 0.0f;
    for (int64_t j = 0; j < n; j++) sq += (x[j] - mean) * (x[j] - mean);
    const float inv = 1.0f / sqrtf(sq / (float)n + eps);
    for (int64_t j = 0; j < n; j++) x[j] = (x[j] - mean) * inv * gamma[j] + beta[j];
}

// MARK: - AVX2 paths

#if CK_X86
CK_AVX2 static float dot_avx2(const float *a, const float *b, int64_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    float s = ck_hsum256(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

CK_AVX2 static void axpy_avx2(float alpha, const float *x, float *y, int64_t n) {
    const __m256 a = _mm256_set1_ps(alpha);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += alpha * x[i];
}

CK_AVX2 static void add_bias_residual_row_avx2(float *x, int64_t n, const float *bias, const float *residual) {
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 v = _mm256_loadu_ps(x + j);
        if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
        if (residual) v = _mm256_add_ps(v, _mm256_loadu_ps(residual + j));
        _mm256_storeu_ps(x + j, v);
    }
    for (; j < n; j++) x[j] += (bias ? bias[j] : 0.0f) + (residual ? residual[j] : 0.0f);
}

CK_AVX2 static void layer_norm_row_avx2(float *x, int64_t n, const float *gamma, const float *beta, float eps) {
    int64_t j = 0;
    __m256 acc = _mm256_setzero_ps();
    for (; j + 8 <= n; j += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + j));
    float sum = ck_hsum256(acc);
    for (; j < n; j++) sum += x[j];
    const float mean = sum / (float)n;
    const __m256 vmean = _mm256_set1_ps(mean);
    acc = _mm256_setzero_ps();
    for (j = 0; j + 8 <= n; j += 8) {
        const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + j), vmean);
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    float sq = ck_hsum256(acc);
    for (; j < n; j++) sq += (x[j] - mean) * (x[j] - mean);
    const float inv = 1.0f / sqrtf(sq / (float)n + eps);
    const __m256 vinv = _mm256_set1_ps(inv);
    for (j = 0; j + 8 <= n; j += 8) {
        const __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), vmean), vinv);
        _mm256_storeu_ps(x + j, _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
    }
    for (; j < n; j++) x[j] = (x[j] - mean) * inv * gamma[j] + beta[j];
}
#endif

static float dot(const float *a, const float *b, int64_t n) {
#if CK_X86
    if (ck_use_avx2()) return dot_avx2(a, b, n);
#endif
    return dot_scalar(a, b, n);
}

static void axpy(float alpha, const float *x, float *y, int64_t n) {
#if CK_X86
    if (ck_use_avx2()) {
        axpy_avx2(alpha, x, y, n);
        return;
    }
#endif
    axpy_scalar(alpha, x, y, n);
}

// MARK: - Public kernels

void ck_add_bias(float *x, int64_t rows, int64_t n, const float *bias) {
    ck_add_bias_residual(x, rows, n, bias, NULL);
}

void ck_add_bias_residual(float *x, int64_t rows, int64_t n, const float *bias, const float *residual) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        const float *res = residual ? residual + r * n : NULL;
#if CK_X86
        if (ck_use_avx2()) {
            add_bias_residual_row_avx2(row, n, bias, res);
            continue;
        }
#endif
        for (int64_t j = 0; j < n; j++) row[j] += (bias ? bias[j] : 0.0f) + (res ? res[j] : 0.0f);
    }
}

void ck_fill_bias_residual(float *out, int64_t rows, int64_t n, int64_t ld, const float *bias, const float *residual) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = out + r * ld;
        const float *res = residual ? residual + r * ld : NULL;
        if (bias && res) {
            for (int64_t j = 0; j < n; j++) row[j] = bias[j] + res[j];
        } else if (bias) {
            memcpy(row, bias, (size_t)n * sizeof(float));
        } else if (res) {
            memcpy(row, res, (size_t)n * sizeof(float));
        } else {
            memset(row, 0, (size_t)n * sizeof(float));
        }
    }
}

static inline float gelu(float v) { return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }

#if CK_X86
// erf on 8 lanes: x P(x^2) / Q(x^2) on x clamped to [-4, 4] (erf(4) rounds to 1 in float), the
// rational approximation Eigen and XLA use for float erf (coefficients from there). Measured on
// 2M points over [-10, 10], GELU's 1 + erf is within 5.2e-7 of erf in double (libm's erff: 2.1e-7
// by the same measure), a few float ulps of 1; NeuralKernelTests checks GELU to 1e-6. libm's
// erff costs a scalar call per element, which was a sixth of the forward pass's CPU time.
CK_AVX2 static inline __m256 erf_avx2(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
    const __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-2.72614225801306e-10f);
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(2.77068142495902e-08f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-2.10102402082508e-06f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-5.69250639462346e-05f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-7.34990630326855e-04f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-2.95459980854025e-03f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-1.60960333262415e-02f));
    __m256 q = _mm256_set1_ps(-1.45660718464996e-05f);
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-2.13374055278905e-04f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.68282697438203e-03f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-7.37332916720468e-03f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.42647390514189e-02f));
    return _mm256_div_ps(_mm256_mul_ps(x, p), q);
}

CK_AVX2 static inline __m256 gelu_avx2(__m256 v) {
    const __m256 e = erf_avx2(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

// x[j] = gelu(x[j] + bias[j]) for j < n (bias may be NULL); the tail goes through an 8-float
// buffer so that every element takes the same formula.
CK_AVX2 static void add_bias_gelu_avx2(float *x, int64_t n, const float *bias) {
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 v = _mm256_loadu_ps(x + j);
        if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
        _mm256_storeu_ps(x + j, gelu_avx2(v));
    }
    if (j < n) {
        float tail[8] = {0};
        for (int64_t t = j; t < n; t++) tail[t - j] = x[t] + (bias ? bias[t] : 0.0f);
        _mm256_storeu_ps(tail, gelu_avx2(_mm256_loadu_ps(tail)));
        for (int64_t t = j; t < n; t++) x[t] = tail[t - j];
    }
}
#endif

void ck_gelu(float *x, int64_t count) {
#if CK_X86
    if (ck_use_avx2()) {
        add_bias_gelu_avx2(x, count, NULL);
        return;
    }
#endif
    for (int64_t i = 0; i < count; i++) x[i] = gelu(x[i]);
}

void ck_add_bias_gelu(float *x, int64_t rows, int64_t n, const float *bias) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * n;
#if CK_X86
        if (ck_use_avx2()) {
            add_bias_gelu_avx2(row, n, bias);
            continue;
        }
#endif
        for (int64_t j = 0; j < n; j++) row[j] = gelu(row[j] + bias[j]);
    }
}

void ck_layer_norm(float *x, int64_t rows, int64_t n, const float *gamma, const float *beta, float eps) {
    if (n <= 0) return;
    for (int64_t r = 0; r < rows; r++) {
#if CK_X86
        if (ck_use_avx2()) {
            layer_norm_row_avx2(x + r * n, n, gamma, beta, eps);
            continue;
        }
#endif
        layer_norm_row_scalar(x + r * n, n, gamma, beta, eps);
    }
}

static void softmax_row(float *x, int64_t n, const uint8_t *keep) {
    float max = -INFINITY;
    for (int64_t j = 0; j < n; j++)
        if ((!keep || keep[j]) && x[j] > max) max = x[j];
    if (max == -INFINITY) { // every column masked (or -inf)
        for (int64_t j = 0; j < n; j++) x[j] = 0.0f;
        return;
    }
    float sum = 0.0f;
    for (int64_t j = 0; j < n; j++) {
        const float e = (!keep || keep[j]) ? expf(x[j] - max) : 0.0f;
        x[j] = e;
        sum += e;
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < n; j++) x[j] *= inv;
}

void ck_softmax_rows(float *x, int64_t rows, int64_t n, const uint8_t *keep) {
    for (int64_t r = 0; r < rows; r++) softmax_row(x + r * n, n, keep);
}

typedef struct {
    const float *q, *k, *v;
    float *out;
    int64_t ldq, ldk, ldv, ldo, seq, heads, head_dim;
    const uint8_t *keep;
    // Packed sequences: sequence b is rows [offsets[b], offsets[b + 1]); NULL for `seq` rows each.
    const int64_t *offsets;
    float scale;
} attention_job;

// One sequence of one head: its rows' first elements in q, k, v and out, its length, and its
// key mask (NULL: every key counts).
typedef struct {
    const float *q, *k, *v;
    float *out;
    int64_t seq;
    const uint8_t *keep;
} attention_span;

static attention_span attention_span_of(const attention_job *job, int64_t b, int64_t h) {
    const int64_t row = job->offsets ? job->offsets[b] : b * job->seq;
    const int64_t col = h * job->head_dim;
    return (attention_span){
        .q = job->q + row * job->ldq + col, .k = job->k + row * job->ldk + col,
        .v = job->v + row * job->ldv + col, .out = job->out + row * job->ldo + col,
        .seq = job->offsets ? job->offsets[b + 1] - row : job->seq,
        .keep = (job->keep && !job->offsets) ? job->keep + b * job->seq : NULL,
    };
}

static void attention_task_portable(const attention_job *job, const attention_span *span) {
    const int64_t seq = span->seq, hd = job->head_dim;
    const uint8_t *keep = span->keep;
    float stack_scores[512];
    float *scores = seq <= 512 ? stack_scores : malloc((size_t)seq * sizeof(float));
    if (!scores) abort(); // out of memory for seq floats: nothing sensible to return into
    for (int64_t i = 0; i < seq; i++) {
        const float *qi = span->q + i * job->ldq;
        for (int64_t j = 0; j < seq; j++) {
            scores[j] = (!keep || keep[j]) ? dot(qi, span->k + j * job->ldk, hd) * job->scale : 0.0f;
        }
        softmax_row(scores, seq, keep);
        float *oi = span->out + i * job->ldo;
        memset(oi, 0, (size_t)hd * sizeof(float));
        for (int64_t j = 0; j < seq; j++) {
            if (scores[j] != 0.0f) axpy(scores[j], span->v + j * job->ldv, oi, hd);
        }
    }
    if (scores != stack_scores) free(scores);
}

#if CK_X86
// exp on 8 lanes (Cephes' expf: x = n ln 2 + r, |r| <= ln 2 / 2, degree-5 polynomial for
// e^r - 1 - r, times 2^n); within ~2 float ulps of expf. Lanes under -87.3 (where expf goes
// subnormal) give 0, so a -inf lane gives exactly 0.
CK_AVX2 static inline __m256 exp_avx2(__m256 x) {
    const __m256 low = _mm256_set1_ps(-87.33654f);
    const __m256 underflow = _mm256_cmp_ps(x, low, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, low), _mm256_set1_ps(88.3762626647949f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // n is in [-126, 127] after the clamp, so 2^n is a normal float built from its exponent bits.
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

CK_AVX2 static inline float hmax256(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

// Transposes the 8x8 matrix held as 8 rows.
CK_AVX2 static inline void transpose8_avx2(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// One (sequence, head) with head_dim a multiple of 8. The head's keys are first copied
// transposed, kt[d][j] (j padded to a multiple of 16; 8x8 blocks transposed in registers), so
// that scores come from broadcast-FMAs with no horizontal sums, 4 query rows x 16 keys at a time;
// masked and padding keys get a -inf score, whose exp is exactly 0. The probabilities then weight
// the value rows, each output row held in registers 32 columns at a time.
CK_AVX2 static void attention_task_avx2(const attention_job *job, const attention_span *span, float *kt, float *scores) {
    const int64_t seq = span->seq, hd = job->head_dim, width = (seq + 15) / 16 * 16;
    const uint8_t *keep = span->keep;
    // 8 keys x 8 dimensions at a time, transposed in registers; keys past the end are zeros.
    for (int64_t j = 0; j < width; j += 8) {
        for (int64_t d = 0; d < hd; d += 8) {
            __m256 rows[8];
            for (int r = 0; r < 8; r++)
                rows[r] = j + r < seq ? _mm256_loadu_ps(span->k + (j + r) * job->ldk + d) : _mm256_setzero_ps();
            transpose8_avx2(rows);
            for (int r = 0; r < 8; r++) _mm256_storeu_ps(kt + (d + r) * width + j, rows[r]);
        }
    }
    const __m256 scale = _mm256_set1_ps(job->scale), minus_inf = _mm256_set1_ps(-INFINITY);
    // mask[j]: all bits set for a key that counts. The scores of 4 query rows come first.
    uint32_t *mask = (uint32_t *)(scores + 4 * width);
    for (int64_t j = 0; j < width; j++) mask[j] = (j < seq && (!keep || keep[j])) ? 0xFFFFFFFFu : 0u;
    for (int64_t i0 = 0; i0 < seq; i0 += 4) {
        // Scores of 4 query rows x 16 keys at a time: 8 independent FMA chains, each load of the
        // transposed keys shared by 4 rows. Past the last row, the last row is scored again.
        const int rows = seq - i0 < 4 ? (int)(seq - i0) : 4;
        const float *q0 = span->q + i0 * job->ldq;
        const float *q1 = span->q + (i0 + (rows > 1 ? 1 : 0)) * job->ldq;
        const float *q2 = span->q + (i0 + (rows > 2 ? 2 : rows - 1)) * job->ldq;
        const float *q3 = span->q + (i0 + rows - 1) * job->ldq;
        for (int64_t j = 0; j < width; j += 16) {
            __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            const float *col = kt + j;
            for (int64_t d = 0; d < hd; d++) {
                const __m256 k0 = _mm256_loadu_ps(col + d * width), k1 = _mm256_loadu_ps(col + d * width + 8);
                __m256 x;
                x = _mm256_broadcast_ss(q0 + d); a0 = _mm256_fmadd_ps(x, k0, a0); b0 = _mm256_fmadd_ps(x, k1, b0);
                x = _mm256_broadcast_ss(q1 + d); a1 = _mm256_fmadd_ps(x, k0, a1); b1 = _mm256_fmadd_ps(x, k1, b1);
                x = _mm256_broadcast_ss(q2 + d); a2 = _mm256_fmadd_ps(x, k0, a2); b2 = _mm256_fmadd_ps(x, k1, b2);
                x = _mm256_broadcast_ss(q3 + d); a3 = _mm256_fmadd_ps(x, k0, a3); b3 = _mm256_fmadd_ps(x, k1, b3);
            }
            const __m256 keep0 = _mm256_castsi256_ps(_mm256_loadu_si256((const __m256i *)(mask + j)));
            const __m256 keep1 = _mm256_castsi256_ps(_mm256_loadu_si256((const __m256i *)(mask + j + 8)));
            _mm256_storeu_ps(scores + j, _mm256_blendv_ps(minus_inf, _mm256_mul_ps(a0, scale), keep0));
            _mm256_storeu_ps(scores + j + 8, _mm256_blendv_ps(minus_inf, _mm256_mul_ps(b0, scale), keep1));
            _mm256_storeu_ps(scores + width + j, _mm256_blendv_ps(minus_inf, _mm256_mul_ps(a1, scale), keep0));
            _mm256_storeu_ps(scores + width + j + 8, _mm256_blendv_ps(minus_inf, _mm256_mul_ps(b1, scale), keep1));
            _mm256_storeu_ps(scores + 2 * width + j, _mm256_blendv_ps(minus_inf, _mm256_mul_ps(a2, scale), keep0));
            _mm256_storeu_ps(scores + 2 * width + j + 8, _mm256_blendv_ps(minus_inf, _mm256_mul_ps(b2, scale), keep1));
            _mm256_storeu_ps(scores + 3 * width + j, _mm256_blendv_ps(minus_inf, _mm256_mul_ps(a3, scale), keep0));
            _mm256_storeu_ps(scores + 3 * width + j + 8, _mm256_blendv_ps(minus_inf, _mm256_mul_ps(b3, scale), keep1));
        }
        for (int r = 0; r < rows; r++) {
            float *oi = span->out + (i0 + r) * job->ldo;
            float *row = scores + r * width;
            __m256 top = minus_inf;
            for (int64_t j = 0; j < width; j += 8) top = _mm256_max_ps(top, _mm256_loadu_ps(row + j));
            const float max = hmax256(top);
            if (max == -INFINITY) { // every key masked
                memset(oi, 0, (size_t)hd * sizeof(float));
                continue;
            }
            const __m256 vmax = _mm256_set1_ps(max);
            __m256 total = _mm256_setzero_ps();
            for (int64_t j = 0; j < width; j += 8) {
                const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(row + j), vmax));
                _mm256_storeu_ps(row + j, e);
                total = _mm256_add_ps(total, e);
            }
            const __m256 vinv = _mm256_set1_ps(1.0f / ck_hsum256(total));
            // Named accumulators, not an array indexed by a run-time count, so they stay in registers.
            int64_t c = 0;
            for (; c + 32 <= hd; c += 32) {
                __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
                for (int64_t j = 0; j < seq; j++) {
                    if (row[j] == 0.0f) continue; // a masked key: its value row may hold anything
                    const __m256 p = _mm256_set1_ps(row[j]);
                    const float *vj = span->v + j * job->ldv + c;
                    a0 = _mm256_fmadd_ps(p, _mm256_loadu_ps(vj), a0);
                    a1 = _mm256_fmadd_ps(p, _mm256_loadu_ps(vj + 8), a1);
                    a2 = _mm256_fmadd_ps(p, _mm256_loadu_ps(vj + 16), a2);
                    a3 = _mm256_fmadd_ps(p, _mm256_loadu_ps(vj + 24), a3);
                }
                _mm256_storeu_ps(oi + c, _mm256_mul_ps(a0, vinv));
                _mm256_storeu_ps(oi + c + 8, _mm256_mul_ps(a1, vinv));
                _mm256_storeu_ps(oi + c + 16, _mm256_mul_ps(a2, vinv));
                _mm256_storeu_ps(oi + c + 24, _mm256_mul_ps(a3, vinv));
            }
            for (; c < hd; c += 8) {
                __m256 a0 = _mm256_setzero_ps();
                for (int64_t j = 0; j < seq; j++) {
                    if (row[j] != 0.0f) a0 = _mm256_fmadd_ps(_mm256_set1_ps(row[j]), _mm256_loadu_ps(span->v + j * job->ldv + c), a0);
                }
                _mm256_storeu_ps(oi + c, _mm256_mul_ps(a0, vinv));
            }
        }
    }
}
#endif

static void attention_task(void *context, int64_t index) {
    const attention_job *job = context;
    const attention_span span = attention_span_of(job, index / job->heads, index % job->heads);
    if (span.seq <= 0) return;
#if CK_X86
    if (ck_use_avx2() && job->head_dim % 8 == 0) {
        const int64_t width = (span.seq + 15) / 16 * 16;
        // The transposed keys, then 4 query rows' scores and the key mask (width floats each).
        const size_t floats = (size_t)width * (size_t)(job->head_dim + 5);
        float stack[8192];
        float *buffer = floats <= 8192 ? stack : malloc(floats * sizeof(float));
        if (!buffer) abort(); // out of memory for one head's keys: nothing sensible to return into
        attention_task_avx2(job, &span, buffer, buffer + (size_t)width * (size_t)job->head_dim);
        if (buffer != stack) free(buffer);
        return;
    }
#endif
    attention_task_portable(job, &span);
}

void ck_attention(ck_pool *pool, const float *q, int64_t ldq, const float *k, int64_t ldk,
                  const float *v, int64_t ldv, float *out, int64_t ldo, int64_t batch, int64_t seq,
                  int64_t heads, int64_t head_dim, const uint8_t *keep) {
    if (batch <= 0 || seq <= 0 || heads <= 0 || head_dim <= 0) return;
    attention_job job = {
        .q = q, .k = k, .v = v, .out = out, .ldq = ldq, .ldk = ldk, .ldv = ldv, .ldo = ldo,
        .seq = seq, .heads = heads, .head_dim = head_dim, .keep = keep, .offsets = NULL,
        .scale = 1.0f / sqrtf((float)head_dim),
    };
    ck_pool_run(pool, batch * heads, attention_task, &job);
}

void ck_attention_packed(ck_pool *pool, const float *q, int64_t ldq, const float *k, int64_t ldk,
                         const float *v, int64_t ldv, float *out, int64_t ldo, const int64_t *offsets,
                         int64_t count, int64_t heads, int64_t head_dim) {
    if (count <= 0 || heads <= 0 || head_dim <= 0) return;
    attention_job job = {
        .q = q, .k = k, .v = v, .out = out, .ldq = ldq, .ldk = ldk, .ldv = ldv, .ldo = ldo,
        .seq = 0, .heads = heads, .head_dim = head_dim, .keep = NULL, .offsets = offsets,
        .scale = 1.0f / sqrtf((float)head_dim),
    };
    ck_pool_run(pool, count * heads, attention_task, &job);
}
