/* cuda_kernels.cu: the kernels behind cuda_kernels.h.
 *
 * All are memory-bound; the aim is one pass over the data with coalesced
 * accesses, not cleverness. Row kernels (layer norm, softmax) keep the row in
 * shared memory or registers so the second and third passes do not go back
 * to device memory.
 */
#include "cuda_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_pipeline.h>
#include <math.h>
#include <mma.h>
#include <stdint.h>

namespace
{

constexpr int kThreads = 256;

/* Enough blocks to fill the GPU several times over; the kernels loop over
 * the rest (grid-stride), so any n works with one launch. */
unsigned blocks_for(int64_t n)
{
	int64_t b = (n + kThreads - 1) / kThreads;
	if (b > 32768)
		b = 32768;
	return b < 1 ? 1u : (unsigned)b;
}

/* Storage is float, __half (the fp16 mode) or __nv_bfloat16 (bf16);
 * arithmetic is float. */
__device__ __forceinline__ float ld(const float *p)
{
	return *p;
}
__device__ __forceinline__ float ld(const __half *p)
{
	return __half2float(*p);
}
__device__ __forceinline__ float ld(const __nv_bfloat16 *p)
{
	return __bfloat162float(*p);
}
__device__ __forceinline__ void st(float *p, float v)
{
	*p = v;
}
__device__ __forceinline__ void st(__half *p, float v)
{
	*p = __float2half_rn(v);
}
__device__ __forceinline__ void st(__nv_bfloat16 *p, float v)
{
	*p = __float2bfloat16_rn(v);
}

/* Eight 16-bit values (one 16-byte load) widened to float and back; the
 * float form (two loads) only so that DISPATCH compiles every branch. */
__device__ __forceinline__ void ld8(const float *p, float *v)
{
	for (int k = 0; k < 8; k++)
		v[k] = p[k];
}
__device__ __forceinline__ void st8(float *p, const float *v)
{
	for (int k = 0; k < 8; k++)
		p[k] = v[k];
}
__device__ __forceinline__ void ld8(const __half *p, float *v)
{
	uint4 u = *(const uint4 *)p;
	const __half2 *h = (const __half2 *)&u;
	for (int k = 0; k < 4; k++) {
		float2 f = __half22float2(h[k]);
		v[2 * k] = f.x, v[2 * k + 1] = f.y;
	}
}
__device__ __forceinline__ void ld8(const __nv_bfloat16 *p, float *v)
{
	uint4 u = *(const uint4 *)p;
	const __nv_bfloat162 *h = (const __nv_bfloat162 *)&u;
	for (int k = 0; k < 4; k++) {
		float2 f = __bfloat1622float2(h[k]);
		v[2 * k] = f.x, v[2 * k + 1] = f.y;
	}
}
__device__ __forceinline__ void st8(__half *p, const float *v)
{
	uint4 u;
	__half2 *h = (__half2 *)&u;
	for (int k = 0; k < 4; k++)
		h[k] = __floats2half2_rn(v[2 * k], v[2 * k + 1]);
	*(uint4 *)p = u;
}
__device__ __forceinline__ void st8(__nv_bfloat16 *p, const float *v)
{
	uint4 u;
	__nv_bfloat162 *h = (__nv_bfloat162 *)&u;
	for (int k = 0; k < 4; k++)
		h[k] = __floats2bfloat162_rn(v[2 * k], v[2 * k + 1]);
	*(uint4 *)p = u;
}

__device__ __forceinline__ float act_apply(float v, int act)
{
	switch (act) {
	case ZOO_ACT_RELU:
		return fmaxf(v, 0.0f);
	case ZOO_ACT_RELU6:
		return fminf(fmaxf(v, 0.0f), 6.0f);
	case ZOO_ACT_GELU:
		return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
	case ZOO_ACT_TANH:
		return tanhf(v);
	default:
		return v;
	}
}

template <typename T>
__global__ void bias_act_kernel(T *y, const T *__restrict__ bias, int64_t n, int64_t inner, int c,
                                int act)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		float v = ld(y + i);
		if (bias)
			v += ld(bias + (i / inner) % c);
		st(y + i, act_apply(v, act));
	}
}

/* Same, four values per thread: used when inner (and so n) is a multiple of
 * four, which holds for every FC and for all conv planes but 7x7 and 1x1. */
__global__ void bias_act4_kernel(float4 *y, const float *__restrict__ bias, int64_t n4,
                                 int64_t inner4, int c, int act)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n4;
	     i += (int64_t)gridDim.x * blockDim.x) {
		float4 v = y[i];
		if (bias && inner4 > 0) {
			float bb = bias[(i / inner4) % c];
			v.x += bb, v.y += bb, v.z += bb, v.w += bb;
		} else if (bias) {
			/* inner == 1 (FC rows): four consecutive channels. */
			int64_t e = (i * 4) % c;
			v.x += bias[e], v.y += bias[e + 1], v.z += bias[e + 2], v.w += bias[e + 3];
		}
		v.x = act_apply(v.x, act), v.y = act_apply(v.y, act);
		v.z = act_apply(v.z, act), v.w = act_apply(v.w, act);
		y[i] = v;
	}
}

template <typename T>
__global__ void add_act_kernel(T *out, const T *a, const T *b, int64_t n, int act)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x)
		st(out + i, act_apply(ld(a + i) + ld(b + i), act));
}

__global__ void add_act4_kernel(float4 *out, const float4 *a, const float4 *b, int64_t n4, int act)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n4;
	     i += (int64_t)gridDim.x * blockDim.x) {
		float4 x = a[i], y = b[i], r;
		r.x = act_apply(x.x + y.x, act), r.y = act_apply(x.y + y.y, act);
		r.z = act_apply(x.z + y.z, act), r.w = act_apply(x.w + y.w, act);
		out[i] = r;
	}
}

template <typename T>
__global__ void embed_kernel(T *out, const int32_t *__restrict__ ids, const T *__restrict__ word,
                             const T *__restrict__ pos, const T *__restrict__ type0, int rows,
                             int seq, int feat, int vocab)
{
	int64_t n = (int64_t)rows * feat;
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int r = (int)(i / feat), f = (int)(i % feat);
		int id = ids[r];
		if (id < 0 || id >= vocab) {
			st(out + i, __int_as_float(0x7fc00000));
			continue;
		}
		st(out + i, ld(word + (int64_t)id * feat + f) +
		                ld(pos + (int64_t)(r % seq) * feat + f) + ld(type0 + f));
	}
}

