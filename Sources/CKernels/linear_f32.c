// f32 linear layers from weights repacked once: out[m, n] = x[m, k] · w[n, k]^T (+ bias + residual).
//
// OpenBLAS's sgemm packs both operands on every call. Split over the pool's threads, each
// thread's sgemm packed the whole of the operand its part did not divide, about a ninth of the
// f32 forward pass's CPU time (perf, `bert-forward-bench`). Here the weights are packed once, when a
// LinearWeight is prepared, into panels of 16 rows, k-major (panel[t][r] = w[16 p + r][t]), and the
// activations are read in place: a 6 x 16 register tile broadcasts one activation of each of 6
// rows and multiplies it into two 8-lane loads of the panel, 12 accumulators, no horizontal sums
// (the shape of BLIS's Haswell sgemm micro-kernel). A task is 48 activation rows x 4 panels, so a
// panel stays in L1 while the task's rows pass over it. `bert-forward-bench --dtype f32` (2
// threads, loaded 2-core EPYC): the four MiniLM GEMMs 54-68 GFLOP per CPU-second against 54-56
// through OpenBLAS split over the pool, the forward pass 0.36 -> 0.31 CPU-s per batch of 32
// (Sources/MLPTensor/README.md).
#include "internal.h"
#include <stdlib.h>

enum {
    F32_PANEL_ROWS = 16,
    F32_TILE_ROWS = 6,
    F32_TASK_ROWS = 48,
    F32_TASK_PANELS = 4,
};

int64_t ck_f32_panels_floats(int64_t n, int64_t k) {
    if (!ck_use_avx2() || n <= 0 || k <= 0) return 0;
    const int64_t panels = (n + F32_PANEL_ROWS - 1) / F32_PANEL_ROWS;
    if (panels > INT64_MAX / F32_PANEL_ROWS / k) return 0;
    return panels * F32_PANEL_ROWS * k;
}

typedef struct {
    const float *w, *panels, *x, *bias, *residual;
    float *out;
    int64_t n, k, m, ldx, ldo, ldr, panel_count, panel_tasks;
    float *pack_into;
} f32_job;

static void pack_f32_task(void *context, int64_t p) {
    const f32_job *job = context;
    float *panel = job->pack_into + p * job->k * F32_PANEL_ROWS;
    for (int r = 0; r < F32_PANEL_ROWS; r++) {
        const int64_t row = p * F32_PANEL_ROWS + r;
        const float *src = row < job->n ? job->w + row * job->k : NULL;
        for (int64_t t = 0; t < job->k; t++) panel[t * F32_PANEL_ROWS + r] = src ? src[t] : 0.0f;
    }
}

int ck_pack_f32_panels(ck_pool *pool, const float *w, int64_t n, int64_t k, float *panels) {
    if (ck_f32_panels_floats(n, k) == 0 || !w || !panels || ((uintptr_t)panels % 32) != 0) return -1;
    f32_job job = {.w = w, .n = n, .k = k, .pack_into = panels};
    ck_pool_run(pool, (n + F32_PANEL_ROWS - 1) / F32_PANEL_ROWS, pack_f32_task, &job);
    return 0;
}

#if CK_X86
// Writes one row's 16 (or the last panel's `lanes`) outputs: the accumulators plus bias and
// residual where given.
CK_AVX2 static inline void store_row(const f32_job *job, int64_t row, int64_t n0, __m256 a, __m256 b, int lanes) {
    float *out = job->out + row * job->ldo + n0;
    const float *res = job->residual ? job->residual + row * job->ldr + n0 : NULL;
    if (lanes == F32_PANEL_ROWS) {
        if (job->bias) {
            a = _mm256_add_ps(a, _mm256_loadu_ps(job->bias + n0));
            b = _mm256_add_ps(b, _mm256_loadu_ps(job->bias + n0 + 8));
        }
        if (res) {
            a = _mm256_add_ps(a, _mm256_loadu_ps(res));
            b = _mm256_add_ps(b, _mm256_loadu_ps(res + 8));
        }
        _mm256_storeu_ps(out, a);
        _mm256_storeu_ps(out + 8, b);
        return;
    }
    float all[F32_PANEL_ROWS];
    _mm256_storeu_ps(all, a);
    _mm256_storeu_ps(all + 8, b);
    for (int j = 0; j < lanes; j++) out[j] = all[j] + (job->bias ? job->bias[n0 + j] : 0.0f) + (res ? res[j] : 0.0f);
}

