/* gpu.c: datasheet figures and the roofline estimate. */
#include "gpu.h"

#include <stdio.h>
#include <string.h>

/* H100 SXM5 80GB: 132 SMs, TF32 dense 494.7 TFLOP/s, FP32 66.9 TFLOP/s,
 * HBM3 3.35 TB/s. A100 SXM4 80GB: 108 SMs, TF32 dense 156, FP32 19.5,
 * HBM2e 2.04 TB/s. The efficiencies are typical of cuDNN on ResNet-class
 * convolutions at small batch; launch_ns covers kernel launch and the
 * partial wave at a kernel's end. */
static const gpu_spec h100 = {"h100", "NVIDIA H100 80GB HBM3 (SXM)", 132, 494.7, 66.9, 3.35,
                              0.35, 0.70, 6000.0};
static const gpu_spec a100 = {"a100", "NVIDIA A100 80GB (SXM)", 108, 156.0, 19.5, 2.04,
                              0.45, 0.75, 7000.0};
/* H200 SXM 141GB: the H100's chip (132 SMs, same compute) with HBM3e at
 * 4.8 TB/s. */
static const gpu_spec h200 = {"h200", "NVIDIA H200 141GB HBM3e (SXM)", 132, 494.7, 66.9, 4.8,
                              0.35, 0.70, 6000.0};
static const gpu_spec *const specs[] = {&h100, &a100, &h200, NULL};

const gpu_spec *const *gpu_specs(void)
{
	return specs;
}

const gpu_spec *gpu_find(const char *name)
{
	for (int i = 0; specs[i]; i++)
		if (strcmp(specs[i]->name, name) == 0)
			return specs[i];
	return NULL;
}

void gpu_names_join(char *buf, unsigned len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; specs[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", specs[i]->name);
}

double gpu_roofline_layer_ns(const gpu_spec *g, const zoo_cost *c)
{
	double compute = c->flops / (g->tf32_tflops * 1e12 * g->eff_compute) * 1e9;
	double memory = c->bytes / (g->mem_tbs * 1e12 * g->eff_mem) * 1e9;
	return (compute > memory ? compute : memory) + g->launch_ns;
}

int64_t gpu_roofline_op_ns(const gpu_spec *g, const zoo_model *m, int op, int batch, int seq)
{
	const zoo_op *o = &m->ops[op];
	double ns = 0;
	for (int l = o->first; l < o->first + o->count; l++) {
		zoo_cost c;
		zoo_layer_cost(m, l, batch, seq, &c);
		ns += gpu_roofline_layer_ns(g, &c);
	}
	return (int64_t)(ns + 0.5);
}