__device__ __forceinline__ float warp_sum(float v)
{
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

__device__ __forceinline__ float warp_max(float v)
{
	for (int o = 16; o > 0; o >>= 1)
		v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

/* Sum over the block; every thread gets the result. red holds 32 floats. */
__device__ float block_sum(float v, float *red)
{
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	v = warp_sum(v);
	__syncthreads(); /* red may still be read from the previous call */
	if (lane == 0)
		red[warp] = v;
	__syncthreads();
	int nw = (blockDim.x + 31) >> 5;
	v = lane < nw ? red[lane] : 0.0f;
	return warp_sum(v);
}

/* One block per row; the row is cached in shared memory so the mean, the
 * variance (two-pass, for accuracy) and the output each read it once. */
template <typename T>
__global__ void layernorm_kernel(T *out, const T *a, const T *b, const T *__restrict__ gamma,
                                 const T *__restrict__ beta, int feat, float eps)
{
	extern __shared__ float row[];
	__shared__ float red[32];
	int64_t base = (int64_t)blockIdx.x * feat;
	float s = 0.0f;
	for (int f = threadIdx.x; f < feat; f += blockDim.x) {
		float v = ld(a + base + f);
		if (b)
			v += ld(b + base + f);
		row[f] = v;
		s += v;
	}
	float mean = block_sum(s, red) / feat;
	float q = 0.0f;
	for (int f = threadIdx.x; f < feat; f += blockDim.x) {
		float d = row[f] - mean;
		q += d * d;
	}
	float rstd = rsqrtf(block_sum(q, red) / feat + eps);
	for (int f = threadIdx.x; f < feat; f += blockDim.x)
		st(out + base + f, (row[f] - mean) * rstd * ld(gamma + f) + ld(beta + f));
}

/* One warp per row for rows of at most 32 * kLnPerLane features, a multiple
 * of 32: lane i holds features i, i + 32, ... in registers, so the mean and
 * the variance (two-pass, as above) are warp reductions with no block
 * barrier; a 768-feature row of bert is 24 values a lane. */
constexpr int kLnPerLane = 32;
constexpr int kLnWarps = 4;

template <typename T>
__global__ void layernorm_warp_kernel(T *out, const T *a, const T *b, const T *__restrict__ gamma,
                                      const T *__restrict__ beta, int64_t rows, int feat,
                                      float eps)
{
	int64_t r = (int64_t)blockIdx.x * kLnWarps + (threadIdx.x >> 5);
	int lane = threadIdx.x & 31, per = feat >> 5;
	if (r >= rows)
		return;
	int64_t base = r * feat;
	float v[kLnPerLane];
	float s = 0.0f;
#pragma unroll
	for (int k = 0; k < kLnPerLane; k++)
		if (k < per) {
			int f = lane + 32 * k;
			float x = ld(a + base + f);
			if (b)
				x += ld(b + base + f);
			v[k] = x;
			s += x;
		}
	float mean = warp_sum(s) / feat;
	float q = 0.0f;
#pragma unroll
	for (int k = 0; k < kLnPerLane; k++)
		if (k < per) {
			float d = v[k] - mean;
			q += d * d;
		}
	float rstd = rsqrtf(warp_sum(q) / feat + eps);
#pragma unroll
	for (int k = 0; k < kLnPerLane; k++)
		if (k < per) {
			int f = lane + 32 * k;
			st(out + base + f, (v[k] - mean) * rstd * ld(gamma + f) + ld(beta + f));
		}
}

/* Eight values at p, 16-byte aligned, as float: one 16-byte access for
 * the 16-bit types, two for float. */
__device__ __forceinline__ void ld8v(const float *p, float *v)
{
	float4 x = *(const float4 *)p, y = *(const float4 *)(p + 4);
	v[0] = x.x, v[1] = x.y, v[2] = x.z, v[3] = x.w;
	v[4] = y.x, v[5] = y.y, v[6] = y.z, v[7] = y.w;
}
template <typename T> __device__ __forceinline__ void ld8v(const T *p, float *v)
{
	ld8(p, v);
}
__device__ __forceinline__ void st8v(float *p, const float *v)
{
	*(float4 *)p = make_float4(v[0], v[1], v[2], v[3]);
	*(float4 *)(p + 4) = make_float4(v[4], v[5], v[6], v[7]);
}
template <typename T> __device__ __forceinline__ void st8v(T *p, const float *v)
{
	st8(p, v);
}

/* layernorm_warp_kernel with each lane holding 8 consecutive features a
 * pass of 256 (16-byte loads and stores), for rows a multiple of 256
 * features on 16-byte aligned tensors: bert's 768 is three passes. The
 * scalar form reads 4 or 2 bytes a lane an instruction. Measured on an
 * H100 (Nsight Compute, bench/results/h100/bert-kernels/): 17% to 20%
 * faster at fp32 b8, fp16 b4 and fp16 b32; at fp32 b32 6% slower (9.3 us
 * a call against 8.8, 0.6% of that run's kernel time), so kept for all. */
template <typename T>
__global__ void layernorm_warp8_kernel(T *out, const T *a, const T *b, const T *__restrict__ gamma,
                                       const T *__restrict__ beta, int64_t rows, int feat,
                                       float eps)
{
	constexpr int kPasses = kLnPerLane / 8;
	int64_t r = (int64_t)blockIdx.x * kLnWarps + (threadIdx.x >> 5);
	int lane = threadIdx.x & 31, passes = feat >> 8;
	if (r >= rows)
		return;
	int64_t base = r * feat;
	float v[kLnPerLane];
	float s = 0.0f;
#pragma unroll
	for (int k = 0; k < kPasses; k++)
		if (k < passes) {
			int f = 8 * (lane + 32 * k);
			ld8v(a + base + f, v + 8 * k);
			if (b) {
				float w[8];
				ld8v(b + base + f, w);
#pragma unroll
				for (int j = 0; j < 8; j++)
					v[8 * k + j] += w[j];
			}
#pragma unroll
			for (int j = 0; j < 8; j++)
				s += v[8 * k + j];
		}
	float mean = warp_sum(s) / feat;
	float q = 0.0f;
#pragma unroll
	for (int k = 0; k < kPasses; k++)
		if (k < passes)
#pragma unroll
			for (int j = 0; j < 8; j++) {
				float d = v[8 * k + j] - mean;
				q += d * d;
			}
	float rstd = rsqrtf(warp_sum(q) / feat + eps);
#pragma unroll
	for (int k = 0; k < kPasses; k++)
		if (k < passes) {
			int f = 8 * (lane + 32 * k);
			float g[8], be[8], o[8];
			ld8v(gamma + f, g);
			ld8v(beta + f, be);
#pragma unroll
			for (int j = 0; j < 8; j++)
				o[j] = (v[8 * k + j] - mean) * rstd * g[j] + be[j];
			st8v(out + base + f, o);
		}
}

/* One warp per row, the row held in registers (len <= 32 * kMaxPerLane). */
constexpr int kMaxPerLane = 16;

template <typename T>
__global__ void softmax_warp_kernel(T *out, const T *in, int64_t rows, int len)
{
	int64_t r = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5);
	int lane = threadIdx.x & 31;
	if (r >= rows)
		return;
	const T *x = in + r * len;
	float v[kMaxPerLane];
	float m = -INFINITY;
#pragma unroll
	for (int k = 0; k < kMaxPerLane; k++) {
		int j = k * 32 + lane;
		v[k] = j < len ? ld(x + j) : -INFINITY;
		m = fmaxf(m, v[k]);
	}
	m = warp_max(m);
	float s = 0.0f;
#pragma unroll
	for (int k = 0; k < kMaxPerLane; k++) {
		int j = k * 32 + lane;
		v[k] = j < len ? expf(v[k] - m) : 0.0f;
		s += v[k];
	}
	float inv = 1.0f / warp_sum(s);
	T *y = out + r * len;
#pragma unroll
	for (int k = 0; k < kMaxPerLane; k++) {
		int j = k * 32 + lane;
		if (j < len)
			st(y + j, v[k] * inv);
	}
}

/* Long rows: one block per row, three passes through the row in memory. */
template <typename T> __global__ void softmax_block_kernel(T *out, const T *in, int len)
{
	__shared__ float red[32];
	const T *x = in + (int64_t)blockIdx.x * len;
	T *y = out + (int64_t)blockIdx.x * len;
	float m = -INFINITY;
	for (int j = threadIdx.x; j < len; j += blockDim.x)
		m = fmaxf(m, ld(x + j));
	/* block max: the same two-level reduction as block_sum */
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	m = warp_max(m);
	if (lane == 0)
		red[warp] = m;
	__syncthreads();
	m = lane < (int)((blockDim.x + 31) >> 5) ? red[lane] : -INFINITY;
	m = warp_max(m);
	float s = 0.0f;
	for (int j = threadIdx.x; j < len; j += blockDim.x)
		s += expf(ld(x + j) - m);
	float inv = 1.0f / block_sum(s, red);
	for (int j = threadIdx.x; j < len; j += blockDim.x)
		st(y + j, expf(ld(x + j) - m) * inv);
}

/* Attention: each warp takes query rows in turn. Its lanes first own keys
 * (lane j scores keys j, j + 32, ... against the query, held in shared
 * memory and read as a broadcast), then, after the warp's softmax
 * reductions, own output features (lane d sums p_j v_j[d] over keys). K rows
 * are padded by one float so the lanes' reads of K[j][d] fall in 32
 * different banks. */
constexpr int kAttnQueries = 32;
constexpr int kAttnWarps = 8;
constexpr size_t kAttnSmemMax = 48 * 1024; /* no opt-in needed on any GPU */

size_t attn_smem(int seq, int dh)
{
	return ((size_t)seq * (2 * dh + 1) + (size_t)kAttnWarps * (dh + seq)) * sizeof(float);
}

template <typename T>
__global__ void attention_kernel(T *out, const T *__restrict__ qkv, int seq, int feat, int heads,
                                 float scale)
{
	extern __shared__ float sm[];
	const int dh = feat / heads, kst = dh + 1;
	float *K = sm, *V = K + (size_t)seq * kst;
	int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
	float *q = V + (size_t)seq * dh + warp * dh;
	float *p = V + (size_t)seq * dh + kAttnWarps * dh + warp * seq;
	int n = blockIdx.x / heads, h = blockIdx.x % heads;
	const int64_t row = 3LL * feat;
	const T *base = qkv + (int64_t)n * seq * row + (int64_t)h * dh;
	for (int i = threadIdx.x; i < seq * dh; i += blockDim.x) {
		int j = i / dh, d = i % dh;
		K[j * kst + d] = ld(base + j * row + feat + d);
		V[i] = ld(base + j * row + 2 * feat + d);
	}
	__syncthreads();
	int q_end = min(seq, (int)(blockIdx.y + 1) * kAttnQueries);
	for (int i = blockIdx.y * kAttnQueries + warp; i < q_end; i += kAttnWarps) {
		for (int d = lane; d < dh; d += 32)
			q[d] = ld(base + i * row + d);
		__syncwarp();
		float m = -INFINITY;
		for (int j = lane; j < seq; j += 32) {
			const float *k = K + j * kst;
			float s = 0.0f;
			for (int d = 0; d < dh; d++)
				s = fmaf(q[d], k[d], s);
			s *= scale;
			p[j] = s;
			m = fmaxf(m, s);
		}
		m = warp_max(m);
		float sum = 0.0f;
		for (int j = lane; j < seq; j += 32) {
			float e = expf(p[j] - m);
			p[j] = e;
			sum += e;
		}
		float inv = 1.0f / warp_sum(sum);
		__syncwarp();
		T *o = out + ((int64_t)n * seq + i) * feat + (int64_t)h * dh;
		for (int d = lane; d < dh; d += 32) {
			float acc = 0.0f;
			for (int j = 0; j < seq; j++)
				acc = fmaf(p[j], V[j * dh + d], acc);
			st(o + d, acc * inv);
		}
		__syncwarp(); /* q and p are rewritten for the next row */
	}
}

/* Attention, register-tiled (cuda_k_attention with rt): each warp takes
 * kAttnRows query rows at once, so every K value read from shared memory
 * feeds kAttnRows score FMAs and every V value kAttnRows output FMAs; the
 * query rows (and then their probabilities) are read as float4 broadcasts.
 * The same sums in the same order as attention_kernel.
 * K rows are padded to an odd number of float4s so that the float4 reads of
 * eight lanes (one shared-memory wavefront) fall in 32 different banks.
 * Needs dh % 4 == 0. A block holds one (sample, head)'s K and V and takes
 * groups_per_block groups of kAttnRows queries (grid.y chunks them), its
 * warps one group at a time. Under 128 registers (two blocks of 8 warps per
 * SM) it does not spill; held to 80 (three) it does, and unrolling the
 * d and j loops spills too. */
constexpr int kAttnRows = 8;

__host__ __device__ int attn_rt_kst(int dh)
{
	return ((dh / 4) | 1) * 4;
}

__host__ __device__ int attn_rt_pst(int seq)
{
	return (seq + 3) & ~3;
}

size_t attn_rt_smem(int seq, int dh, int warps)
{
	return ((size_t)seq * (attn_rt_kst(dh) + dh) +
	        (size_t)warps * kAttnRows * (dh + attn_rt_pst(seq))) *
	       sizeof(float);
}

template <typename T>
__global__ void __launch_bounds__(kAttnWarps * 32, 2)
    attention_rt_kernel(T *out, const T *__restrict__ qkv, int seq, int feat, int heads,
                        float scale, int groups_per_block)
{
	extern __shared__ float4 sm4[];
	float *sm = (float *)sm4;
	const int dh = feat / heads, kst = attn_rt_kst(dh), pst = attn_rt_pst(seq), d4n = dh / 4;
	const int warps = blockDim.x >> 5;
	float *K = sm, *V = K + (size_t)seq * kst;
	int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
	float *q = V + (size_t)seq * dh + (size_t)warp * kAttnRows * dh;
	float *p =
	    V + (size_t)seq * dh + (size_t)warps * kAttnRows * dh + (size_t)warp * kAttnRows * pst;
	int n = blockIdx.x / heads, h = blockIdx.x % heads;
	const int64_t row = 3LL * feat;
	const T *base = qkv + (int64_t)n * seq * row + (int64_t)h * dh;
	for (int i = threadIdx.x; i < seq * d4n; i += blockDim.x) {
		int j = i / d4n, d = (i % d4n) * 4;
		const T *kg = base + j * row + feat + d, *vg = kg + feat;
		*(float4 *)(K + j * kst + d) =
		    make_float4(ld(kg), ld(kg + 1), ld(kg + 2), ld(kg + 3));
		*(float4 *)(V + j * dh + d) =
		    make_float4(ld(vg), ld(vg + 1), ld(vg + 2), ld(vg + 3));
	}
	__syncthreads();
	const int groups = (seq + kAttnRows - 1) / kAttnRows;
	const int g1 = min(groups, (int)(blockIdx.y + 1) * groups_per_block);
	for (int g = blockIdx.y * groups_per_block + warp; g < g1; g += warps) {
		const int i0 = g * kAttnRows;
		for (int x = lane; x < kAttnRows * dh; x += 32) {
			int r = x / dh, d = x % dh;
			q[x] = i0 + r < seq ? ld(base + (int64_t)(i0 + r) * row + d) : 0.0f;
		}
		__syncwarp();
		for (int j = lane; j < seq; j += 32) {
			const float4 *k4 = (const float4 *)(K + j * kst);
			float s[kAttnRows];
#pragma unroll
			for (int r = 0; r < kAttnRows; r++)
				s[r] = 0.0f;
#pragma unroll 1
			for (int d4 = 0; d4 < d4n; d4++) {
				float4 kv = k4[d4];
#pragma unroll
				for (int r = 0; r < kAttnRows; r++) {
					float4 qv = ((const float4 *)(q + r * dh))[d4];
					s[r] = fmaf(qv.x, kv.x, s[r]);
					s[r] = fmaf(qv.y, kv.y, s[r]);
					s[r] = fmaf(qv.z, kv.z, s[r]);
					s[r] = fmaf(qv.w, kv.w, s[r]);
				}
			}
#pragma unroll
			for (int r = 0; r < kAttnRows; r++) {
				s[r] *= scale;
				p[r * pst + j] = s[r];
			}
		}
		float inv = 0.0f; /* lane r holds row r's 1 / sum */
#pragma unroll
		for (int r = 0; r < kAttnRows; r++) {
			float mr = -INFINITY, sum = 0.0f; /* the max read back from p */
			for (int j = lane; j < seq; j += 32)
				mr = fmaxf(mr, p[r * pst + j]);
			mr = warp_max(mr);
			for (int j = lane; j < seq; j += 32) {
				float e = expf(p[r * pst + j] - mr);
				p[r * pst + j] = e;
				sum += e;
			}
			sum = warp_sum(sum);
			if (lane == r)
				inv = 1.0f / sum;
		}
		__syncwarp();
		/* every lane in every pass (the shuffles below): one past dh reads
		 * column dh - 1 and stores nothing */
		for (int d0 = 0; d0 < dh; d0 += 32) {
			const int d = min(d0 + lane, dh - 1);
			float acc[kAttnRows];
#pragma unroll
			for (int r = 0; r < kAttnRows; r++)
				acc[r] = 0.0f;
			int j = 0;
#pragma unroll 1
			for (; j + 4 <= seq; j += 4) {
				const float *v = V + j * dh + d;
				float v0 = v[0], v1 = v[dh], v2 = v[2 * dh], v3 = v[3 * dh];
#pragma unroll
				for (int r = 0; r < kAttnRows; r++) {
					float4 pv = *(const float4 *)(p + r * pst + j);
					acc[r] = fmaf(pv.x, v0, acc[r]);
					acc[r] = fmaf(pv.y, v1, acc[r]);
					acc[r] = fmaf(pv.z, v2, acc[r]);
					acc[r] = fmaf(pv.w, v3, acc[r]);
				}
			}
			for (; j < seq; j++) {
				float v = V[j * dh + d];
#pragma unroll
				for (int r = 0; r < kAttnRows; r++)
					acc[r] = fmaf(p[r * pst + j], v, acc[r]);
			}
#pragma unroll
			for (int r = 0; r < kAttnRows; r++) {
				float ir = __shfl_sync(0xffffffffu, inv, r);
				if (i0 + r < seq && d0 + lane < dh)
					st(out + ((int64_t)n * seq + i0 + r) * feat +
					       (int64_t)h * dh + d,
					   acc[r] * ir);
			}
		}
		__syncwarp(); /* q and p are rewritten for the next group */
	}
}

/* Attention on tensor cores (cuda_k_attention with CUDA_K_ATTN_TC): a block
 * holds one (sample, head)'s K and V in shared memory, keys padded with
 * zero rows to a multiple of 16, and its warps take tiles of 16 query rows
 * in turn (grid.y chunks the tiles as attention_rt_launch chunks its
 * groups). K, V and Q reach shared memory by asynchronous copies (cp.async),
 * all in flight at once. Per tile, through nvcuda::wmma: the scores Q K^T
 * (16 x s16) into float accumulators, stored to the warp's float buffer;
 * the softmax in float, two lanes a row, each every other key, the padded keys
 * (j >= seq) taken as -inf (probability 0, so the zero V rows they meet add
 * nothing); then P V with the unnormalised probabilities, and the output
 * times 1 / sum in float, stored in the storage type, rows past seq never
 * written. fp16 and bf16 (m16n16k16): P is rounded to the storage type for
 * the P V product, and the sum is taken over the rounded values so that
 * the weights applied still sum to one. fp32 (m16n16k8, TF32): the
 * operands are rounded to TF32 as they are loaded into fragments, P is kept
 * in float in place of the scores. Needs dh a multiple of 16 up to
 * kAttnTcMaxDh (the output's accumulators stay in registers across the key
 * loop) and 16-byte aligned QKV and output. */
constexpr int kAttnTcWarps = 4;
constexpr int kAttnTcMaxDh = 128;

/* per storage type: the fragments' element type, the k of the wmma
 * shape, and what a loaded fragment needs before mma_sync (fp32: rounding
 * to TF32, as wmma's tf32 loads leave the floats as they are) */
template <typename T> struct tc_op {
	using prec = T;
	static constexpr int k = 16;
	template <typename F> __device__ static void round(F &)
	{
	}
};
template <> struct tc_op<float> {
	using prec = nvcuda::wmma::precision::tf32;
	static constexpr int k = 8;
	template <typename F> __device__ static void round(F &f)
	{
		for (int t = 0; t < f.num_elements; t++)
			f.x[t] = nvcuda::wmma::__float_to_tf32(f.x[t]);
	}
};

/* leading dimensions in elements: Q, K and V rows (storage type), the
 * float buffer (scores, then the output; fp32's P too) and the 16-bit P;
 * each a multiple of 16 bytes as wmma needs, and 16 bytes more than a
 * multiple of 32 so that consecutive rows start in different banks */
__host__ __device__ inline int attn_tc_ldk(int dh, int esz)
{
	return dh + 16 / esz;
}
__host__ __device__ inline int attn_tc_s16(int seq)
{
	return (seq + 15) & ~15;
}
__host__ __device__ inline int attn_tc_lds(int seq, int dh)
{
	int s16 = attn_tc_s16(seq);
	return (s16 > dh ? s16 : dh) + 4;
}
__host__ __device__ inline int attn_tc_ldp(int seq)
{
	return attn_tc_s16(seq) + 8;
}

/* One warp's buffers: Q (16 rows), the float buffer (16 rows), the 16-bit
 * P (16 rows; none for fp32) and 16 floats of 1 / sum; all multiples of
 * 32 bytes, so that every wmma pointer stays 256-bit aligned. */
__host__ __device__ inline size_t attn_tc_warp_bytes(int seq, int dh, int esz)
{
	return (size_t)16 * attn_tc_ldk(dh, esz) * esz + (size_t)16 * attn_tc_lds(seq, dh) * 4 +
	       (esz == 4 ? 0 : (size_t)16 * attn_tc_ldp(seq) * 2) + 16 * 4;
}

size_t attn_tc_smem(int seq, int dh, int esz, int warps)
{
	return (size_t)2 * attn_tc_s16(seq) * attn_tc_ldk(dh, esz) * esz +
	       (size_t)warps * attn_tc_warp_bytes(seq, dh, esz);
}

/* P's element: 16-bit types rounded (the value returned is the rounded
 * one, for the sum); float as it is, rounded to TF32 in the fragment */
__device__ __forceinline__ float put_p(float *p, float e)
{
	*p = e;
	return e;
}
template <typename T> __device__ __forceinline__ float put_p(T *p, float e)
{
	st(p, e);
	return ld(p);
}

template <typename T>
__global__ void __launch_bounds__(kAttnTcWarps * 32)
    attention_tc_kernel(T *out, const T *__restrict__ qkv, int seq, int feat, int heads,
                        float scale, int tiles_per_block)
{
	namespace wmma = nvcuda::wmma;
	using prec = typename tc_op<T>::prec;
	constexpr int KK = tc_op<T>::k, esz = sizeof(T), vec = 16 / esz;
	extern __shared__ __align__(128) unsigned char tc_sm[];
	const int dh = feat / heads, s16 = attn_tc_s16(seq), ldk = attn_tc_ldk(dh, esz);
	const int lds = attn_tc_lds(seq, dh), ldp = esz == 4 ? lds : attn_tc_ldp(seq);
	const int dv = dh / vec; /* 16-byte vectors per row of a head */
	const int warps = blockDim.x >> 5, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
	T *K = (T *)tc_sm, *V = K + (size_t)s16 * ldk;
	unsigned char *wb =
	    (unsigned char *)(V + (size_t)s16 * ldk) + warp * attn_tc_warp_bytes(seq, dh, esz);
	T *Q = (T *)wb;
	float *Sf = (float *)(Q + 16 * ldk);
	T *P = esz == 4 ? (T *)Sf : (T *)(Sf + 16 * lds);
	float *inv = esz == 4 ? Sf + 16 * lds : (float *)(P + 16 * ldp);
	const int n = blockIdx.x / heads, h = blockIdx.x % heads;
	const int64_t row = 3LL * feat;
	const T *base = qkv + (int64_t)n * seq * row + (int64_t)h * dh;
	/* K, V and each warp's first Q tile are copied to shared memory
	 * asynchronously (cp.async on sm_80 and later), every copy in flight
	 * at once: loaded into registers and stored, a loop's global reads
	 * waited one after another */
	const uint4 zero = make_uint4(0, 0, 0, 0);
	for (int i = threadIdx.x; i < s16 * dv; i += blockDim.x) {
		int j = i / dv, d = (i % dv) * vec;
		if (j < seq) {
			const T *kg = base + (int64_t)j * row + feat + d;
			__pipeline_memcpy_async(K + j * ldk + d, kg, 16);
			__pipeline_memcpy_async(V + j * ldk + d, kg + feat, 16);
		} else {
			*(uint4 *)(K + j * ldk + d) = zero;
			*(uint4 *)(V + j * ldk + d) = zero;
		}
	}
	const int tiles = s16 / 16;
	const int t0 = blockIdx.y * tiles_per_block + warp;
	const int t1 = min(tiles, (int)(blockIdx.y + 1) * tiles_per_block);
	/* this warp's Q tile t into Q, asynchronously */
	auto copy_q = [&](int t) {
		for (int x = lane; x < 16 * dv; x += 32) {
			int r = x / dv, d = (x % dv) * vec, i = t * 16 + r;
			if (i < seq)
				__pipeline_memcpy_async(Q + r * ldk + d,
				                        base + (int64_t)i * row + d, 16);
			else
				*(uint4 *)(Q + r * ldk + d) = zero;
		}
	};
	if (t0 < t1)
		copy_q(t0);
	__pipeline_commit();
	__pipeline_wait_prior(0);
	__syncthreads(); /* K and V, copied by the whole block */
	for (int t = t0; t < t1; t += warps) {
		const int i0 = t * 16;
		if (t != t0) {
			copy_q(t);
			__pipeline_commit();
			__pipeline_wait_prior(0);
			__syncwarp();
		}
		for (int c = 0; c < s16; c += 16) {
			wmma::fragment<wmma::accumulator, 16, 16, KK, float> acc;
			wmma::fill_fragment(acc, 0.0f);
			for (int d = 0; d < dh; d += KK) {
				wmma::fragment<wmma::matrix_a, 16, 16, KK, prec, wmma::row_major> a;
				wmma::fragment<wmma::matrix_b, 16, 16, KK, prec, wmma::col_major> b;
				wmma::load_matrix_sync(a, Q + d, ldk);
				/* K^T as a column-major kk x 16: element (d, j) at
				 * K[(c + j) * ldk + d] */
				wmma::load_matrix_sync(b, K + c * ldk + d, ldk);
				tc_op<T>::round(a);
				tc_op<T>::round(b);
				wmma::mma_sync(acc, a, b, acc);
			}
			wmma::store_matrix_sync(Sf + c, acc, lds, wmma::mem_row_major);
		}
		__syncwarp();
		{
			/* two lanes a row, each every other key: the 16 rows at
			 * once, where a row at a time across the warp waited on
			 * two warp-wide reductions per row */
			const int r = lane >> 1, half = lane & 1;
			const float *sr = Sf + r * lds;
			float m = -INFINITY, sum = 0.0f;
			for (int j = half; j < seq; j += 2)
				m = fmaxf(m, sr[j] * scale);
			m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
			/* each lane reads and then writes only its own j, so
			 * fp32's P may take the scores' place */
			for (int j = half; j < s16; j += 2)
				sum += put_p(P + r * ldp + j,
				             j < seq ? expf(sr[j] * scale - m) : 0.0f);
			sum += __shfl_xor_sync(0xffffffffu, sum, 1);
			if (half == 0)
				inv[r] = 1.0f / sum;
		}
		__syncwarp();
		wmma::fragment<wmma::accumulator, 16, 16, KK, float> o[kAttnTcMaxDh / 16];
#pragma unroll
		for (int c = 0; c < kAttnTcMaxDh / 16; c++)
			if (c * 16 < dh)
				wmma::fill_fragment(o[c], 0.0f);
		for (int j = 0; j < s16; j += KK) {
			wmma::fragment<wmma::matrix_a, 16, 16, KK, prec, wmma::row_major> a;
			wmma::load_matrix_sync(a, P + j, ldp);
			tc_op<T>::round(a);
#pragma unroll
			for (int c = 0; c < kAttnTcMaxDh / 16; c++)
				if (c * 16 < dh) {
					wmma::fragment<wmma::matrix_b, 16, 16, KK, prec,
					               wmma::row_major>
					    b;
					wmma::load_matrix_sync(b, V + j * ldk + c * 16, ldk);
					tc_op<T>::round(b);
					wmma::mma_sync(o[c], a, b, o[c]);
				}
		}
		__syncwarp(); /* fp32: the output takes P's place */
#pragma unroll
		for (int c = 0; c < kAttnTcMaxDh / 16; c++)
			if (c * 16 < dh)
				wmma::store_matrix_sync(Sf + c * 16, o[c], lds,
				                        wmma::mem_row_major);
		__syncwarp();
		for (int x = lane; x < 16 * (dh / 8); x += 32) {
			int r = x / (dh / 8), d = (x % (dh / 8)) * 8;
			if (i0 + r >= seq)
				continue;
			float v[8];
			const float ir = inv[r];
			for (int k = 0; k < 8; k++)
				v[k] = Sf[r * lds + d + k] * ir;
			st8(out + ((int64_t)n * seq + i0 + r) * feat + (int64_t)h * dh + d, v);
		}
		__syncwarp(); /* Q, the float buffer and P are rewritten for the next tile */
	}
}

template <typename T> __global__ void fill_kernel(T *p, int64_t n, uint64_t seed)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		/* splitmix64 of (seed, i): independent values without a generator
		 * state per thread. */
		uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		st(p + i, (float)((double)(z >> 11) * (2.0 / 9007199254740992.0) - 1.0));
	}
}