// Six activation rows against one panel; the accumulators are named so they stay in registers.
CK_AVX2 static void tile6(const f32_job *job, const float *panel, int64_t row, int64_t n0, int lanes) {
    const int64_t k = job->k, ldx = job->ldx;
    const float *x0 = job->x + row * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx, *x4 = x3 + ldx, *x5 = x4 + ldx;
    __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0, a4 = a0, b4 = a0, a5 = a0, b5 = a0;
    for (int64_t t = 0; t < k; t++) {
        const __m256 w0 = _mm256_load_ps(panel + F32_PANEL_ROWS * t), w1 = _mm256_load_ps(panel + F32_PANEL_ROWS * t + 8);
        __m256 v;
        v = _mm256_broadcast_ss(x0 + t); a0 = _mm256_fmadd_ps(v, w0, a0); b0 = _mm256_fmadd_ps(v, w1, b0);
        v = _mm256_broadcast_ss(x1 + t); a1 = _mm256_fmadd_ps(v, w0, a1); b1 = _mm256_fmadd_ps(v, w1, b1);
        v = _mm256_broadcast_ss(x2 + t); a2 = _mm256_fmadd_ps(v, w0, a2); b2 = _mm256_fmadd_ps(v, w1, b2);
        v = _mm256_broadcast_ss(x3 + t); a3 = _mm256_fmadd_ps(v, w0, a3); b3 = _mm256_fmadd_ps(v, w1, b3);
        v = _mm256_broadcast_ss(x4 + t); a4 = _mm256_fmadd_ps(v, w0, a4); b4 = _mm256_fmadd_ps(v, w1, b4);
        v = _mm256_broadcast_ss(x5 + t); a5 = _mm256_fmadd_ps(v, w0, a5); b5 = _mm256_fmadd_ps(v, w1, b5);
    }
    store_row(job, row, n0, a0, b0, lanes);
    store_row(job, row + 1, n0, a1, b1, lanes);
    store_row(job, row + 2, n0, a2, b2, lanes);
    store_row(job, row + 3, n0, a3, b3, lanes);
    store_row(job, row + 4, n0, a4, b4, lanes);
    store_row(job, row + 5, n0, a5, b5, lanes);
}

// One activation row against one panel (the rows left over after the 6-row tiles).
CK_AVX2 static void tile1(const f32_job *job, const float *panel, int64_t row, int64_t n0, int lanes) {
    const float *x = job->x + row * job->ldx;
    __m256 a = _mm256_setzero_ps(), b = a;
    for (int64_t t = 0; t < job->k; t++) {
        const __m256 v = _mm256_broadcast_ss(x + t);
        a = _mm256_fmadd_ps(v, _mm256_load_ps(panel + F32_PANEL_ROWS * t), a);
        b = _mm256_fmadd_ps(v, _mm256_load_ps(panel + F32_PANEL_ROWS * t + 8), b);
    }
    store_row(job, row, n0, a, b, lanes);
}

// Task t covers activation rows [48 i, 48 i + 48) and panels [4 j, 4 j + 4), i = t / panel_tasks.
CK_AVX2 static void linear_f32_task(void *context, int64_t task) {
    const f32_job *job = context;
    const int64_t r0 = (task / job->panel_tasks) * F32_TASK_ROWS, p0 = (task % job->panel_tasks) * F32_TASK_PANELS;
    const int64_t r1 = r0 + F32_TASK_ROWS < job->m ? r0 + F32_TASK_ROWS : job->m;
    const int64_t p1 = p0 + F32_TASK_PANELS < job->panel_count ? p0 + F32_TASK_PANELS : job->panel_count;
    for (int64_t p = p0; p < p1; p++) {
        const float *panel = job->panels + p * job->k * F32_PANEL_ROWS;
        const int64_t n0 = p * F32_PANEL_ROWS;
        const int lanes = job->n - n0 < F32_PANEL_ROWS ? (int)(job->n - n0) : F32_PANEL_ROWS;
        int64_t r = r0;
        for (; r + F32_TILE_ROWS <= r1; r += F32_TILE_ROWS) tile6(job, panel, r, n0, lanes);
        for (; r < r1; r++) tile1(job, panel, r, n0, lanes);
    }
}
#endif

int ck_linear_f32_packed(ck_pool *pool, const float *panels, int64_t n, int64_t k, const float *x, int64_t ldx, int64_t m,
                         float *out, int64_t ldo, const float *bias, const float *residual, int64_t ldr) {
#if CK_X86
    if (ck_f32_panels_floats(n, k) == 0 || !panels || m < 0 || ldx < k || ldo < n || (residual && ldr < n)) return -1;
    if (m == 0) return 0;
    f32_job job = {
        .panels = panels, .x = x, .bias = bias, .residual = residual, .out = out,
        .n = n, .k = k, .m = m, .ldx = ldx, .ldo = ldo, .ldr = ldr,
        .panel_count = (n + F32_PANEL_ROWS - 1) / F32_PANEL_ROWS,
    };
    job.panel_tasks = (job.panel_count + F32_TASK_PANELS - 1) / F32_TASK_PANELS;
    ck_pool_run(pool, ((m + F32_TASK_ROWS - 1) / F32_TASK_ROWS) * job.panel_tasks, linear_f32_task, &job);
    return 0;
#else
    (void)pool, (void)panels, (void)n, (void)k, (void)x, (void)ldx, (void)m, (void)out, (void)ldo, (void)bias, (void)residual, (void)ldr;
    return -1;
#endif
}
