/* cuda_dev.h: the live GPU device (CUDA, cuDNN, cuBLAS) behind dev_iface.
 *
 * Plain C header, never a CUDA type: the command's device table
 * (cli/devices.c) and the GPU tests include it, the core never does. One executor per service,
 * each on its own CUDA stream with preallocated activation buffers; an
 * operator group launches every segment at once and returns when all have
 * ended, timed with CUDA events.
 */
#ifndef ABACUS_CUDA_DEV_H
#define ABACUS_CUDA_DEV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "device.h"

typedef struct cuda_options {
	int tf32;      /* 1: TF32 tensor cores for fp32 convolutions and GEMMs */
	int graphs;    /* 1: replay segments from captured CUDA graphs */
	int whole;     /* with graphs: 1 (default) an uncut query replays as
	                  one graph; 0 op by op (cuda_exec_cfg.whole) */
	int find;      /* 1: time cuDNN's best conv algorithm candidates (and
	                  with fc_lt cuBLASLt's fc candidates) at load and keep
	                  the fastest; 0: the libraries' heuristics */
	int conv_gemm; /* cuda_exec_cfg.conv_gemm: 1 (default) small convs run
	                  as im2col + cuBLAS GEMM where timed faster; 0 never */
	uint64_t seed; /* weights and inputs */
	int gpu;       /* CUDA device index */
	int any_start; /* 1: a segment may start at any op, reading whatever
	                  its executor's buffers hold (profiling groups at
	                  random cut points); 0: segments must continue */
	int half;      /* 1: fp16 storage, float accumulation (cuda_exec_cfg);
	                  2: bf16 */
	int nhwc;      /* 1: CNNs stored NHWC (cuda_exec_cfg.nhwc), default 0 */
	int fuse_add;  /* 1: residual adds fused into the conv before them
	                  (cuda_exec_cfg.fuse_add), default 0 */
	int ws_all;    /* 1: a conv workspace any candidate fits
	                  (cuda_exec_cfg.ws_all), default 0 */
	int fc_lt;     /* 1: fully connected layers through cuBLASLt with the
	                  bias in the epilogue (cuda_exec_cfg.fc_lt), default 0 */
	int dw;        /* depthwise convs as our kernel (cuda_exec_cfg.dw): 1
	                  where timed faster than cuDNN, 2 always; default 0
	                  until timed on a GPU */
	int attn_rt;   /* 1: fused attention as the register-tiled kernel
	                  (cuda_exec_cfg.attn_rt), default 0 */
	int attn_tc;   /* 1: fused attention on tensor cores where it runs
	                  (cuda_exec_cfg.attn_tc), default 0 */
	int launch_threads; /* 1: a group's segments launched from a host thread
	                       per service (cuda_dev.c says why), default 0 */
} cuda_options;

void cuda_options_default(cuda_options *o);

/* The GPU as a device kind (device.h): reads seed, tf32, graphs,
 * conv_gemm, fp16 and any_start. */
extern const dev_kind cuda_kind;

/* Opens the GPU as a device. Fails with a clear message when there is no
 * GPU ("no CUDA GPU found: ..."). With ABACUS_EXEC_CACHE=1 in the
 * environment a device on the whole GPU keeps its executors for the
 * process's next device when freed, and takes kept ones made with its own
 * settings instead of making them again (a scenario's runs of one set of
 * services then build each executor once); what a device does not take
 * is freed before it counts free memory. */
int cuda_device_open(device *out, const cuda_options *opt, char *err, size_t errlen);
/* How many executors devices took from those kept so far (tests). */
long cuda_dev_kept_taken(void);
/* The executor of a cuda device's service s, NULL for another kind or no
 * such service (tests read its outputs). */
struct cuda_exec;
struct cuda_exec *cuda_dev_exec(const device *d, int s);

struct cuda_part;
/* Opens the GPU as partition k of a set opened with cuda_part_open
 * (cuda_part.h): its executors' streams, handles and graphs belong to
 * that partition's green context. The device keeps a reference to the
 * set. clock: a device of the same set whose clock this one shares (NULL:
 * its own, from now). */
int cuda_device_open_part(device *out, const cuda_options *opt, struct cuda_part *part, int k,
                          const device *clock, char *err, size_t errlen);

/* Prints what the process sees: GPUs, memory, SMs, driver, runtime, cuDNN
 * and cuBLAS versions. Returns -1 with a message when there is no GPU. */
int cuda_print_info(FILE *f, char *err, size_t errlen);

#endif
