#include "internal.h"
#include <stdlib.h>

// Quantized matmul: out[m, n] = sum_k x[m, k] * w[n, k], w in Q8_0 or Q4_0 blocks.
//
// Both paths quantize each activation row once per call to blocks of 32 signed bytes with one
// scale (Q8_0), so every block product is an exact integer sum times the two block scales.
//
// The scalar path takes one output at a time (ck_vec_dot_*).
//
// The AVX2 path first repacks the weights, 8 rows at a time, into "panels" (the interleaved
// layout llama.cpp's repacked Q4_0 kernels also use): per block of 32 columns, the 8 row scales
// as floats, then the quants arranged so that one 32-byte load holds 4 consecutive columns of
// each of the 8 rows. A broadcast of 4 activation bytes against that register gives, after
// maddubs + madd, the partial dot products of all 8 rows at once in the 8 int32 lanes, so the
// float work (convert, scale, fma) happens once per block for 8 outputs instead of once per
// block per output. A tile of 8 weight rows x 4 activation rows reuses each loaded panel register
// 4 times and each activation broadcast 8 times (once per lane).

enum {
    // Rows of w in one panel (the 8 lanes of a __m256i of int32 sums).
    PANEL_ROWS = 8,
    // Activation rows one register tile covers.
    TILE_ROWS = 4,
    // Activation rows and panels one task covers: 64 quantized rows of up to 1536 columns
    // (123 KB) stay in L2 while 4 panels (up to 55 KB) pass over them.
    TASK_ROWS = 64,
    TASK_PANELS = 4,
    // Bytes per block of a panel: 8 float scales, then the quants.
    Q8_PANEL_BLOCK = PANEL_ROWS * 4 + PANEL_ROWS * CK_QK,
    Q4_PANEL_BLOCK = PANEL_ROWS * 4 + PANEL_ROWS * CK_QK / 2,
    // Rows one scalar-path task covers.
    SCALAR_TILE_M = 64,
    SCALAR_TILE_N = 16,
};

// One quantized block of an activation row, as the AVX2 path reads it: the scale as a float,
// 8 x the sum of the quants (Q4_0's weights are stored as nibble + 8; this removes the 8s) and
// the quants. 40 bytes.
typedef struct {
    float d;
    int32_t sum8;
    int8_t qs[CK_QK];
} activation_block;

typedef struct {
    int weight_type;
    const uint8_t *w;
    size_t w_row_bytes;
    int64_t n, k, m;
    const float *x;
    int64_t ldx;
    float *out;
    int64_t ldo;
    int64_t blocks;
    // Scalar path.
    ck_block_q8_0 *xq;
    int64_t tiles_n;
    // AVX2 path.
    activation_block *xa;
    uint8_t *panels;
    size_t panel_bytes;
    int64_t panel_count, row_tasks, panel_tasks;
} matmul_job;

// MARK: - Scalar path

static void quantize_rows_task(void *context, int64_t row) {
    const matmul_job *job = context;
    ck_quantize_row_q8_0(job->x + row * job->ldx, job->xq + row * job->blocks, job->k);
}

static void scalar_tile_task(void *context, int64_t tile) {
    const matmul_job *job = context;
    const int64_t m0 = (tile / job->tiles_n) * SCALAR_TILE_M, n0 = (tile % job->tiles_n) * SCALAR_TILE_N;
    const int64_t m1 = m0 + SCALAR_TILE_M < job->m ? m0 + SCALAR_TILE_M : job->m;
    const int64_t n1 = n0 + SCALAR_TILE_N < job->n ? n0 + SCALAR_TILE_N : job->n;
    for (int64_t n = n0; n < n1; n++) {
        const void *w_row = job->w + (size_t)n * job->w_row_bytes;
        for (int64_t m = m0; m < m1; m++) {
            const ck_block_q8_0 *x_row = job->xq + m * job->blocks;
            job->out[m * job->ldo + n] = job->weight_type == CK_WEIGHT_Q8_0
                ? ck_vec_dot_q8_0_q8_0(job->k, (const ck_block_q8_0 *)w_row, x_row)
                : ck_vec_dot_q4_0_q8_0(job->k, (const ck_block_q4_0 *)w_row, x_row);
        }
    }
}

