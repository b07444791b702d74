#ifndef MLP_CKERNELS_H
#define MLP_CKERNELS_H
// The hot numeric kernels of MLPTensor, in C so that they can use AVX2/FMA where the CPU has
// them and a portable path where it does not (chosen at run time, see ck_cpu_features).

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

#ifdef __cplusplus
}
#endif
#endif