/* One thread per col element, output position fastest: the writes are
 * coalesced and neighbouring threads read neighbouring (or, at stride 2,
 * every other) input pixels. */
template <typename T>
__global__ void im2col_kernel(T *col, const T *__restrict__ x, int64_t n, int batch, int c, int h,
                              int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
                              int fold)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int ox = (int)(i % wo);
		int64_t t = i / wo;
		int oy = (int)(t % ho);
		t /= ho;
		int64_t sample = 0;
		if (fold) {
			sample = t % batch;
			t /= batch;
		}
		int kx = (int)(t % kw);
		t /= kw;
		int ky = (int)(t % kh);
		t /= kh; /* fold: channel; else sample * c + channel */
		int64_t plane = fold ? sample * c + t : t;
		int iy = oy * sh - ph + ky, ix = ox * sw - pw + kx;
		col[i] =
		    iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(plane * h + iy) * w + ix] : T(0.0f);
	}
}

/* The partial sums are float in both modes (the GEMM accumulates and
 * writes them in float); bias and output are the storage type. */
template <typename T>
__global__ void splitk_sum_kernel(T *y, const float *__restrict__ part, int splits, int batch,
                                  int cout, int pix, const T *__restrict__ bias, int act)
{
	int64_t n = (int64_t)batch * cout * pix, stride = n;
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int p = (int)(i % pix);
		int64_t t = i / pix;
		int ch = (int)(t % cout);
		int64_t sample = t / cout;
		const float *src = part + ((int64_t)ch * batch + sample) * pix + p;
		float v = bias ? ld(bias + ch) : 0.0f;
		for (int k = 0; k < splits; k++)
			v += src[k * stride];
		st(y + i, act_apply(v, act));
	}
}