static int matmul_scalar(ck_pool *pool, matmul_job *job) {
    job->xq = malloc((size_t)job->m * (size_t)job->blocks * sizeof(ck_block_q8_0));
    if (!job->xq) return -1;
    job->tiles_n = (job->n + SCALAR_TILE_N - 1) / SCALAR_TILE_N;
    ck_pool_run(pool, job->m, quantize_rows_task, job);
    ck_pool_run(pool, ((job->m + SCALAR_TILE_M - 1) / SCALAR_TILE_M) * job->tiles_n, scalar_tile_task, job);
    free(job->xq);
    return 0;
}

// MARK: - AVX2 path

#if CK_X86

// Quantizes rows [64 t, 64 t + 64) of x into activation blocks (same bytes and scales as
// ck_quantize_row_q8_0, which does the quantizing, a row at a time, so both paths multiply the
// same integers); then each block's quants are copied and summed 32 at a time.
CK_AVX2 static void quantize_activation_rows(const matmul_job *job, int64_t task) {
    enum { CHUNK = 64 }; // blocks quantized per ck_quantize_row_q8_0 call (2 KB of stack)
    const int64_t r0 = task * TASK_ROWS, r1 = r0 + TASK_ROWS < job->m ? r0 + TASK_ROWS : job->m;
    const __m256i ones8 = _mm256_set1_epi8(1);
    const __m256i ones16 = _mm256_set1_epi16(1);
    ck_block_q8_0 blocks[CHUNK];
    for (int64_t r = r0; r < r1; r++) {
        activation_block *out = job->xa + r * job->blocks;
        for (int64_t b0 = 0; b0 < job->blocks; b0 += CHUNK) {
            const int64_t count = job->blocks - b0 < CHUNK ? job->blocks - b0 : CHUNK;
            ck_quantize_row_q8_0(job->x + r * job->ldx + b0 * CK_QK, blocks, count * CK_QK);
            for (int64_t i = 0; i < count; i++) {
                const __m256i qs = _mm256_loadu_si256((const __m256i *)blocks[i].qs);
                _mm256_storeu_si256((__m256i *)out[b0 + i].qs, qs);
                // 1 (unsigned) x q (signed) pair sums, then to int32: the 8 lanes add up to sum(q).
                const __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, qs), ones16);
                __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
                s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
                s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
                out[b0 + i].d = ck_half_to_float(blocks[i].d);
                out[b0 + i].sum8 = 8 * _mm_cvtsi128_si32(s);
            }
        }
    }
}

// Repacks rows [8 p, 8 p + 8) of w into panel p; rows past n are zeros with scale 0.
//   Q8_0 block: float d[8]; then step s = 0..7 of 32 bytes: byte 4 r + i = w[r][4 s + i].
//   Q4_0 block: float d[8]; then register t = 0..3 of 32 bytes: byte 4 r + i holds the stored
//   nibble (value + 8) of w[r][8 t + i] low and of w[r][8 t + 4 + i] high.
static void pack_panel(const matmul_job *job, int64_t p) {
    uint8_t *panel = job->panels + (size_t)p * job->panel_bytes;
    const int q8 = job->weight_type == CK_WEIGHT_Q8_0;
    const size_t block_bytes = q8 ? Q8_PANEL_BLOCK : Q4_PANEL_BLOCK;
    for (int64_t b = 0; b < job->blocks; b++) {
        uint8_t *out = panel + (size_t)b * block_bytes;
        float scales[PANEL_ROWS];
        uint8_t *quants = out + sizeof scales;
        for (int r = 0; r < PANEL_ROWS; r++) {
            const int64_t row = p * PANEL_ROWS + r;
            const uint8_t *bytes = job->w + (size_t)row * job->w_row_bytes;
            if (row >= job->n) {
                scales[r] = 0.0f;
                for (int g = 0; g < (q8 ? 8 : 4); g++) memset(quants + 32 * g + 4 * r, q8 ? 0 : 0x88, 4);
            } else if (q8) {
                const ck_block_q8_0 *block = (const ck_block_q8_0 *)bytes + b;
                scales[r] = ck_half_to_float(block->d);
                for (int s = 0; s < 8; s++) memcpy(quants + 32 * s + 4 * r, block->qs + 4 * s, 4);
            } else {
                const ck_block_q4_0 *block = (const ck_block_q4_0 *)bytes + b;
                scales[r] = ck_half_to_float(block->d);
                // Element j < 16 is the low nibble of qs[j], element j >= 16 the high nibble of qs[j - 16].
                for (int t = 0; t < 4; t++) {
                    for (int i = 0; i < 4; i++) {
                        const uint8_t a = block->qs[(8 * t + i) % 16], c = block->qs[(8 * t + 4 + i) % 16];
                        quants[32 * t + 4 * r + i] = t < 2 ? (uint8_t)((a & 0x0F) | (c << 4)) : (uint8_t)((a >> 4) | (c & 0xF0));
                    }
                }
            }
        }
        memcpy(out, scales, sizeof scales);
    }
}

