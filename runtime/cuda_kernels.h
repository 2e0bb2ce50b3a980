/* cuda_kernels.h: the few CUDA kernels abacus writes itself.
 *
 * Everything cuDNN or cuBLAS does well (convolutions, pooling, matrix
 * products) goes through them; these kernels cover what they lack or do in
 * several passes: bias + activation epilogues, residual add, layer norm,
 * softmax, the BERT embedding lookup, and filling buffers with seeded
 * noise, and depthwise convolutions with their epilogue fused (cuDNN runs
 * them without ReLU6 and in separate passes). Each launcher is callable from C, enqueues on the
 * given stream and returns the launch status (cudaGetLastError), so the caller can report which
 * model, op and batch a failed launch belonged to.
 *
 * Tensors are dense, in zoo.h's layouts (batch outermost) or NHWC where a
 * launcher says so, and float32 (`half` 0), IEEE binary16 (`half` 1, the
 * executor's fp16 mode: storage in fp16, arithmetic in float) or bfloat16
 * (`half` 2, likewise). Integer ids and split-K partial sums are the same
 * in every mode.
 */
#ifndef ABACUS_CUDA_KERNELS_H
#define ABACUS_CUDA_KERNELS_H

#include <stdint.h>

#include <cuda_runtime_api.h>

#include "zoo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y[i] = act(y[i] + bias[(i / inner) % c]) for i < n; bias may be NULL.
 * Covers the NCHW conv epilogue (inner = H*W, c = channels) and the FC
 * epilogue (inner = 1, c = out features). */
cudaError_t cuda_k_bias_act(void *y, const void *bias, int64_t n, int64_t inner, int c, zoo_act act,
                            int half, cudaStream_t s);

/* out[i] = act(a[i] + b[i]). out may alias a or b. */
cudaError_t cuda_k_add_act(void *out, const void *a, const void *b, int64_t n, zoo_act act,
                           int half, cudaStream_t s);

/* out[r][f] = word[ids[r]][f] + pos[r % seq][f] + type0[f], rows = batch*seq.
 * An id outside [0, vocab) yields NaN so a bad input cannot pass a check. */
cudaError_t cuda_k_embed(void *out, const int32_t *ids, const void *word, const void *pos,
                         const void *type0, int rows, int seq, int feat, int vocab, int half,
                         cudaStream_t s);

/* out[r] = layer_norm(a[r] (+ b[r])) * gamma + beta over feat values; b may
 * be NULL. out may alias a or b. */
cudaError_t cuda_k_layernorm(void *out, const void *a, const void *b, const void *gamma,
                             const void *beta, int rows, int feat, float eps, int half,
                             cudaStream_t s);

/* Row-wise softmax of rows x len values; out may alias in. */
cudaError_t cuda_k_softmax(void *out, const void *in, int64_t rows, int len, int half,
                           cudaStream_t s);

/* Self-attention of fused QKV rows (batch x seq rows of [Q | K | V], each
 * feat wide, heads side by side): out[n][i][h*dh + d] =
 * sum_j softmax_j(q_i . k_j / sqrt(dh)) v_j[d], with dh = feat / heads.
 * One block per (sample, head, 32 queries) holds that head's K and V in
 * shared memory, within the 48 KB every CUDA GPU gives a block (dh 64: up
 * to seq 85), so only seq and dh with cuda_k_attention_fits() run; other
 * sizes return cudaErrorInvalidValue (unless the tensor-core kernel below
 * takes them). With mode RT a register-tiled kernel runs
 * instead where dh is a multiple of 4 and its shared memory fits the
 * device's opt-in limit per block (else the kernel above): each warp takes
 * 8 query rows at once, and a large batch x heads loads each head's K and
 * V once; the same sums in the same order as the kernel above. */
int cuda_k_attention_fits(int seq, int dh);
/* mode: 0 the kernel above; CUDA_K_ATTN_RT the register-tiled one;
 * CUDA_K_ATTN_TC (alone or with RT) a tensor-core kernel (nvcuda::wmma)
 * where dh is a multiple of 16 up to 128 and its shared memory fits the
 * device's opt-in limit (cuda_k_attention_tc_fits; dh 64 in fp32: to seq
 * 368 on an H100 or H200), else the kernel mode & RT picks. One block
 * per (sample, head, chunk of 16-row query tiles); scores and context as
 * m16n16k16 fp16 or bf16 products (the probabilities rounded to the
 * storage type for the second) or, for fp32, m16n16k8 TF32 products, all
 * with float accumulation and a float softmax: so fp32 callers pass TC only
 * where TF32 is allowed. */