/* 16-bit storage, eight values per thread (n a multiple of eight, every
 * pointer 16-byte aligned): bias + activation where eight consecutive
 * values share a channel (inner % 8 == 0, NCHW planes) or are eight
 * consecutive channels (inner == 1 with c % 8 == 0: FC rows, NHWC). */
template <typename T>
__global__ void bias_act8_kernel(T *y, const T *__restrict__ bias, int64_t n8, int64_t inner, int c,
                                 int act)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n8;
	     i += (int64_t)gridDim.x * blockDim.x) {
		float v[8];
		ld8(y + i * 8, v);
		if (bias && inner > 1) {
			float bb = ld(bias + (i * 8 / inner) % c);
			for (int k = 0; k < 8; k++)
				v[k] += bb;
		} else if (bias) {
			float bv[8];
			ld8(bias + (i * 8) % c, bv);
			for (int k = 0; k < 8; k++)
				v[k] += bv[k];
		}
		for (int k = 0; k < 8; k++)
			v[k] = act_apply(v[k], act);
		st8(y + i * 8, v);
	}
}

template <typename T>
__global__ void add_act8_kernel(T *out, const T *a, const T *b, int64_t n8, int act)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n8;
	     i += (int64_t)gridDim.x * blockDim.x) {
		float x[8], y[8];
		ld8(a + i * 8, x);
		ld8(b + i * 8, y);
		for (int k = 0; k < 8; k++)
			x[k] = act_apply(x[k] + y[k], act);
		st8(out + i * 8, x);
	}
}

