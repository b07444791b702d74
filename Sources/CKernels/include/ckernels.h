#ifndef MLP_CKERNELS_H
#define MLP_CKERNELS_H
// The hot numeric kernels of MLPTensor, in C so that they can use AVX2/FMA where the CPU has
// them and a portable path where it does not (chosen at run time, see ck_kernel_path).

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bit set of the CPU features the kernels can use.
enum {
    CK_CPU_AVX2 = 1 << 0,
    CK_CPU_FMA = 1 << 1,
    CK_CPU_F16C = 1 << 2,
};

/// The features this CPU has (cpuid), as CK_CPU_* bits; 0 on CPUs other than x86-64.
uint32_t ck_cpu_features(void);

/// The fp32 FLOP/s one thread reaches with nothing but independent 8-lane FMAs (12 chains, all in
/// registers) for `iterations` rounds of 12: this core's measured peak, boost clock included, for
/// judging kernels against (the clock /proc/cpuinfo reports may be the base clock). 0 without AVX2
/// and FMA, or for `iterations` < 1.
double ck_fma_peak_flops(int64_t iterations);

// MARK: - Dispatch

/// The code paths the kernels can take.
enum {
    /// Portable C, any CPU.
    CK_PATH_SCALAR = 0,
    /// AVX2 + FMA + F16C intrinsics.
    CK_PATH_AVX2 = 1,
};

/// The path the kernels take now. At first use it is AVX2 when the CPU has AVX2, FMA and F16C,
/// unless the environment variable MLP_KERNELS is "scalar".
int ck_kernel_path(void);

/// Selects a path (CK_PATH_*) for the kernels from now on; returns the path actually selected,
/// which is CK_PATH_SCALAR when AVX2 is asked for on a CPU without it.
int ck_select_kernel_path(int path);

// MARK: - Thread pool

/// A fixed set of worker threads that run the parallel kernels.
typedef struct ck_pool ck_pool;

/// One unit of parallel work: `index` runs from 0 to the count given to ck_pool_run.
typedef void (*ck_task_fn)(void *context, int64_t index);

/// A pool that runs work on `threads` threads in all (the calling thread is one of them, so
/// threads - 1 workers are started). Returns NULL when threads < 1 or a thread cannot start.
ck_pool *ck_pool_create(int threads);

/// Stops and joins the workers, then frees the pool. NULL is allowed.
void ck_pool_destroy(ck_pool *pool);

/// The number of threads the pool runs work on (1 for NULL).
int ck_pool_threads(const ck_pool *pool);

/// Calls fn(context, i) for every i in [0, count), spread over the pool's threads, and returns
/// when all calls have returned. With a NULL pool the calls run on the calling thread.
/// Calls from several threads at once on one pool are serialised.
void ck_pool_run(ck_pool *pool, int64_t count, ck_task_fn fn, void *context);

// MARK: - Half precision

/// IEEE binary16 bits to float.
float ck_fp16_to_fp32(uint16_t h);
/// float to IEEE binary16 bits, rounding to nearest even.
uint16_t ck_fp32_to_fp16(float f);
/// bfloat16 bits to float.
float ck_bf16_to_fp32(uint16_t h);
/// float to bfloat16 bits, rounding to nearest even (NaN stays NaN).
uint16_t ck_fp32_to_bf16(float f);

/// Converts n halves to floats.
void ck_fp16_to_fp32_row(const uint16_t *x, float *y, int64_t n);
/// Converts n floats to halves.
void ck_fp32_to_fp16_row(const float *x, uint16_t *y, int64_t n);
/// Converts n bfloat16 values to floats.
void ck_bf16_to_fp32_row(const uint16_t *x, float *y, int64_t n);
/// Converts n floats to bfloat16 values.
void ck_fp32_to_bf16_row(const float *x, uint16_t *y, int64_t n);

// MARK: - Block quantization (GGML layouts)

/// Elements per quantization block.
#define CK_QK 32

/// One Q8_0 block: scale d (IEEE half) and 32 signed bytes; value = d * qs[i]. 34 bytes.
typedef struct {
    uint16_t d;
    int8_t qs[CK_QK];
} ck_block_q8_0;

