/* parts_kernels.h: kernels for bench_parts.c (parts_kernels.cu). Each
 * returns a cudaError_t as an int (0: launched). */
#ifndef ABACUS_PARTS_KERNELS_H
#define ABACUS_PARTS_KERNELS_H

#include <stddef.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* d_seen[smid] = 1 for every SM a block of `blocks` ran on. */
int pk_smid(cudaStream_t s, int *d_seen, int blocks, int iters);
/* Compute-bound: blocks x 256 threads of `iters` dependent FMAs x 4. */
int pk_fma(cudaStream_t s, float *d_out, int blocks, int iters);
/* Memory-bound: out = 2 in + 1 over n floats (n a multiple of 4). */
int pk_copy(cudaStream_t s, const float *in, float *out, size_t n, int blocks);
/* A launch with thread-block clusters of `cluster` blocks. */
int pk_cluster(cudaStream_t s, int *d_out, int blocks, int cluster);
/* cudaOccupancyMaxPotentialClusterSize of that kernel where s runs. */
int pk_max_cluster(cudaStream_t s, int blocks, int *size);

#ifdef __cplusplus
}
#endif

#endif
