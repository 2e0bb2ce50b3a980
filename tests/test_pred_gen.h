/* test_pred_gen.h: measured groups made on the simulated GPU, for the
 * predictor tests and the predictor benchmark.
 *
 * For every pair of the seven models the reference serves, random op
 * ranges, batches and sequence lengths run together on a sim device
 * (noise 0.02, kappa 0.1); the group's device time is its "measured"
 * median. Segments come in random order, as a scheduler would list them.
 */
#ifndef ABACUS_TEST_PRED_GEN_H
#define ABACUS_TEST_PRED_GEN_H

#include <stdio.h>

#include "rng.h"
#include "sample.h"
#include "sim.h"

#define GEN_N_MODELS 7
static const char *const gen_models[GEN_N_MODELS] = {
    "resnet50", "resnet101", "resnet152", "inception_v3", "vgg16", "vgg19", "bert"};

/* Random op range, batch and seq for model m. */
static void gen_segment(rng *g, const zoo_model *m, int service, dev_segment *s)
{
	static const int batches[] = {1, 2, 4, 8, 16, 32};
	static const int seqs[] = {16, 32, 64, 128, 256};
	s->service = service;
	s->batch = batches[rng_below(g, 6)];
	s->seq = m->has_seq ? seqs[rng_below(g, 5)] : 0;
	s->start = (int)rng_below(g, (uint32_t)m->n_ops);
	s->end = s->start + 1 + (int)rng_below(g, (uint32_t)(m->n_ops - s->start));
}

/* per_pair groups for each of the 21 pairs. models[] must hold the seven
 * models in gen_models order. 0 or -1 with a message. */
static int gen_groups(const prof *p, zoo_model *const *models, int per_pair, uint64_t seed,
                      smp_set *out, char *err, size_t errlen)
{
	sim_options o;
	sim_options_default(&o);
	o.noise = 0.02;
	o.kappa = 0.1;
	o.seed = seed;
	device d = {0};
	if (sim_device_open(&d, p, &o, err, errlen))
		return -1;
	dev_service svc[GEN_N_MODELS];
	for (int i = 0; i < GEN_N_MODELS; i++)
		svc[i] = (dev_service){.model = models[i], .max_batch = 32, .max_seq = models[i]->has_seq ? 256 : 0};
	if (device_setup(&d, svc, GEN_N_MODELS)) {
		snprintf(err, errlen, "sim setup: %s", device_errmsg(&d));
		device_free(&d);
		return -1;
	}
	rng g;
	rng_seed(&g, seed);
	for (int a = 0; a < GEN_N_MODELS; a++)
		for (int b = a + 1; b < GEN_N_MODELS; b++)
			for (int k = 0; k < per_pair; k++) {
				dev_segment seg[2];
				int first = (int)rng_below(&g, 2);
				gen_segment(&g, models[a], a, &seg[first]);
				gen_segment(&g, models[b], b, &seg[1 - first]);
				dev_group grp = {2, seg};
				int64_t ends[2], t0 = device_now(&d);
				if (device_run_group(&d, &grp, ends)) {
					snprintf(err, errlen, "sim run: %s", device_errmsg(&d));
					device_free(&d);
					return -1;
				}
				smp_group sg;
				memset(&sg, 0, sizeof sg);
				sg.n = 2;
				for (int i = 0; i < 2; i++) {
					snprintf(sg.seg[i].model, sizeof sg.seg[i].model, "%s",
					         models[seg[i].service]->name);
					sg.seg[i].batch = seg[i].batch;
					sg.seg[i].seq = seg[i].seq;
					sg.seg[i].start = seg[i].start;
					sg.seg[i].end = seg[i].end;
				}
				smp_set_combo(&sg);
				sg.median_us = sg.p99_us = (double)(device_now(&d) - t0) / 1e3;
				if (smp_push(out, &sg)) {
					snprintf(err, errlen, "out of memory");
					device_free(&d);
					return -1;
				}
			}
	device_free(&d);
	return 0;
}

#endif
