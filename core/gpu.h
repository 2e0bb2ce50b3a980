/* gpu.h: what we know of a GPU without running on it.
 *
 * Peak rates for the roofline estimate of an op the measured profile does
 * not cover, and the simulator's contention model. Figures are the vendors'
 * datasheet numbers (dense, no sparsity); the efficiency factors say how
 * much of a peak a well-tuned library reaches on DNN layers, and are the
 * knobs a calibration against measured profiles adjusts.
 */
#ifndef ABACUS_GPU_H
#define ABACUS_GPU_H

#include <stdint.h>

#include "zoo.h"

typedef struct gpu_spec {
	const char *name;      /* "h100", "a100" */
	const char *long_name; /* "NVIDIA H100 80GB HBM3 (SXM)" */
	int sms;
	double tf32_tflops; /* dense tensor-core TF32 */
	double fp32_tflops; /* CUDA cores */
	double mem_tbs;     /* HBM bandwidth, TB/s */
	double eff_compute; /* fraction of tf32 peak reached by convs / GEMMs */
	double eff_mem;     /* fraction of bandwidth reached by memory-bound layers */
	double launch_ns;   /* fixed cost per layer (launch and tail) */
} gpu_spec;

/* NULL-terminated list of the GPUs the roofline knows. */
const gpu_spec *const *gpu_specs(void);
/* NULL if unknown. */
const gpu_spec *gpu_find(const char *name);
void gpu_names_join(char *buf, unsigned len);

/* Solo latency estimate of one layer: the slower of its compute and its
 * memory time at the spec's efficiencies, plus the per-layer launch cost. */
double gpu_roofline_layer_ns(const gpu_spec *g, const zoo_cost *c);
/* Sum over the op's layers. */
int64_t gpu_roofline_op_ns(const gpu_spec *g, const zoo_model *m, int op, int batch, int seq);

#endif