static void prepare_task(void *context, int64_t task) {
    const matmul_job *job = context;
    if (task < job->row_tasks) {
        quantize_activation_rows(job, task);
    } else {
        pack_panel(job, task - job->row_tasks);
    }
}

static inline int32_t load_i32(const void *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

// Writes the 8 outputs of one activation row (only the first `lanes` when the panel is the last,
// partial one).
CK_AVX2 static inline void store_lanes(float *out, __m256 v, int lanes) {
    if (lanes == PANEL_ROWS) {
        _mm256_storeu_ps(out, v);
    } else {
        float all[PANEL_ROWS];
        _mm256_storeu_ps(all, v);
        memcpy(out, all, (size_t)lanes * sizeof(float));
    }
}

// `rows` (1..4) activation rows against one Q8_0 panel. Per block: for each of the 8 steps of
// 4 columns, |w| (unsigned, as maddubs needs) times x with w's sign -> 16 pair sums (at most
// 2 * 128 * 127, so no saturation, even for a weight of -128) -> 8 int32 row sums (madd); then
// one convert and one fma per activation row.
// (Two panels per tile, 16 weight rows, measured no faster: the two multiplies per 32
// products, not the loads, bound this loop.)
CK_AVX2 static inline __attribute__((always_inline)) void q8_tile(const uint8_t *panel, const activation_block *x, int64_t blocks, int rows, float *out, int64_t ldo, int lanes) {
    __m256 acc[TILE_ROWS];
    for (int c = 0; c < rows; c++) acc[c] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = panel + (size_t)b * Q8_PANEL_BLOCK;
        __m256i sums[TILE_ROWS];
        for (int c = 0; c < rows; c++) sums[c] = _mm256_setzero_si256();
        for (int s = 0; s < 8; s++) {
            const __m256i w = _mm256_load_si256((const __m256i *)(block + 32 + 32 * s));
            const __m256i aw = _mm256_abs_epi8(w);
            for (int c = 0; c < rows; c++) {
                const __m256i xs = _mm256_set1_epi32(load_i32(x[c * blocks + b].qs + 4 * s));
                const __m256i pairs = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(xs, w));
                sums[c] = _mm256_add_epi32(sums[c], _mm256_madd_epi16(pairs, ones));
            }
        }
        const __m256 dw = _mm256_load_ps((const float *)block);
        for (int c = 0; c < rows; c++) {
            const __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(x[c * blocks + b].d));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums[c]), d, acc[c]);
        }
    }
    for (int c = 0; c < rows; c++) store_lanes(out + c * ldo, acc[c], lanes);
}