/// One Q4_0 block: scale d (IEEE half) and 16 bytes; byte j holds element j in its low nibble
/// and element j + 16 in its high nibble; value = d * (nibble - 8). 18 bytes.
typedef struct {
    uint16_t d;
    uint8_t qs[CK_QK / 2];
} ck_block_q4_0;

/// The quantized weight types ck_matmul_quantized accepts.
enum {
    CK_WEIGHT_Q8_0 = 0,
    CK_WEIGHT_Q4_0 = 1,
};

/// Quantizes k floats (k a multiple of 32) into k / 32 Q8_0 blocks.
void ck_quantize_row_q8_0(const float *x, ck_block_q8_0 *y, int64_t k);
/// Quantizes k floats (k a multiple of 32) into k / 32 Q4_0 blocks.
void ck_quantize_row_q4_0(const float *x, ck_block_q4_0 *y, int64_t k);
/// Expands k / 32 Q8_0 blocks into k floats.
void ck_dequantize_row_q8_0(const ck_block_q8_0 *x, float *y, int64_t k);
/// Expands k / 32 Q4_0 blocks into k floats.
void ck_dequantize_row_q4_0(const ck_block_q4_0 *x, float *y, int64_t k);

/// Dot product of two Q8_0 rows of k elements (k a multiple of 32).
float ck_vec_dot_q8_0_q8_0(int64_t k, const ck_block_q8_0 *x, const ck_block_q8_0 *y);
/// Dot product of a Q4_0 row with a Q8_0 row of k elements (k a multiple of 32).
float ck_vec_dot_q4_0_q8_0(int64_t k, const ck_block_q4_0 *x, const ck_block_q8_0 *y);

/// out[m, n] = sum_k x[m, k] * w[n, k] for a quantized weight w (n rows of k / 32 blocks of
/// `weight_type`) and float activations x (m rows, row stride ldx floats); out has row stride
/// ldo floats. The activations are quantized to Q8_0 per block on the fly; the work is split
/// into tiles of rows of x by rows of w across the pool. k must be a multiple of 32.
/// Returns 0, or -1 when scratch memory cannot be allocated or an argument is invalid.
int ck_matmul_quantized(ck_pool *pool, int weight_type, const void *w, int64_t n, int64_t k,
                        const float *x, int64_t ldx, int64_t m, float *out, int64_t ldo);
/// The bytes ck_pack_quantized_panels writes for n rows of k columns of `weight_type`: the
/// weights repacked in the layout the AVX2 kernels read. 0 when the AVX2 path is not selected
/// (the scalar path reads the weights as they are) or the arguments are invalid.
size_t ck_quantized_panels_bytes(int weight_type, int64_t n, int64_t k);
/// Repacks w (n rows of k columns of `weight_type`) into `panels` (ck_quantized_panels_bytes
/// bytes, 32-byte aligned), in parallel on the pool, so that ck_matmul_quantized_packed need not
/// repack on every call. Returns 0, or -1 when the AVX2 path is not selected or an argument is
/// invalid.
int ck_pack_quantized_panels(ck_pool *pool, int weight_type, const void *w, int64_t n, int64_t k, void *panels);
/// ck_matmul_quantized with w's panels packed beforehand (ck_pack_quantized_panels; NULL: pack
/// them in this call). The AVX2 path reads `panels`; the scalar path reads `w`, so both must
/// stay valid.
int ck_matmul_quantized_packed(ck_pool *pool, int weight_type, const void *w, const void *panels, int64_t n, int64_t k,
                               const float *x, int64_t ldx, int64_t m, float *out, int64_t ldo);

// MARK: - fp32 linear layers from repacked weights (AVX2)

/// The floats ck_pack_f32_panels writes for an [n, k] f32 weight (n rounded up to 16 rows), or 0
/// when the AVX2 path is not selected or the sizes are invalid.
int64_t ck_f32_panels_floats(int64_t n, int64_t k);
/// Repacks w [n, k] (row-major) into panels of 16 rows, k-major (panel p, column t, row r at
/// (p * k + t) * 16 + r; rows past n are zeros), in parallel on the pool. `panels` holds
/// ck_f32_panels_floats(n, k) floats, 32-byte aligned. Returns 0, or -1 when the AVX2 path is not
/// selected or an argument is invalid.
int ck_pack_f32_panels(ck_pool *pool, const float *w, int64_t n, int64_t k, float *panels);
/// out[m, n] = x[m, k] · w^T + bias (n floats, may be NULL) + residual (m rows ldr floats apart,
/// may be NULL; not out itself) from w's panels (ck_pack_f32_panels), parallel on the pool.
/// Returns 0, or -1 when the AVX2 path is not selected or an argument is invalid (the caller
/// then uses ck_sgemm).
int ck_linear_f32_packed(ck_pool *pool, const float *panels, int64_t n, int64_t k, const float *x, int64_t ldx, int64_t m,
                         float *out, int64_t ldo, const float *bias, const float *residual, int64_t ldr);

