// The int8 product's ceiling on this CPU, beside ck_fma_peak_flops' fp32 one: AVX2 without VNNI
// multiplies u8 x s8 with vpmaddubsw (32 products -> 16 int16 pair sums), widens with vpmaddwd by
// ones (-> 8 int32) and adds with vpaddd, as GGML's Q8_0 dot product and ONNX Runtime's AVX2 int8
// GEMM do. Six independent chains, all in registers, one core. Not part of the package build:
//
//   gcc -O2 -mavx2 -mfma -o /tmp/int8_peak Benchmarks/QuantMatmul/int8_peak.c && /tmp/int8_peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
int main(void) {
    const __m256i ones = _mm256_set1_epi16(1), s = _mm256_set1_epi8(-2);
    __m256i u0 = _mm256_set1_epi8(1), u1 = _mm256_set1_epi8(2), u2 = _mm256_set1_epi8(3), u3 = _mm256_set1_epi8(4), u4 = _mm256_set1_epi8(5), u5 = _mm256_set1_epi8(6);
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    const long iterations = 200000000;
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
#define R(c, u) c = _mm256_add_epi32(c, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones))
    for (long i = 0; i < iterations; i++) {
        __asm__ volatile("" : "+x"(u0), "+x"(u1), "+x"(u2), "+x"(u3), "+x"(u4), "+x"(u5));
        R(c0, u0); R(c1, u1); R(c2, u2); R(c3, u3); R(c4, u4); R(c5, u5);
        __asm__ volatile("" : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4), "+x"(c5));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    int out[8]; _mm256_storeu_si256((__m256i *)out, _mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c5)));
    printf("int8 u8 x s8 (vpmaddubsw + vpmaddwd + vpaddd): %.1f G multiply-adds/s on one core (%.3f s; checksum %d)\n", iterations * 6.0 * 32 / sec / 1e9, sec, out[0]);
    return 0;
}
