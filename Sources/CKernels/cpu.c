#include "internal.h"
#include <stdlib.h>
#include <time.h>

#if CK_X86
#include <cpuid.h>

uint32_t ck_cpu_features(void) {
    unsigned int eax, ebx, ecx, edx;
    uint32_t features = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const int has_fma = (ecx >> 12) & 1, has_f16c = (ecx >> 29) & 1, has_osxsave = (ecx >> 27) & 1;
    // The OS must save the YMM registers (XCR0 bits 1 and 2) for AVX code to be usable.
    int ymm_saved = 0;
    if (has_osxsave) {
        unsigned int xcr0_lo, xcr0_hi;
        __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
        ymm_saved = (xcr0_lo & 6) == 6;
    }
    if (ymm_saved && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && ((ebx >> 5) & 1)) features |= CK_CPU_AVX2;
    if (ymm_saved && has_fma) features |= CK_CPU_FMA;
    if (has_f16c) features |= CK_CPU_F16C;
    return features;
}

#define CK_FMA_ROUND(r) r = _mm256_fmadd_ps(x, r, y)
CK_AVX2 static double fma_peak_avx2(int64_t iterations) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    const __m256 x = _mm256_set1_ps(0.5f), y = _mm256_set1_ps(0.25f);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int64_t i = 0; i < iterations; i++) {
        CK_FMA_ROUND(a0); CK_FMA_ROUND(a1); CK_FMA_ROUND(a2); CK_FMA_ROUND(a3); CK_FMA_ROUND(a4); CK_FMA_ROUND(a5);
        CK_FMA_ROUND(a6); CK_FMA_ROUND(a7); CK_FMA_ROUND(a8); CK_FMA_ROUND(a9); CK_FMA_ROUND(a10); CK_FMA_ROUND(a11);
        // Keeps the compiler from folding the rounds: each accumulator must be in a register here.
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    return seconds > 0 ? (double)iterations * 12 * 16 / seconds : 0;
}
#undef CK_FMA_ROUND

double ck_fma_peak_flops(int64_t iterations) {
    const uint32_t need = CK_CPU_AVX2 | CK_CPU_FMA;
    if (iterations < 1 || (ck_cpu_features() & need) != need) return 0;
    return fma_peak_avx2(iterations);
}
#else
uint32_t ck_cpu_features(void) { return 0; }
double ck_fma_peak_flops(int64_t iterations) { (void)iterations; return 0; }
#endif

// -1 until first use; then a CK_PATH_* value.
static int selected_path = -1;

static int best_supported_path(void) {
    const uint32_t need = CK_CPU_AVX2 | CK_CPU_FMA | CK_CPU_F16C;
    return (CK_X86 && (ck_cpu_features() & need) == need) ? CK_PATH_AVX2 : CK_PATH_SCALAR;
}

int ck_kernel_path(void) {
    int path = __atomic_load_n(&selected_path, __ATOMIC_RELAXED);
    if (path >= 0) return path;
    path = best_supported_path();
    const char *forced = getenv("MLP_KERNELS");
    if (forced && strcmp(forced, "scalar") == 0) path = CK_PATH_SCALAR;
    __atomic_store_n(&selected_path, path, __ATOMIC_RELAXED);
    return path;
}

int ck_select_kernel_path(int path) {
    const int chosen = (path == CK_PATH_AVX2 && best_supported_path() == CK_PATH_AVX2) ? CK_PATH_AVX2 : CK_PATH_SCALAR;
    __atomic_store_n(&selected_path, chosen, __ATOMIC_RELAXED);
    return chosen;
}