enum { CUDA_K_ATTN_RT = 1, CUDA_K_ATTN_TC = 2 };
int cuda_k_attention_tc_fits(int seq, int dh, int half);
cudaError_t cuda_k_attention(void *out, const void *qkv, int batch, int seq, int feat, int heads,
                             int half, int mode, cudaStream_t s);

/* Unfolds a batch of NCHW images for a convolution as a matrix product.
 * With fold 0, per sample: col[n][(c*kh + ky)*kw + kx][oy*wo + ox] =
 * x[n][c][oy*sh - ph + ky][ox*sw - pw + kx], zero where that falls in the
 * padding; each sample's output is then weights [cout][c*kh*kw] times its
 * block [c*kh*kw][ho*wo]. With fold 1 the samples sit side by side in each
 * row instead, col[(c*kh + ky)*kw + kx][n][oy*wo + ox], for one product
 * over the whole batch (its output rows are [cout][n][ho*wo]). */
cudaError_t cuda_k_im2col(void *col, const void *x, int batch, int c, int h, int w, int kh, int kw,
                          int sh, int sw, int ph, int pw, int ho, int wo, int fold, int half,
                          cudaStream_t s);

/* Sums the split-K partial products of a folded conv GEMM into NCHW:
 * y[n][c][p] = act(bias[c] + sum over k < splits of part[k][c][n][p]), for
 * n < batch, c < cout, p < pix; bias may be NULL. */
cudaError_t cuda_k_splitk_sum(void *y, const float *part, int splits, int batch, int cout, int pix,
                              const void *bias, zoo_act act, int half, cudaStream_t s);

/* Max (is_max 1) or average pooling, padding counted in the divisor (the
 * zoo's count_include_pad), of a batch of c x h x w images into c x ho x
 * wo, NCHW or, with nhwc, NHWC; NaN propagates through max. */
cudaError_t cuda_k_pool(void *y, const void *x, int batch, int c, int h, int w, int ho, int wo,
                        int kh, int kw, int sh, int sw, int ph, int pw, int is_max, int nhwc,
                        int half, cudaStream_t s);

/* NHWC channel concat: output pixel row r (rows = batch x h x w) is the
 * n_in inputs' row r side by side, input k width[k] channels; esz bytes
 * per value (2 or 4). One launch for all inputs. */
cudaError_t cuda_k_concat_nhwc(void *y, const void *const *in, const int *width, int n_in,
                               int64_t rows, int esz, cudaStream_t s);

/* Depthwise convolution (groups == c input == c output channels) with the
 * per-channel bias (may be NULL) and activation fused: y[n][ch][oy][ox] =
 * act(bias[ch] + sum over ky < kh, kx < kw of wt[ch][ky][kx] *
 * x[n][ch][oy*sh - ph + ky][ox*sw - pw + kx]), zero where that falls in the
 * padding; x is batch x c x h x w, y batch x c x ho x wo, NCHW or, with
 * nhwc, NHWC; filters [c][kh][kw] in both layouts; float accumulation.
 * Windows up to CUDA_K_DW_MAXK a side (3x3 unrolled); others, or a stride
 * or padding below 1 / 0, return cudaErrorInvalidValue. NHWC takes 16-byte
 * channel vectors where c allows it and x, y are 16-byte aligned. */
#define CUDA_K_DW_MAXK 7
cudaError_t cuda_k_dwconv(void *y, const void *x, const void *wt, const void *bias, int batch,
                          int c, int h, int w, int ho, int wo, int kh, int kw, int sh, int sw,
                          int ph, int pw, zoo_act act, int nhwc, int half, cudaStream_t s);

/* Fills n values with a hash of (seed, index), uniform in [-1, 1): used to
 * give buffers finite, non-zero contents before algorithm searches. */
cudaError_t cuda_k_fill(void *p, int64_t n, uint64_t seed, int half, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
