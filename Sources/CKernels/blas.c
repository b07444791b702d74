#include "internal.h"

// The few OpenBLAS entry points used, declared here rather than through cblas.h, whose
// include directory differs between distributions. The enums are ints in the C ABI.
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
void cblas_dgemm(int order, int trans_a, int trans_b, int m, int n, int k, double alpha, const double *a, int lda,
                 const double *b, int ldb, double beta, double *c, int ldc);
void openblas_set_num_threads(int threads);
int openblas_get_num_threads(void);

void ck_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
    cblas_sgemm(CBLAS_ROW_MAJOR, trans_a ? CBLAS_TRANS : CBLAS_NO_TRANS, trans_b ? CBLAS_TRANS : CBLAS_NO_TRANS,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void ck_dgemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc) {
    cblas_dgemm(CBLAS_ROW_MAJOR, trans_a ? CBLAS_TRANS : CBLAS_NO_TRANS, trans_b ? CBLAS_TRANS : CBLAS_NO_TRANS,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void ck_blas_set_threads(int threads) { openblas_set_num_threads(threads < 1 ? 1 : threads); }

int ck_blas_threads(void) { return openblas_get_num_threads(); }
