/* bench_decision.c: the time of one abacus scheduling decision.
 *
 *   build/bench_decision [DECISIONS]
 *
 * A decision is everything the policy does at a group boundary: headroom
 * of every queue head (solo predictor), ordering, whole-query tries and
 * the multi-way search, each round one batched call of the MLP group
 * predictor. The MLP is trained on groups from the simulated H100 (the
 * shipped H100 profile when present), as `abacus train` does. Queues hold
 * waiting queries of random batch, sequence length and progress; `now`
 * varies so the urgent query's headroom spans tight to loose. Prints the
 * median and p99 for 2 and 4 services and ways 1 to 16.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/test_pred_gen.h"
#include "clk.h"
#include "sched.h"
#include "train.h"

static int64_t now_ns(void)
{
	return clk_ns();
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int decisions = argc > 1 ? atoi(argv[1]) : 20000;
	if (decisions < 100)
		decisions = 100;
	char err[1024];
	prof *p = prof_new("h100", NULL, err, sizeof err);
	zoo_model *m[GEN_N_MODELS];
	for (int i = 0; i < GEN_N_MODELS; i++)
		if (!p || !(m[i] = zoo_model_new(gen_models[i], err, sizeof err))) {
			fprintf(stderr, "bench_decision: %s\n", err);
			return 1;
		}
	smp_set samples = {0};
	train_data d;
	train_model *tm = NULL;
	if (gen_groups(p, m, 100, 3, &samples, err, sizeof err) ||
	    train_data_build(&d, &samples, p, err, sizeof err)) {
		fprintf(stderr, "bench_decision: %s\n", err);
		return 1;
	}
	int *rows = malloc((size_t)d.n * sizeof *rows);
	for (int i = 0; i < d.n; i++)
		rows[i] = i;
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	if (train_fit("mlp", &d, rows, d.n, 1, &tm, err, sizeof err) ||
	    train_model_encode(tm, &blob, &blob_len, err, sizeof err)) {
		fprintf(stderr, "bench_decision: %s\n", err);
		return 1;
	}
	printf("abacus decision time (us), MLP group predictor, %s profile, %d decisions each\n\n",
	       prof_path(p)[0] ? "measured h100" : "roofline h100", decisions);
	printf("%8s %5s %9s %9s %9s %14s\n", "services", "ways", "median", "p99", "max",
	       "segments/group");
	/* the quadruplet of the reference: resnet101, resnet152, vgg19, bert */
	const int quad[4] = {1, 2, 5, 6};
	int64_t *t = malloc((size_t)decisions * sizeof *t);
	for (int ns = 2; ns <= 4; ns += 2) {
		for (int ways = 1; ways <= 16; ways *= 2) {
			const zoo_model *sm[4];
			sched_service svc[4];
			for (int i = 0; i < ns; i++) {
				sm[i] = m[quad[i]];
				svc[i] = (sched_service){m[quad[i]], 0, 0};
			}
			predictor solo, group;
			train_model *copy = NULL; /* the predictor takes ownership */
			if (pred_solo_open(&solo, p, sm, ns, err, sizeof err) ||
			    train_model_decode(blob, blob_len, &copy, err, sizeof err) ||
			    train_predictor_open(&group, copy, p, sm, ns, err, sizeof err)) {
				fprintf(stderr, "bench_decision: %s\n", err);
				return 1;
			}
			sched_options o = {
			    .abandon = 0, .ways = ways, .threshold = 0, .expect_queries = 64};
			sched *s = sched_new(svc, ns, sched_policy_find("abacus"), &solo, &o, err,
			                     sizeof err);
			if (!s) {
				fprintf(stderr, "bench_decision: %s\n", err);
				return 1;
			}
			sched_set_group_pred(s, &group);
			rng r;
			rng_seed(&r, 42);
			dev_segment seg[4];
			uint32_t qid[4];
			sched_group g = {0, seg, qid};
			int64_t total_segs = 0;
			for (int k = 0; k < decisions; k++) {
				/* fresh heads every 64 decisions: new batch, seq, progress
				 * and deadline */
				if (k % 64 == 0) {
					sched_free(s);
					s = sched_new(svc, ns, sched_policy_find("abacus"), &solo, &o, err,
					              sizeof err);
					sched_set_group_pred(s, &group);
					for (int i = 0; i < ns; i++) {
						dev_segment x;
						gen_segment(&r, sm[i], i, &x);
						load_arrival a = {0, i, x.batch, x.seq};
						svc[i].qos = 2000000 + (int64_t)rng_below(&r, 30000000);
						sched_admit(s, &a);
						sched_head(s, i)->next_op = (int16_t)x.start;
					}
				}
				int64_t now = (int64_t)rng_below(&r, 10000000);
				int64_t t0 = now_ns();
				if (sched_decide(s, now, &g)) {
					fprintf(stderr, "bench_decision: decision failed\n");
					return 1;
				}
				t[k] = now_ns() - t0;
				total_segs += g.n;
			}
			qsort(t, (size_t)decisions, sizeof *t, cmp64);
			printf("%8d %5d %9.2f %9.2f %9.2f %14.2f\n", ns, ways, t[decisions / 2] / 1e3,
			       t[(size_t)(decisions * 0.99)] / 1e3, t[decisions - 1] / 1e3,
			       (double)total_segs / decisions);
			sched_free(s);
			pred_free(&group);
			pred_free(&solo);
		}
	}
	free(t);
	free(blob);
	free(rows);
	train_model_free(tm);
	train_data_free(&d);
	smp_set_free(&samples);
	for (int i = 0; i < GEN_N_MODELS; i++)
		zoo_model_free(m[i]);
	prof_free(p);
	return 0;
}