// `rows` (1..4) activation rows against one Q4_0 panel. The weights are the unsigned operand
// (nibbles 0..15), so no sign trick: maddubs pair sums are at most 2 * 15 * 127 and 8 of them
// add up in int16 without overflow (30480); per block one madd to int32, minus 8 * sum(x) for
// the nibbles' offset, one convert and one fma.
CK_AVX2 static inline __attribute__((always_inline)) void q4_tile(const uint8_t *panel, const activation_block *x, int64_t blocks, int rows, float *out, int64_t ldo, int lanes) {
    __m256 acc[TILE_ROWS];
    for (int c = 0; c < rows; c++) acc[c] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i low_nibbles = _mm256_set1_epi8(0x0F);
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = panel + (size_t)b * Q4_PANEL_BLOCK;
        __m256i sums[TILE_ROWS];
        for (int c = 0; c < rows; c++) sums[c] = _mm256_setzero_si256();
        for (int t = 0; t < 4; t++) {
            const __m256i packed = _mm256_load_si256((const __m256i *)(block + 32 + 32 * t));
            const __m256i lo = _mm256_and_si256(packed, low_nibbles);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibbles);
            for (int c = 0; c < rows; c++) {
                const activation_block *a = x + c * blocks + b;
                const __m256i x0 = _mm256_set1_epi32(load_i32(a->qs + 8 * t));
                const __m256i x1 = _mm256_set1_epi32(load_i32(a->qs + 8 * t + 4));
                sums[c] = _mm256_add_epi16(sums[c], _mm256_add_epi16(_mm256_maddubs_epi16(lo, x0), _mm256_maddubs_epi16(hi, x1)));
            }
        }
        const __m256 dw = _mm256_load_ps((const float *)block);
        for (int c = 0; c < rows; c++) {
            const activation_block *a = x + c * blocks + b;
            const __m256i total = _mm256_sub_epi32(_mm256_madd_epi16(sums[c], ones), _mm256_set1_epi32(a->sum8));
            const __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(a->d));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), d, acc[c]);
        }
    }
    for (int c = 0; c < rows; c++) store_lanes(out + c * ldo, acc[c], lanes);
}

// Instantiates the tiles for a constant row count so that the accumulators stay in registers.
CK_AVX2 static void panel_rows(int weight_type, const uint8_t *panel, const activation_block *x, int64_t blocks, int rows, float *out, int64_t ldo, int lanes) {
    if (weight_type == CK_WEIGHT_Q8_0) {
        switch (rows) {
        case 4: q8_tile(panel, x, blocks, 4, out, ldo, lanes); break;
        case 3: q8_tile(panel, x, blocks, 3, out, ldo, lanes); break;
        case 2: q8_tile(panel, x, blocks, 2, out, ldo, lanes); break;
        default: q8_tile(panel, x, blocks, 1, out, ldo, lanes); break;
        }
    } else {
        switch (rows) {
        case 4: q4_tile(panel, x, blocks, 4, out, ldo, lanes); break;
        case 3: q4_tile(panel, x, blocks, 3, out, ldo, lanes); break;
        case 2: q4_tile(panel, x, blocks, 2, out, ldo, lanes); break;
        default: q4_tile(panel, x, blocks, 1, out, ldo, lanes); break;
        }
    }
}

// Task t covers activation rows [64 i, 64 i + 64) and panels [4 j, 4 j + 4), i = t / panel_tasks.
CK_AVX2 static void panel_task(void *context, int64_t task) {
    const matmul_job *job = context;
    const int64_t r0 = (task / job->panel_tasks) * TASK_ROWS, p0 = (task % job->panel_tasks) * TASK_PANELS;
    const int64_t r1 = r0 + TASK_ROWS < job->m ? r0 + TASK_ROWS : job->m;
    const int64_t p1 = p0 + TASK_PANELS < job->panel_count ? p0 + TASK_PANELS : job->panel_count;
    for (int64_t p = p0; p < p1; p++) {
        const uint8_t *panel = job->panels + (size_t)p * job->panel_bytes;
        const int64_t n0 = p * PANEL_ROWS;
        const int lanes = job->n - n0 < PANEL_ROWS ? (int)(job->n - n0) : PANEL_ROWS;
        for (int64_t r = r0; r < r1; r += TILE_ROWS) {
            const int rows = r1 - r < TILE_ROWS ? (int)(r1 - r) : TILE_ROWS;
            panel_rows(job->weight_type, panel, job->xa + r * job->blocks, job->blocks, rows, job->out + r * job->ldo + n0, job->ldo, lanes);
        }
    }
}

static size_t panel_bytes(int weight_type, int64_t blocks) {
    return (size_t)blocks * (weight_type == CK_WEIGHT_Q8_0 ? Q8_PANEL_BLOCK : Q4_PANEL_BLOCK);
}

static void pack_task(void *context, int64_t p) { pack_panel(context, p); }

