/* cuda_part.h: SM partitions of one GPU through CUDA green contexts.
 *
 * Plain C header, never a CUDA type (the GPU device, its tests and the
 * partition benchmark include it). A partition set is opened once for
 * one GPU with every partition's SM count; each partition that is not
 * the whole GPU becomes a green context (cuDeviceGetDevResource,
 * cuDevSmResourceSplitByCount, cuDevResourceGenerateDesc,
 * cuGreenCtxCreate). A partition of the whole GPU runs on the primary
 * context. Memory is the primary context's: an allocation made in any
 * partition is valid in all, so memory is shared, not split.
 *
 * Work lands in a partition when its context is current while streams,
 * library handles and graphs are made and launched: streams created with
 * a green context current belong to it (cuStreamGetCtx says so), and
 * every kernel enqueued on such a stream, ours, cuDNN's and cuBLAS's,
 * runs on that partition's SMs. cuda_part_bind makes partition k current
 * on the calling thread; callers bind before each call into CUDA.
 *
 * The driver is reached through cudaGetDriverEntryPointByVersion, so the
 * binary does not link libcuda and a driver without green contexts (before
 * CUDA 12.4) is reported, not a failure to start.
 *
 * How SMs are split (cuda_part_split): "units" splits the GPU once into
 * groups of the co-scheduling alignment the driver reports (8 SMs on an
 * H100/H200) and gives each partition as many groups as its size needs,
 * in one descriptor; "direct" splits once into n equal groups of the
 * partitions' size; "auto" is direct where all sizes are equal. Flags are
 * those of cuDevSmResourceSplitByCount: the GPU device asks for
 * CUDA_PART_MAX_CLUSTER, without which library kernels launched with
 * clusters of 16 fail in a 64-SM context; CUDA_PART_IGNORE_COSCHEDULING
 * lowers the granularity and breaks clusters of 8 (bench/bench_parts.c,
 * docs/partitions.md).
 */
#ifndef ABACUS_CUDA_PART_H
#define ABACUS_CUDA_PART_H

#include <stddef.h>
#include <stdio.h>

#define CUDA_PART_MAX 16

/* cuDevSmResourceSplitByCount's flags, as numbers (cuda.h's values). */
#define CUDA_PART_IGNORE_COSCHEDULING 0x1
#define CUDA_PART_MAX_CLUSTER 0x2

/* AUTO: DIRECT where every partition has the same size, else UNITS. On
 * an H100 the driver splits 132 SMs into only 15 co-scheduled groups of 8
 * (bench_parts, H100, CUDA 13.0), so 64 + 64 exists only as a direct
 * split, and unequal splits may use at most 15 groups of 8 SMs. */
typedef enum { CUDA_PART_UNITS = 0, CUDA_PART_DIRECT = 1, CUDA_PART_AUTO = 2 } cuda_part_split;

/* What the driver says of green contexts on GPU `gpu`. */
typedef struct cuda_part_caps {
	int available;  /* 1: green contexts can be made here */
	int driver;     /* cuDriverGetVersion: 13000 for CUDA 13.0 */
	int runtime;    /* cudaRuntimeGetVersion */
	int sms;        /* the GPU's SMs */
	int min_sms;    /* minSmPartitionSize */
	int align;      /* smCoscheduledAlignment */
	char why[256];  /* when not available: why not */
} cuda_part_caps;

/* Fills caps; returns 0 even when green contexts are unavailable (caps
 * says why), -1 only when the GPU cannot be asked at all. */
int cuda_part_caps_get(int gpu, cuda_part_caps *caps, char *err, size_t errlen);

/* Sizes a set of partitions must have: each at least min_sms and a
 * multiple of the alignment, or the whole GPU alone; together at most
 * the GPU. With CUDA_PART_IGNORE_COSCHEDULING any size from 1 passes
 * (the driver rounds). One line naming the partition and the sizes
 * allowed when not. */
int cuda_part_sizes_check(const cuda_part_caps *caps, const int *sms, int n, unsigned flags,
                          char *err, size_t errlen);

typedef struct cuda_part cuda_part;

/* Opens n partitions of GPU `gpu` with sms[k] SMs each. On failure
 * nothing is left open and err says which call failed and why. */
int cuda_part_open(int gpu, const int *sms, int n, cuda_part_split how, unsigned flags,
                   cuda_part **out, char *err, size_t errlen);
/* A reference per partition's user: cuda_part_free releases the set when
 * the last one lets go. cuda_part_free(NULL) is a no-op. */
void cuda_part_retain(cuda_part *p);
void cuda_part_free(cuda_part *p);
int cuda_part_count(const cuda_part *p);
/* SMs partition k really got (cuGreenCtxGetDevResource). */
int cuda_part_sms(const cuda_part *p, int k);
/* Makes partition k's context current on the calling thread (after
 * cudaSetDevice, which makes the primary context current). */
int cuda_part_bind(const cuda_part *p, int k, char *err, size_t errlen);

/* GPU memory the partitions' executors hold, added up so that each
 * partition's memory check can say what the others took. */
void cuda_part_hold(cuda_part *p, double bytes);
double cuda_part_held(const cuda_part *p);

/* One line for `abacus gpu`. */
void cuda_part_print(FILE *f, const cuda_part_caps *caps);

#endif
