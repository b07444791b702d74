#include "internal.h"
#include <stdlib.h>

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
#else
uint32_t ck_cpu_features(void) { return 0; }
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