/* NCHW max or average (padding counted in the divisor) pooling, one
 * output value per thread: consecutive threads take consecutive columns of
 * one output row (NHWC pools in pool_nhwc_kernel). */
template <typename T>
__global__ void pool_kernel(T *y, const T *__restrict__ x, int64_t n, int c, int h, int w, int ho,
                            int wo, int kh, int kw, int sh, int sw, int ph, int pw, int is_max)
{
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int64_t t = i;
		int ox = (int)(t % wo);
		t /= wo;
		int oy = (int)(t % ho);
		t /= ho;
		int ch = (int)(t % c);
		int64_t sample = t / c;
		float acc = is_max ? -INFINITY : 0.0f;
		for (int ky = 0; ky < kh; ky++) {
			int iy = oy * sh - ph + ky;
			if (iy < 0 || iy >= h)
				continue;
			for (int kx = 0; kx < kw; kx++) {
				int ix = ox * sw - pw + kx;
				if (ix < 0 || ix >= w)
					continue;
				float v = ld(x + ((sample * c + ch) * h + iy) * w + ix);
				/* NaN propagates, as cuDNN's CUDNN_PROPAGATE_NAN */
				acc = is_max ? (v > acc || v != v ? v : acc) : acc + v;
			}
		}
		st(y + i, is_max ? acc : acc / (float)(kh * kw));
	}
}

/* NHWC channel concat: each of rows pixel rows of the output (c units
 * wide) is the inputs' rows side by side, input k w[k] units wide. U is
 * the unit copied: a stored value, or 16 bytes where every width is a
 * multiple of that. I, the index type: 32-bit where the output's unit
 * count fits (cheaper divisions), else 64-bit. */
struct concat_args {
	const void *in[ZOO_MAX_IN];
	int w[ZOO_MAX_IN];
	int n;
};

template <typename U, typename I> __global__ void concat_kernel(U *y, concat_args a, I rows, int c)
{
	I n = rows * (I)c;
	for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n;
	     i += (I)gridDim.x * blockDim.x) {
		I r = i / (I)c;
		int col = (int)(i - r * (I)c), k = 0;
		while (k + 1 < a.n && col >= a.w[k])
			col -= a.w[k++];
		y[i] = ((const U *)a.in[k])[r * (I)a.w[k] + (I)col];
	}
}

/* Depthwise convolution (groups == channels), bias and activation fused.
 * Filters are [c][kh][kw] in both layouts (one input channel per filter).
 * Each thread computes kDwPx neighbouring outputs of one row, so its
 * filter taps are loaded once for all of them. KH, KW, SW > 0: window and
 * horizontal stride at compile time (3x3 at stride 1 or 2): per window row
 * the thread loads the (kDwPx - 1) * SW + KW input columns its outputs
 * share into registers once (zero in the padding); 0: any window and
 * stride at run time, each tap read where it lies (L1 serves the
 * overlaps). */
constexpr int kDwPx = 4;

/* V stored values widened to float and back: one 16-byte access where V
 * says so (8 16-bit values, 4 floats), else one value at a time. */
template <int V, typename T> __device__ __forceinline__ void ldv(const T *p, float *v)
{
	if constexpr (V == 8 && sizeof(T) == 2)
		ld8(p, v);
	else if constexpr (V == 4 && sizeof(T) == 4) {
		float4 f = *(const float4 *)p;
		v[0] = f.x, v[1] = f.y, v[2] = f.z, v[3] = f.w;
	} else {
		for (int k = 0; k < V; k++)
			v[k] = ld(p + k);
	}
}
template <int V, typename T> __device__ __forceinline__ void stv(T *p, const float *v)
{
	if constexpr (V == 8 && sizeof(T) == 2)
		st8(p, v);
	else if constexpr (V == 4 && sizeof(T) == 4)
		*(float4 *)p = make_float4(v[0], v[1], v[2], v[3]);
	else {
		for (int k = 0; k < V; k++)
			st(p + k, v[k]);
	}
}

/* NCHW: thread i takes outputs [xs*kDwPx, xs*kDwPx + kDwPx) of row oy of
 * plane (sample, ch); i = ((sample*c + ch)*ho + oy)*nxs + xs, so a warp
 * covers a row's strips, neighbouring threads reading neighbouring input
 * columns. */
template <typename T, int KH, int KW, int SW>
__global__ void dw_nchw_kernel(T *y, const T *__restrict__ x, const T *__restrict__ wt,
                               const T *__restrict__ bias, int64_t n, int c, int h, int w, int ho,
                               int wo, int kh_, int kw_, int sh, int sw_, int ph, int pw, int act)
{
	const int kh = KH ? KH : kh_, kw = KW ? KW : kw_, sw = SW ? SW : sw_;
	const int nxs = (wo + kDwPx - 1) / kDwPx;
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int xs = (int)(i % nxs);
		int64_t t = i / nxs;
		int oy = (int)(t % ho);
		int64_t plane = t / ho; /* sample * c + ch */
		int ch = (int)(plane % c);
		const T *xp = x + plane * h * w;
		const T *wp = wt + (int64_t)ch * kh * kw;
		float b = bias ? ld(bias + ch) : 0.0f;
		float acc[kDwPx];
#pragma unroll
		for (int p = 0; p < kDwPx; p++)
			acc[p] = b;
		const int ox0 = xs * kDwPx;
#pragma unroll
		for (int ky = 0; ky < kh; ky++) {
			int iy = oy * sh - ph + ky;
			if (iy < 0 || iy >= h)
				continue;
			const T *row = xp + (int64_t)iy * w;
			if constexpr (SW > 0) {
				constexpr int nwin = (kDwPx - 1) * SW + KW;
				float r[nwin];
#pragma unroll
				for (int j = 0; j < nwin; j++) {
					int ix = ox0 * SW - pw + j;
					r[j] = ix >= 0 && ix < w ? ld(row + ix) : 0.0f;
				}
#pragma unroll
				for (int kx = 0; kx < KW; kx++) {
					float wv = ld(wp + ky * KW + kx);
#pragma unroll
					for (int p = 0; p < kDwPx; p++)
						acc[p] = fmaf(wv, r[p * SW + kx], acc[p]);
				}
			} else {
				for (int kx = 0; kx < kw; kx++) {
					float wv = ld(wp + ky * kw + kx);
#pragma unroll
					for (int p = 0; p < kDwPx; p++) {
						int ix = (ox0 + p) * sw - pw + kx;
						if (ox0 + p < wo && ix >= 0 && ix < w)
							acc[p] = fmaf(wv, ld(row + ix), acc[p]);
					}
				}
			}
		}
		T *yp = y + (plane * ho + oy) * wo;
#pragma unroll
		for (int p = 0; p < kDwPx; p++)
			if (ox0 + p < wo)
				st(yp + ox0 + p, act_apply(acc[p], act));
	}
}

