// parts_kernels.cu: the kernels bench_parts.c measures partitions with
// (parts_kernels.h). Each is launched on the stream it is given, so it runs
// in whichever green context that stream belongs to.
#include <cuda_runtime.h>

#include "parts_kernels.h"

__device__ static unsigned smid(void)
{
	unsigned r;
	asm volatile("mov.u32 %0, %%smid;" : "=r"(r));
	return r;
}

// Marks the SMs any block ran on: seen[smid] = 1.
__global__ static void k_smid(int *seen, int iters)
{
	float x = (float)threadIdx.x;
	for (int i = 0; i < iters; i++)
		x = x * 1.0000001f + 0.5f;
	if (threadIdx.x == 0)
		seen[smid()] = 1;
	if (x == -1.0f)
		seen[0] = 2; // never: keeps the loop
}

// Compute-bound: a dependent FMA chain per thread, no memory traffic.
__global__ static void k_fma(float *out, int iters)
{
	float a = (float)threadIdx.x * 1e-3f, b = 1.0000001f, c = 1e-7f;
	float x0 = a, x1 = a + 1, x2 = a + 2, x3 = a + 3;
	for (int i = 0; i < iters; i++) {
		x0 = x0 * b + c;
		x1 = x1 * b + c;
		x2 = x2 * b + c;
		x3 = x3 * b + c;
	}
	if (x0 + x1 + x2 + x3 == -1.0f)
		out[blockIdx.x] = x0; // never
}

// Memory-bound: out = in * 2 + 1 over n floats, grid-stride.
__global__ static void k_copy(const float4 *in, float4 *out, size_t n4)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n4;
	     i += (size_t)gridDim.x * blockDim.x) {
		float4 v = in[i];
		v.x = v.x * 2 + 1;
		v.y = v.y * 2 + 1;
		v.z = v.z * 2 + 1;
		v.w = v.w * 2 + 1;
		out[i] = v;
	}
}

// A kernel launched with thread-block clusters (cudaLaunchKernelEx), as
// cuBLASLt's Hopper GEMMs are; each block writes its cluster rank.
__global__ static void k_cluster(int *out)
{
	unsigned r = 0;
#if __CUDA_ARCH__ >= 900
	asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
#endif
	if (threadIdx.x == 0)
		out[blockIdx.x] = (int)r;
}

extern "C" int pk_smid(cudaStream_t s, int *d_seen, int blocks, int iters)
{
	k_smid<<<blocks, 128, 0, s>>>(d_seen, iters);
	return (int)cudaGetLastError();
}

extern "C" int pk_fma(cudaStream_t s, float *d_out, int blocks, int iters)
{
	k_fma<<<blocks, 256, 0, s>>>(d_out, iters);
	return (int)cudaGetLastError();
}

extern "C" int pk_copy(cudaStream_t s, const float *in, float *out, size_t n, int blocks)
{
	k_copy<<<blocks, 512, 0, s>>>((const float4 *)in, (float4 *)out, n / 4);
	return (int)cudaGetLastError();
}

extern "C" int pk_cluster(cudaStream_t s, int *d_out, int blocks, int cluster)
{
	cudaLaunchConfig_t cfg = {};
	cudaLaunchAttribute at[1];
	at[0].id = cudaLaunchAttributeClusterDimension;
	at[0].val.clusterDim.x = (unsigned)cluster;
	at[0].val.clusterDim.y = 1;
	at[0].val.clusterDim.z = 1;
	cfg.gridDim = dim3((unsigned)blocks);
	cfg.blockDim = dim3(128);
	cfg.stream = s;
	cfg.attrs = at;
	cfg.numAttrs = 1;
	if (cluster > 8) {
		cudaError_t e = cudaFuncSetAttribute(k_cluster, cudaFuncAttributeNonPortableClusterSizeAllowed, 1);
		if (e != cudaSuccess)
			return (int)e;
	}
	cudaError_t e = cudaLaunchKernelEx(&cfg, k_cluster, d_out);
	if (e != cudaSuccess)
		return (int)e;
	return (int)cudaGetLastError();
}

extern "C" int pk_max_cluster(cudaStream_t s, int blocks, int *size)
{
	cudaLaunchConfig_t cfg = {};
	cfg.gridDim = dim3((unsigned)blocks);
	cfg.blockDim = dim3(128);
	cfg.stream = s;
	cudaFuncSetAttribute(k_cluster, cudaFuncAttributeNonPortableClusterSizeAllowed, 1);
	return (int)cudaOccupancyMaxPotentialClusterSize(size, (void *)k_cluster, &cfg);
}