// MARK: - fp32 GEMM (OpenBLAS)

/// C = alpha * op(A) * op(B) + beta * C, row-major, through OpenBLAS's cblas_sgemm.
/// op(A) is m x k, op(B) is k x n; trans_a / trans_b say whether A / B are stored transposed.
void ck_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);
/// The same in double precision, through OpenBLAS's cblas_dgemm.
void ck_dgemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc);
/// Sets the number of threads OpenBLAS uses.
void ck_blas_set_threads(int threads);
/// The number of threads OpenBLAS uses.
int ck_blas_threads(void);

// MARK: - Neural-network kernels (rows of n floats, in place)

/// x[r, j] += bias[j] for rows r in [0, rows).
void ck_add_bias(float *x, int64_t rows, int64_t n, const float *bias);
/// x[r, j] += bias[j] + residual[r, j] (bias may be NULL).
void ck_add_bias_residual(float *x, int64_t rows, int64_t n, const float *bias, const float *residual);
/// out[r, j] = bias[j] + residual[r, j] for r < rows, j < n, where out and residual have rows
/// ld floats apart (either of bias and residual may be NULL, counting as zeros): the starting
/// value of an output that a GEMM then adds to.
void ck_fill_bias_residual(float *out, int64_t rows, int64_t n, int64_t ld, const float *bias, const float *residual);
/// x = gelu(x), erf form: 0.5 x (1 + erf(x / sqrt 2)); erf is libm's erff on the scalar path and
/// a rational approximation on the AVX2 path (within 5.2e-7 of the exact erf on [-10, 10]).
void ck_gelu(float *x, int64_t count);
/// x[r, j] = gelu(x[r, j] + bias[j]).
void ck_add_bias_gelu(float *x, int64_t rows, int64_t n, const float *bias);
/// x[r, :] = (x[r, :] - mean) / sqrt(var + eps) * gamma + beta, per row (biased variance).
void ck_layer_norm(float *x, int64_t rows, int64_t n, const float *gamma, const float *beta, float eps);
/// Softmax of each row; columns j with keep[j] == 0 get probability 0 (keep may be NULL).
/// A row whose every column is masked becomes all zeros.
void ck_softmax_rows(float *x, int64_t rows, int64_t n, const uint8_t *keep);

/// Scaled dot-product attention for `batch` sequences of `seq` tokens and `heads` heads of
/// `head_dim` each. q, k, v and out hold rows of tokens (batch * seq rows, row strides ldq, ldk,
/// ldv, ldo floats); head h is columns [h * head_dim, (h + 1) * head_dim). keep[b * seq + j] == 0
/// masks key j of sequence b (keep may be NULL). Parallel over (sequence, head) on the pool.
void ck_attention(ck_pool *pool, const float *q, int64_t ldq, const float *k, int64_t ldk,
                  const float *v, int64_t ldv, float *out, int64_t ldo, int64_t batch, int64_t seq,
                  int64_t heads, int64_t head_dim, const uint8_t *keep);
/// The same for `count` sequences packed back to back with no padding: sequence b is rows
/// [offsets[b], offsets[b + 1]) of q, k, v and out (offsets has count + 1 entries, starting at 0
/// and non-decreasing; an empty sequence is skipped). Every key of a sequence counts.
void ck_attention_packed(ck_pool *pool, const float *q, int64_t ldq, const float *k, int64_t ldk,
                         const float *v, int64_t ldv, float *out, int64_t ldo, const int64_t *offsets,
                         int64_t count, int64_t heads, int64_t head_dim);

#ifdef __cplusplus
}
#endif
#endif