/* NHWC: thread i takes channels [g*V, g*V + V) of outputs [xs*kDwPx,
 * xs*kDwPx + kDwPx) of row oy of a sample; i = ((sample*ho + oy)*nxs +
 * xs)*(c/V) + g, channels fastest, so a warp's loads and stores are
 * consecutive V-value vectors of one pixel. c % V == 0. */
template <typename T, int V, int KH, int KW, int SW>
__global__ void dw_nhwc_kernel(T *y, const T *__restrict__ x, const T *__restrict__ wt,
                               const T *__restrict__ bias, int64_t n, int c, int h, int w, int ho,
                               int wo, int kh_, int kw_, int sh, int sw_, int ph, int pw, int act)
{
	const int kh = KH ? KH : kh_, kw = KW ? KW : kw_, sw = SW ? SW : sw_;
	const int nxs = (wo + kDwPx - 1) / kDwPx, cv = c / V;
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int c0 = (int)(i % cv) * V;
		int64_t t = i / cv;
		int xs = (int)(t % nxs);
		t /= nxs;
		int oy = (int)(t % ho);
		int64_t sample = t / ho;
		float acc[kDwPx][V];
#pragma unroll
		for (int v = 0; v < V; v++) {
			float b = bias ? ld(bias + c0 + v) : 0.0f;
#pragma unroll
			for (int p = 0; p < kDwPx; p++)
				acc[p][v] = b;
		}
		const int ox0 = xs * kDwPx;
#pragma unroll
		for (int ky = 0; ky < kh; ky++) {
			int iy = oy * sh - ph + ky;
			if (iy < 0 || iy >= h)
				continue;
			const T *row = x + (sample * h + iy) * w * (int64_t)c + c0;
			if constexpr (SW > 0) {
				constexpr int nwin = (kDwPx - 1) * SW + KW;
				float r[nwin][V];
#pragma unroll
				for (int j = 0; j < nwin; j++) {
					int ix = ox0 * SW - pw + j;
					if (ix >= 0 && ix < w) {
						ldv<V>(row + (int64_t)ix * c, r[j]);
					} else {
#pragma unroll
						for (int v = 0; v < V; v++)
							r[j][v] = 0.0f;
					}
				}
#pragma unroll
				for (int kx = 0; kx < KW; kx++) {
#pragma unroll
					for (int v = 0; v < V; v++) {
						float wv = ld(wt + (int64_t)(c0 + v) * (KH * KW) +
						              ky * KW + kx);
#pragma unroll
						for (int p = 0; p < kDwPx; p++)
							acc[p][v] =
							    fmaf(wv, r[p * SW + kx][v], acc[p][v]);
					}
				}
			} else {
				for (int kx = 0; kx < kw; kx++) {
					float wv[V];
#pragma unroll
					for (int v = 0; v < V; v++)
						wv[v] = ld(wt + (int64_t)(c0 + v) * kh * kw +
						           ky * kw + kx);
#pragma unroll
					for (int p = 0; p < kDwPx; p++) {
						int ix = (ox0 + p) * sw - pw + kx;
						if (ox0 + p >= wo || ix < 0 || ix >= w)
							continue;
						float xv[V];
						ldv<V>(row + (int64_t)ix * c, xv);
#pragma unroll
						for (int v = 0; v < V; v++)
							acc[p][v] = fmaf(wv[v], xv[v], acc[p][v]);
					}
				}
			}
		}
		T *yr = y + (sample * ho + oy) * wo * (int64_t)c + c0;
#pragma unroll
		for (int p = 0; p < kDwPx; p++) {
			if (ox0 + p >= wo)
				continue;
#pragma unroll
			for (int v = 0; v < V; v++)
				acc[p][v] = act_apply(acc[p][v], act);
			stv<V>(yr + (int64_t)(ox0 + p) * c, acc[p]);
		}
	}
}

bool aligned16(const void *p)
{
	return ((uintptr_t)p & 15u) == 0;
}

/* NHWC pooling, V channels a thread (8 16-bit values or 4 floats in one
 * 16-byte access where the channel count and the pointers allow, else 1),
 * the window clipped to the image once rather than tested per tap. I is
 * the index type: 32-bit where every element index fits (the divisions
 * that split a thread's index into channel group, column, row and sample
 * are then 32-bit, several times cheaper than 64-bit ones), else 64-bit.
 * Average pooling divides by the whole window, padding counted, as
 * pool_kernel; max propagates NaN as it does. */
template <typename T, int V, typename I>
__global__ void pool_nhwc_kernel(T *y, const T *__restrict__ x, I n, int cv, int h, int w, int ho,
                                 int wo, int kh, int kw, int sh, int sw, int ph, int pw, int is_max)
{
	const float inv = 1.0f / (float)(kh * kw);
	for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n;
	     i += (I)gridDim.x * blockDim.x) {
		I t = i;
		int cg = (int)(t % (I)cv);
		t /= (I)cv;
		int ox = (int)(t % (I)wo);
		t /= (I)wo;
		int oy = (int)(t % (I)ho);
		I sample = t / (I)ho;
		int y0 = oy * sh - ph, x0 = ox * sw - pw;
		int ky0 = y0 < 0 ? -y0 : 0, ky1 = h - y0 < kh ? h - y0 : kh;
		int kx0 = x0 < 0 ? -x0 : 0, kx1 = w - x0 < kw ? w - x0 : kw;
		float acc[V];
		for (int k = 0; k < V; k++)
			acc[k] = is_max ? -INFINITY : 0.0f;
		for (int ky = ky0; ky < ky1; ky++) {
			/* every index term is non-negative: the clipped window
			 * starts inside the image */
			const T *row =
			    x + (((sample * (I)h + (I)(y0 + ky)) * (I)w + (I)(x0 + kx0)) * (I)cv +
			         (I)cg) *
			            (I)V;
			for (int kx = kx0; kx < kx1; kx++) {
				float v[V];
				ldv<V>(row + (I)(kx - kx0) * (I)cv * (I)V, v);
				for (int k = 0; k < V; k++)
					acc[k] =
					    is_max ? (v[k] > acc[k] || v[k] != v[k] ? v[k] : acc[k])
					           : acc[k] + v[k];
			}
		}
		if (!is_max)
			for (int k = 0; k < V; k++)
				acc[k] *= inv;
		stv<V>(y + i * (I)V, acc);
	}
}

} /* namespace */

/* The float kernels, or the same for __half (half 1) or __nv_bfloat16
 * (half 2). */
#define DISPATCH(half, ...)                                                                        \
	do {                                                                                       \
		if (half == 2) {                                                                   \
			using T = __nv_bfloat16;                                                   \
			__VA_ARGS__;                                                               \
		} else if (half) {                                                                 \
			using T = __half;                                                          \
			__VA_ARGS__;                                                               \
		} else {                                                                           \
			using T = float;                                                           \
			__VA_ARGS__;                                                               \
		}                                                                                  \
	} while (0)

