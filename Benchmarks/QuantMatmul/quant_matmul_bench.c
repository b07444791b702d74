// The quantized matmul against OpenBLAS sgemm on the four GEMM shapes of a MiniLM layer at
// M = 640 rows (a batch of 32 sentences of 20 tokens), in GFLOP per CPU-second of the process
// (so that a machine shared with other jobs does not skew the comparison), plus the largest
// difference between the AVX2 and the scalar path. Not part of the package build:
//
//   S=Sources/CKernels; clang -O3 -I$S/include -I/usr/include/x86_64-linux-gnu/openblas-pthread \
//     $S/matmul.c $S/quant.c $S/pool.c $S/cpu.c $S/half.c Benchmarks/QuantMatmul/quant_matmul_bench.c \
//     -o /tmp/quant-matmul-bench -lopenblas -lpthread -lm && /tmp/quant-matmul-bench 1
//
// The argument is the thread count (our pool and OpenBLAS); 1 gives per-core rates.
#include "ckernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
#include <cblas.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static float rnd(void){return (float)rand()/(float)RAND_MAX*2-1;}
int main(int argc,char**argv){
  int threads=argc>1?atoi(argv[1]):2;
  ck_pool*pool=ck_pool_create(threads);
  int shapes[][3]={{640,384,1152},{640,384,384},{640,384,1536},{640,1536,384},{37,96,13},{5,64,9}};
  for(int si=0;si<6;si++){
    int m=shapes[si][0],k=shapes[si][1],n=shapes[si][2];
    float*x=malloc(sizeof(float)*m*k),*w=malloc(sizeof(float)*n*k),*o1=malloc(sizeof(float)*m*n),*o2=malloc(sizeof(float)*m*n);
    for(int i=0;i<m*k;i++)x[i]=rnd(); for(int i=0;i<n*k;i++)w[i]=rnd()*0.1f;
    for(int type=0;type<2;type++){
      size_t rb=(size_t)(k/32)*(type==0?34:18); char*wq=malloc(rb*n);
      for(int r=0;r<n;r++){ if(type==0)ck_quantize_row_q8_0(w+(size_t)r*k,(ck_block_q8_0*)(wq+r*rb),k); else ck_quantize_row_q4_0(w+(size_t)r*k,(ck_block_q4_0*)(wq+r*rb),k);}
      ck_select_kernel_path(CK_PATH_SCALAR);
      ck_matmul_quantized(pool,type,wq,n,k,x,k,m,o1,n);
      ck_select_kernel_path(CK_PATH_AVX2);
      ck_matmul_quantized(pool,type,wq,n,k,x,k,m,o2,n);
      double md=0,ms=0; for(int i=0;i<m*n;i++){double d=fabs(o1[i]-o2[i]); if(d>md)md=d; if(fabs(o1[i])>ms)ms=fabs(o1[i]);}
      int reps=m>100?20:1; double t0=now(); for(int r=0;r<reps;r++) ck_matmul_quantized(pool,type,wq,n,k,x,k,m,o2,n); double t=(now()-t0)/reps;
      printf("%s m%d k%d n%d maxdiff %.3g (max %.3g)  %.3f ms  %.1f GFLOP/s\n",type?"q4":"q8",m,k,n,md,ms,t*1e3,2.0*m*n*k/t*1e-9);
      free(wq);
    }
    openblas_set_num_threads(threads);
    int reps=m>100?20:1; double t0=now(); for(int r=0;r<reps;r++) cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasTrans,m,n,k,1,x,k,w,k,0,o1,n); double t=(now()-t0)/reps;
    printf("f32 m%d k%d n%d %.3f ms %.1f GFLOP/s\n",m,k,n,t*1e3,2.0*m*n*k/t*1e-9);
  }
}