// `packed`: the weights' panels from ck_pack_quantized_panels, or NULL to repack them here.
static int matmul_avx2(ck_pool *pool, matmul_job *job, const void *packed) {
    job->panel_count = (job->n + PANEL_ROWS - 1) / PANEL_ROWS;
    job->panel_bytes = panel_bytes(job->weight_type, job->blocks);
    job->row_tasks = (job->m + TASK_ROWS - 1) / TASK_ROWS;
    job->panel_tasks = (job->panel_count + TASK_PANELS - 1) / TASK_PANELS;
    const size_t panels_size = (size_t)job->panel_count * job->panel_bytes;
    uint8_t *own_panels = packed ? NULL : aligned_alloc(32, panels_size);
    job->panels = packed ? (uint8_t *)packed : own_panels;
    job->xa = malloc((size_t)job->m * (size_t)job->blocks * sizeof(activation_block));
    if (!job->panels || !job->xa) {
        free(own_panels);
        free(job->xa);
        return -1;
    }
    // With the panels given, only the activation rows need preparing (tasks past row_tasks repack).
    ck_pool_run(pool, job->row_tasks + (packed ? 0 : job->panel_count), prepare_task, job);
    ck_pool_run(pool, job->row_tasks * job->panel_tasks, panel_task, job);
    free(own_panels);
    free(job->xa);
    return 0;
}
#endif

static int valid_weights(int weight_type, int64_t n, int64_t k) {
    return n >= 0 && k > 0 && k % CK_QK == 0 && (weight_type == CK_WEIGHT_Q8_0 || weight_type == CK_WEIGHT_Q4_0);
}

size_t ck_quantized_panels_bytes(int weight_type, int64_t n, int64_t k) {
#if CK_X86
    if (!ck_use_avx2() || !valid_weights(weight_type, n, k) || n == 0) return 0;
    const int64_t panels = (n + PANEL_ROWS - 1) / PANEL_ROWS;
    const size_t bytes = panel_bytes(weight_type, k / CK_QK);
    if ((uint64_t)panels > SIZE_MAX / bytes) return 0;
    return (size_t)panels * bytes;
#else
    (void)weight_type, (void)n, (void)k;
    return 0;
#endif
}

int ck_pack_quantized_panels(ck_pool *pool, int weight_type, const void *w, int64_t n, int64_t k, void *panels) {
#if CK_X86
    if (!ck_use_avx2() || !valid_weights(weight_type, n, k) || n == 0 || !panels || ((uintptr_t)panels % 32) != 0) return -1;
    const int64_t blocks = k / CK_QK;
    matmul_job job = {
        .weight_type = weight_type,
        .w = w,
        .w_row_bytes = (size_t)blocks * (weight_type == CK_WEIGHT_Q8_0 ? sizeof(ck_block_q8_0) : sizeof(ck_block_q4_0)),
        .n = n, .k = k, .blocks = blocks,
        .panels = panels,
        .panel_bytes = panel_bytes(weight_type, blocks),
    };
    ck_pool_run(pool, (n + PANEL_ROWS - 1) / PANEL_ROWS, pack_task, &job);
    return 0;
#else
    (void)pool, (void)weight_type, (void)w, (void)n, (void)k, (void)panels;
    return -1;
#endif
}

int ck_matmul_quantized_packed(ck_pool *pool, int weight_type, const void *w, const void *panels, int64_t n, int64_t k,
                               const float *x, int64_t ldx, int64_t m, float *out, int64_t ldo) {
    if (!valid_weights(weight_type, n, k) || m < 0 || ldx < k || ldo < n) return -1;
    if (n == 0 || m == 0) return 0;
    const int64_t blocks = k / CK_QK;
    matmul_job job = {
        .weight_type = weight_type,
        .w = w,
        .w_row_bytes = (size_t)blocks * (weight_type == CK_WEIGHT_Q8_0 ? sizeof(ck_block_q8_0) : sizeof(ck_block_q4_0)),
        .n = n, .k = k, .m = m, .x = x, .ldx = ldx, .out = out, .ldo = ldo, .blocks = blocks,
    };
#if CK_X86
    if (ck_use_avx2()) return matmul_avx2(pool, &job, panels);
#else
    (void)panels;
#endif
    return matmul_scalar(pool, &job);
}

int ck_matmul_quantized(ck_pool *pool, int weight_type, const void *w, int64_t n, int64_t k,
                        const float *x, int64_t ldx, int64_t m, float *out, int64_t ldo) {
    return ck_matmul_quantized_packed(pool, weight_type, w, NULL, n, k, x, ldx, m, out, ldo);
}