extern "C" cudaError_t cuda_k_bias_act(void *y, const void *bias, int64_t n, int64_t inner, int c,
                                       zoo_act act, int half, cudaStream_t s)
{
	if (n <= 0)
		return cudaSuccess;
	/* the vector forms need the bias to line up with their vectors; an
	 * activation alone (bias NULL, e.g. the GELU after a cuBLASLt
	 * epilogue) takes them wherever the length and alignment allow */
	if (!half && n % 4 == 0 && aligned16(y) &&
	    (!bias || inner % 4 == 0 || (inner == 1 && c % 4 == 0))) {
		int64_t n4 = n / 4;
		bias_act4_kernel<<<blocks_for(n4), kThreads, 0, s>>>(
		    (float4 *)y, (const float *)bias, n4, inner == 1 ? 0 : inner / 4, c, (int)act);
	} else if (half && n % 8 == 0 && aligned16(y) &&
	           (!bias || (aligned16(bias) && (inner % 8 == 0 || (inner == 1 && c % 8 == 0))))) {
		DISPATCH(half, bias_act8_kernel<T><<<blocks_for(n / 8), kThreads, 0, s>>>(
		                   (T *)y, (const T *)bias, n / 8, inner, c, (int)act));
	} else {
		DISPATCH(half, bias_act_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(
		                   (T *)y, (const T *)bias, n, inner, c, (int)act));
	}
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_im2col(void *col, const void *x, int batch, int c, int h, int w,
                                     int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
                                     int fold, int half, cudaStream_t s)
{
	int64_t n = (int64_t)batch * c * kh * kw * ho * wo;
	if (n <= 0)
		return cudaSuccess;
	DISPATCH(half, im2col_kernel<T>
	         <<<blocks_for(n), kThreads, 0, s>>>((T *)col, (const T *)x, n, batch, c, h, w, kh,
	                                             kw, sh, sw, ph, pw, ho, wo, fold));
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_splitk_sum(void *y, const float *part, int splits, int batch,
                                         int cout, int pix, const void *bias, zoo_act act, int half,
                                         cudaStream_t s)
{
	int64_t n = (int64_t)batch * cout * pix;
	if (n <= 0)
		return cudaSuccess;
	DISPATCH(half, splitk_sum_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(
	                   (T *)y, part, splits, batch, cout, pix, (const T *)bias, (int)act));
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_add_act(void *out, const void *a, const void *b, int64_t n,
                                      zoo_act act, int half, cudaStream_t s)
{
	if (n <= 0)
		return cudaSuccess;
	if (!half && n % 4 == 0 && aligned16(out) && aligned16(a) && aligned16(b))
		add_act4_kernel<<<blocks_for(n / 4), kThreads, 0, s>>>(
		    (float4 *)out, (const float4 *)a, (const float4 *)b, n / 4, (int)act);
	else if (half && n % 8 == 0 && aligned16(out) && aligned16(a) && aligned16(b))
		DISPATCH(half, add_act8_kernel<T><<<blocks_for(n / 8), kThreads, 0, s>>>(
		                   (T *)out, (const T *)a, (const T *)b, n / 8, (int)act));
	else
		DISPATCH(half, add_act_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(
		                   (T *)out, (const T *)a, (const T *)b, n, (int)act));
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_embed(void *out, const int32_t *ids, const void *word,
                                    const void *pos, const void *type0, int rows, int seq, int feat,
                                    int vocab, int half, cudaStream_t s)
{
	int64_t n = (int64_t)rows * feat;
	if (n <= 0)
		return cudaSuccess;
	DISPATCH(half, embed_kernel<T>
	         <<<blocks_for(n), kThreads, 0, s>>>((T *)out, ids, (const T *)word, (const T *)pos,
	                                             (const T *)type0, rows, seq, feat, vocab));
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_layernorm(void *out, const void *a, const void *b, const void *gamma,
                                        const void *beta, int rows, int feat, float eps, int half,
                                        cudaStream_t s)
{
	if (rows <= 0)
		return cudaSuccess;
	if (feat % 256 == 0 && feat <= 32 * kLnPerLane && aligned16(out) && aligned16(a) &&
	    aligned16(b) && aligned16(gamma) && aligned16(beta)) {
		DISPATCH(half, layernorm_warp8_kernel<T>
		         <<<(unsigned)((rows + kLnWarps - 1) / kLnWarps), kLnWarps * 32, 0, s>>>(
		             (T *)out, (const T *)a, (const T *)b, (const T *)gamma,
		             (const T *)beta, rows, feat, eps));
		return cudaGetLastError();
	}
	if (feat % 32 == 0 && feat <= 32 * kLnPerLane) {
		DISPATCH(half, layernorm_warp_kernel<T>
		         <<<(unsigned)((rows + kLnWarps - 1) / kLnWarps), kLnWarps * 32, 0, s>>>(
		             (T *)out, (const T *)a, (const T *)b, (const T *)gamma, (const T *)beta,
		             rows, feat, eps));
		return cudaGetLastError();
	}
	size_t shm = (size_t)feat * sizeof(float);
	if (shm > 48 * 1024)
		return cudaErrorInvalidValue; /* rows of more than 12288 features */
	int threads = feat >= 1024 ? 512 : 256;
	DISPATCH(half, layernorm_kernel<T>
	         <<<rows, threads, shm, s>>>((T *)out, (const T *)a, (const T *)b, (const T *)gamma,
	                                     (const T *)beta, feat, eps));
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_softmax(void *out, const void *in, int64_t rows, int len, int half,
                                      cudaStream_t s)
{
	if (rows <= 0)
		return cudaSuccess;
	if (len <= 32 * kMaxPerLane) {
		int warps = kThreads / 32;
		int64_t blocks = (rows + warps - 1) / warps;
		if (blocks > 0x7fffffff)
			return cudaErrorInvalidValue;
		DISPATCH(half, softmax_warp_kernel<T><<<(unsigned)blocks, kThreads, 0, s>>>(
		                   (T *)out, (const T *)in, rows, len));
	} else {
		if (rows > 0x7fffffff)
			return cudaErrorInvalidValue;
		DISPATCH(half, softmax_block_kernel<T>
		         <<<(unsigned)rows, kThreads, 0, s>>>((T *)out, (const T *)in, len));
	}
	return cudaGetLastError();
}

extern "C" int cuda_k_attention_fits(int seq, int dh)
{
	return seq >= 1 && dh >= 1 && attn_smem(seq, dh) <= kAttnSmemMax;
}

/* The current device's SM count and the most shared memory it allows a
 * block (opt-in); non-zero with *e set where they cannot be read. */
static int attn_dev(int *sms, int *optin, cudaError_t *e)
{
	int dev = 0;
	return (*e = cudaGetDevice(&dev)) != cudaSuccess ||
	       (*e = cudaDeviceGetAttribute(sms, cudaDevAttrMultiProcessorCount, dev)) !=
	           cudaSuccess ||
	       (*e = cudaDeviceGetAttribute(optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev)) !=
	           cudaSuccess;
}

/* Chunks of a (sample, head)'s units (query groups or tiles) along grid.y:
 * only as many as it takes for bh x chunks to reach two blocks per SM, so
 * that a large batch loads each head's K and V once; *per units each. */
static int attn_chunks(int units, int64_t bh, int sms, int *per)
{
	int chunks = 1;
	while (chunks < units && bh * chunks < 2LL * sms)
		chunks++;
	*per = (units + chunks - 1) / chunks;
	return (units + *per - 1) / *per;
}

/* Launches a chunked attention kernel (the register-tiled or the
 * tensor-core one) as its launch function sized it; returns 1 with *e set.
 * Above the 48 KB every GPU gives, the kernel is opted in to the device's
 * limit, not smem: a launch of another size elsewhere stays allowed
 * whatever order these calls come in. */
template <typename T>
int attn_launch(void (*kern)(T *, const T *, int, int, int, float, int), T *out, const T *qkv,
                int64_t bh, int chunks, int warps, size_t smem, int optin, int seq, int feat,
                int heads, int per, cudaStream_t s, cudaError_t *e)
{
	if (smem > kAttnSmemMax &&
	    (*e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, optin)) !=
	        cudaSuccess)
		return 1;
	kern<<<dim3((unsigned)bh, (unsigned)chunks), warps * 32, smem, s>>>(
	    out, qkv, seq, feat, heads, 1.0f / sqrtf((float)(feat / heads)), per);
	*e = cudaGetLastError();
	return 1;
}

/* The register-tiled kernel's launch, or 0 where it cannot run (dh not a
 * multiple of 4, or its shared memory over what the device allows a block):
 * chunks of query groups per (sample, head) along grid.y only as many as
 * it takes for batch x heads x chunks to reach two blocks per SM, so that a
 * large batch loads each head's K and V once; warps per block up to
 * kAttnWarps, fewer where a chunk has fewer groups or the shared memory
 * needs it. */
template <typename T>
int attention_rt_launch(T *out, const T *qkv, int batch, int seq, int feat, int heads,
                        cudaStream_t s, cudaError_t *e)
{
	int dh = feat / heads, sms = 0, optin = 0;
	if (dh % 4)
		return 0;
	if (attn_dev(&sms, &optin, e))
		return 1;
	int64_t bh = (int64_t)batch * heads;
	int per, chunks = attn_chunks((seq + kAttnRows - 1) / kAttnRows, bh, sms, &per);
	int warps = per < kAttnWarps ? per : kAttnWarps;
	while (warps > 1 && attn_rt_smem(seq, dh, warps) > (size_t)optin)
		warps--;
	size_t smem = attn_rt_smem(seq, dh, warps);
	if (smem > (size_t)optin)
		return 0;
	return attn_launch(attention_rt_kernel<T>, out, qkv, bh, chunks, warps, smem, optin, seq,
	                   feat, heads, per, s, e);
}

/* Whether the tensor-core kernel takes this seq and dh in this storage
 * (half as cuda_k_attention's), given the device's opt-in limit: dh a
 * multiple of 16 up to kAttnTcMaxDh, and one warp's block within it. */
static int attn_tc_takes(int seq, int dh, int half, int optin)
{
	int esz = half ? 2 : 4;
	return seq >= 1 && dh >= 16 && dh % 16 == 0 && dh <= kAttnTcMaxDh &&
	       attn_tc_smem(seq, dh, esz, 1) <= (size_t)optin;
}

extern "C" int cuda_k_attention_tc_fits(int seq, int dh, int half)
{
	cudaError_t e = cudaSuccess;
	int sms = 0, optin = 0;
	if (attn_dev(&sms, &optin, &e)) {
		cudaGetLastError();
		return 0;
	}
	return attn_tc_takes(seq, dh, half, optin);
}

/* The tensor-core kernel's launch, or 0 where it cannot run (sizes
 * attn_tc_takes refuses, QKV or output not 16-byte aligned): chunks of
 * 16-row query tiles as attn_chunks makes them (batch 1 of bert, 12
 * heads, at seq 64: 48 blocks of one tile), warps per block up to
 * kAttnTcWarps, fewer where a chunk has fewer tiles or the shared memory
 * needs it. */
template <typename T>
int attention_tc_launch(T *out, const T *qkv, int batch, int seq, int feat, int heads,
                        cudaStream_t s, cudaError_t *e)
{
	int dh = feat / heads, sms = 0, optin = 0;
	if (attn_dev(&sms, &optin, e))
		return 1;
	if (!attn_tc_takes(seq, dh, sizeof(T) == 4 ? 0 : 1, optin) || (uintptr_t)qkv % 16 ||
	    (uintptr_t)out % 16)
		return 0;
	int64_t bh = (int64_t)batch * heads;
	int per, chunks = attn_chunks(attn_tc_s16(seq) / 16, bh, sms, &per);
	int warps = per < kAttnTcWarps ? per : kAttnTcWarps;
	while (warps > 1 && attn_tc_smem(seq, dh, sizeof(T), warps) > (size_t)optin)
		warps--;
	size_t smem = attn_tc_smem(seq, dh, sizeof(T), warps);
	return attn_launch(attention_tc_kernel<T>, out, qkv, bh, chunks, warps, smem, optin, seq,
	                   feat, heads, per, s, e);
}

extern "C" cudaError_t cuda_k_attention(void *out, const void *qkv, int batch, int seq, int feat,
                                        int heads, int half, int mode, cudaStream_t s)
{
	if (batch <= 0)
		return cudaSuccess;
	if (heads < 1 || feat % heads || seq < 1 || (int64_t)batch * heads > 0x7fffffff ||
	    (mode & ~(CUDA_K_ATTN_RT | CUDA_K_ATTN_TC)))
		return cudaErrorInvalidValue;
	int dh = feat / heads;
	if (mode & CUDA_K_ATTN_TC) {
		cudaError_t e = cudaSuccess;
		int done = 0;
		DISPATCH(half, done = attention_tc_launch<T>((T *)out, (const T *)qkv, batch, seq,
		                                             feat, heads, s, &e));
		if (done)
			return e;
	}
	if (!cuda_k_attention_fits(seq, dh))
		return cudaErrorInvalidValue;
	if (mode & CUDA_K_ATTN_RT) {
		cudaError_t e = cudaSuccess;
		int done = 0;
		DISPATCH(half, done = attention_rt_launch<T>((T *)out, (const T *)qkv, batch, seq,
		                                             feat, heads, s, &e));
		if (done)
			return e;
	}
	dim3 grid((unsigned)(batch * heads), (unsigned)((seq + kAttnQueries - 1) / kAttnQueries));
	DISPATCH(half, attention_kernel<T><<<grid, kAttnWarps * 32, attn_smem(seq, dh), s>>>(
	                   (T *)out, (const T *)qkv, seq, feat, heads, 1.0f / sqrtf((float)dh)));
	return cudaGetLastError();
}

/* One depthwise kernel instance: 3x3 at horizontal stride 1 or 2
 * unrolled with its input window in registers, any other window and
 * stride at run time. */
#define DW_LAUNCH(kern, ...)                                                                       \
	do {                                                                                       \
		if (kh == 3 && kw == 3 && sw == 1)                                                 \
			kern<__VA_ARGS__, 3, 3, 1><<<blocks_for(n), kThreads, 0, s>>>(             \
			    (T *)y, (const T *)x, (const T *)wt, (const T *)bias, n, c, h, w, ho,  \
			    wo, kh, kw, sh, sw, ph, pw, (int)act);                                 \
		else if (kh == 3 && kw == 3 && sw == 2)                                            \
			kern<__VA_ARGS__, 3, 3, 2><<<blocks_for(n), kThreads, 0, s>>>(             \
			    (T *)y, (const T *)x, (const T *)wt, (const T *)bias, n, c, h, w, ho,  \
			    wo, kh, kw, sh, sw, ph, pw, (int)act);                                 \
		else                                                                               \
			kern<__VA_ARGS__, 0, 0, 0><<<blocks_for(n), kThreads, 0, s>>>(             \
			    (T *)y, (const T *)x, (const T *)wt, (const T *)bias, n, c, h, w, ho,  \
			    wo, kh, kw, sh, sw, ph, pw, (int)act);                                 \
	} while (0)

extern "C" cudaError_t cuda_k_dwconv(void *y, const void *x, const void *wt, const void *bias,
                                     int batch, int c, int h, int w, int ho, int wo, int kh, int kw,
                                     int sh, int sw, int ph, int pw, zoo_act act, int nhwc,
                                     int half, cudaStream_t s)
{
	if (kh < 1 || kw < 1 || kh > CUDA_K_DW_MAXK || kw > CUDA_K_DW_MAXK || sh < 1 || sw < 1 ||
	    ph < 0 || pw < 0 || c < 1 || h < 1 || w < 1)
		return cudaErrorInvalidValue;
	int64_t nxs = (wo + kDwPx - 1) / kDwPx;
	if (batch <= 0 || ho <= 0 || wo <= 0)
		return cudaSuccess;
	if (!nhwc) {
		int64_t n = (int64_t)batch * c * ho * nxs;
		DISPATCH(half, DW_LAUNCH(dw_nchw_kernel, T));
		return cudaGetLastError();
	}
	/* 16 bytes a channel vector where every pixel row starts 16-byte
	 * aligned: 8 values of 16 bits or 4 floats */
	int vec = half ? 8 : 4;
	if (c % vec == 0 && aligned16(x) && aligned16(y)) {
		int64_t n = (int64_t)batch * ho * nxs * (c / vec);
		if (half == 2) {
			using T = __nv_bfloat16;
			DW_LAUNCH(dw_nhwc_kernel, T, 8);
		} else if (half) {
			using T = __half;
			DW_LAUNCH(dw_nhwc_kernel, T, 8);
		} else {
			using T = float;
			DW_LAUNCH(dw_nhwc_kernel, T, 4);
		}
	} else {
		int64_t n = (int64_t)batch * ho * nxs * c;
		DISPATCH(half, DW_LAUNCH(dw_nhwc_kernel, T, 1));
	}
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_fill(void *p, int64_t n, uint64_t seed, int half, cudaStream_t s)
{
	if (n <= 0)
		return cudaSuccess;
	DISPATCH(half, fill_kernel<T><<<blocks_for(n), kThreads, 0, s>>>((T *)p, n, seed));
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_pool(void *y, const void *x, int batch, int c, int h, int w, int ho,
                                   int wo, int kh, int kw, int sh, int sw, int ph, int pw,
                                   int is_max, int nhwc, int half, cudaStream_t s)
{
	int64_t n = (int64_t)batch * c * ho * wo;
	if (n <= 0)
		return cudaSuccess;
	if (nhwc) {
		/* V channels a thread where the rows stay 16-byte aligned */
		int v = half ? 8 : 4;
		if (c % v || !aligned16(x) || !aligned16(y))
			v = 1;
		int64_t nv = n / v;
		/* 32-bit indices where every element index, not only every
		 * vector's, fits */
		int narrow = n <= INT32_MAX && (int64_t)batch * c * h * w <= INT32_MAX;
#define POOL_NHWC(V, I)                                                                            \
	DISPATCH(half, pool_nhwc_kernel<T, V, I>                                                   \
	         <<<blocks_for(nv), kThreads, 0, s>>>((T *)y, (const T *)x, (I)nv, c / V, h, w,    \
	                                              ho, wo, kh, kw, sh, sw, ph, pw, is_max))
		if (v == 8 && narrow)
			POOL_NHWC(8, uint32_t);
		else if (v == 8)
			POOL_NHWC(8, int64_t);
		else if (v == 4 && narrow)
			POOL_NHWC(4, uint32_t);
		else if (v == 4)
			POOL_NHWC(4, int64_t);
		else if (narrow)
			POOL_NHWC(1, uint32_t);
		else
			POOL_NHWC(1, int64_t);
#undef POOL_NHWC
		return cudaGetLastError();
	}
	DISPATCH(half, pool_kernel<T><<<blocks_for(n), kThreads, 0, s>>>((T *)y, (const T *)x, n, c,
	                                                                 h, w, ho, wo, kh, kw, sh,
	                                                                 sw, ph, pw, is_max));
	return cudaGetLastError();
}

extern "C" cudaError_t cuda_k_concat_nhwc(void *y, const void *const *in, const int *width,
                                          int n_in, int64_t rows, int esz, cudaStream_t s)
{
	if (n_in < 1 || n_in > ZOO_MAX_IN || (esz != 2 && esz != 4))
		return cudaErrorInvalidValue;
	concat_args a;
	int c = 0, vec = aligned16(y);
	for (int k = 0; k < n_in; k++) {
		a.in[k] = in[k];
		a.w[k] = width[k];
		c += width[k];
		vec = vec && aligned16(in[k]) && (width[k] * esz) % 16 == 0;
	}
	a.n = n_in;
	if (rows <= 0 || c <= 0)
		return cudaSuccess;
	int per = vec ? 16 / esz : 1;
	if (vec)
		for (int k = 0; k < n_in; k++)
			a.w[k] /= per;
	int64_t units = rows * (c / per);
	int narrow = units <= INT32_MAX;
#define CONCAT(U, I)                                                                               \
	concat_kernel<U, I><<<blocks_for(units), kThreads, 0, s>>>((U *)y, a, (I)rows, c / per)
	if (vec && narrow)
		CONCAT(uint4, uint32_t);
	else if (vec)
		CONCAT(uint4, int64_t);
	else if (esz == 2 && narrow)
		CONCAT(uint16_t, uint32_t);
	else if (esz == 2)
		CONCAT(uint16_t, int64_t);
	else if (narrow)
		CONCAT(uint32_t, uint32_t);
	else
		CONCAT(uint32_t, int64_t);
#undef CONCAT
	return cudaGetLastError();
}
