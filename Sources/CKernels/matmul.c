#include "internal.h"
#include <stdlib.h>

// Tile of the output one task computes: rows of x by rows of w. A tile of w (16 rows) stays in
// L1 while the tile's rows of quantized x stream past it.
enum { TILE_M = 64, TILE_N = 16 };

typedef struct {
    int weight_type;
    const uint8_t *w;
    size_t w_row_bytes;
    int64_t n, k, m;
    const float *x;
    int64_t ldx;
    ck_block_q8_0 *xq;
    float *out;
    int64_t ldo;
    int64_t tiles_n;
} matmul_job;

static void quantize_rows_task(void *context, int64_t row) {
    const matmul_job *job = context;
    ck_quantize_row_q8_0(job->x + row * job->ldx, job->xq + row * (job->k / CK_QK), job->k);
}

#if CK_X86
// 32 weights of block b of a row as signed bytes.
CK_AVX2 static inline __m256i weight_bytes(int weight_type, const uint8_t *row, int64_t b) {
    if (weight_type == CK_WEIGHT_Q8_0) return _mm256_loadu_si256((const __m256i *)((const ck_block_q8_0 *)row)[b].qs);
    const __m128i packed = _mm_loadu_si128((const __m128i *)((const ck_block_q4_0 *)row)[b].qs);
    const __m256i both = _mm256_insertf128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1);
    return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
}

CK_AVX2 static inline uint16_t weight_scale(int weight_type, const uint8_t *row, int64_t b) {
    return weight_type == CK_WEIGHT_Q8_0 ? ((const ck_block_q8_0 *)row)[b].d : ((const ck_block_q4_0 *)row)[b].d;
}

// Four outputs at once: one row of quantized activations against four weight rows, so each
// activation block is loaded and made unsigned once (|x|, with x's sign moved onto the weights).
CK_AVX2 static void dot_4_rows(int weight_type, const uint8_t *const rows[4], const ck_block_q8_0 *x, int64_t blocks, float *out) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t b = 0; b < blocks; b++) {
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i ax = _mm256_sign_epi8(qx, qx);
        const float dx = _cvtsh_ss(x[b].d);
        for (int r = 0; r < 4; r++) {
            const __m256i sw = _mm256_sign_epi8(weight_bytes(weight_type, rows[r], b), qx);
            const __m256 sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(ax, sw), ones));
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(dx * _cvtsh_ss(weight_scale(weight_type, rows[r], b))), sums, acc[r]);
        }
    }
    for (int r = 0; r < 4; r++) out[r] = ck_hsum256(acc[r]);
}
#endif

static void tile_task(void *context, int64_t tile) {
    const matmul_job *job = context;
    const int64_t m0 = (tile / job->tiles_n) * TILE_M, n0 = (tile % job->tiles_n) * TILE_N;
    const int64_t m1 = m0 + TILE_M < job->m ? m0 + TILE_M : job->m;
    const int64_t n1 = n0 + TILE_N < job->n ? n0 + TILE_N : job->n;
    const int64_t row_blocks = job->k / CK_QK;
    int64_t n = n0;
#if CK_X86
    if (ck_use_avx2()) {
        for (; n + 4 <= n1; n += 4) {
            const uint8_t *rows[4];
            for (int r = 0; r < 4; r++) rows[r] = job->w + (size_t)(n + r) * job->w_row_bytes;
            for (int64_t m = m0; m < m1; m++) {
                float four[4];
                dot_4_rows(job->weight_type, rows, job->xq + m * row_blocks, row_blocks, four);
                memcpy(job->out + m * job->ldo + n, four, sizeof four);
            }
        }
    }
#endif
    for (; n < n1; n++) {
        const void *w_row = job->w + (size_t)n * job->w_row_bytes;
        for (int64_t m = m0; m < m1; m++) {
            const ck_block_q8_0 *x_row = job->xq + m * row_blocks;
            job->out[m * job->ldo + n] = job->weight_type == CK_WEIGHT_Q8_0
                ? ck_vec_dot_q8_0_q8_0(job->k, (const ck_block_q8_0 *)w_row, x_row)
                : ck_vec_dot_q4_0_q8_0(job->k, (const ck_block_q4_0 *)w_row, x_row);
        }
    }
}

int ck_matmul_quantized(ck_pool *pool, int weight_type, const void *w, int64_t n, int64_t k,
                        const float *x, int64_t ldx, int64_t m, float *out, int64_t ldo) {
    if (n < 0 || m < 0 || k <= 0 || k % CK_QK != 0 || ldx < k || ldo < n) return -1;
    if (weight_type != CK_WEIGHT_Q8_0 && weight_type != CK_WEIGHT_Q4_0) return -1;
    if (n == 0 || m == 0) return 0;
    const int64_t row_blocks = k / CK_QK;
    ck_block_q8_0 *xq = malloc((size_t)m * (size_t)row_blocks * sizeof(ck_block_q8_0));
    if (!xq) return -1;
    matmul_job job = {
        .weight_type = weight_type,
        .w = w,
        .w_row_bytes = (size_t)row_blocks * (weight_type == CK_WEIGHT_Q8_0 ? sizeof(ck_block_q8_0) : sizeof(ck_block_q4_0)),
        .n = n, .k = k, .m = m, .x = x, .ldx = ldx, .xq = xq, .out = out, .ldo = ldo,
        .tiles_n = (n + TILE_N - 1) / TILE_N,
    };
    ck_pool_run(pool, m, quantize_rows_task, &job);
    ck_pool_run(pool, ((m + TILE_M - 1) / TILE_M) * job.tiles_n, tile_task, &job);
    free(xq);
    return 0;
}
