/* bench_pred.c: how long one batched predict() takes.
 *
 * The Abacus policy evaluates all candidate groups of one search step in
 * one call (up to ~16), and a whole scheduling decision must stay within
 * a median of 20 us and a p99 of 50 us, so predict itself must be a few
 * microseconds. Each predictor (solo, and mlp, lr, svm trained on
 * simulated groups, test_pred_gen.h) is timed on batches of 1 to 16
 * groups of 2 and of 4 segments, each call on different groups; the table
 * gives the median and p99 of a call in microseconds.
 *
 *   build/bench_pred [calls per cell, default 20000]
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/test_pred_gen.h"
#include "clk.h"
#include "train.h"

enum { VARIANTS = 64, MAX_BATCH = 16 };

static double now_us(void)
{
	return (double)clk_ns() * 1e-3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char err[1024];
	int calls = argc > 1 ? atoi(argv[1]) : 20000;
	if (calls < 100) {
		fprintf(stderr, "bench_pred: calls per cell must be at least 100\n");
		return 2;
	}
	prof *p = prof_new_file("h100", NULL, err, sizeof err);
	if (!p) {
		fprintf(stderr, "bench_pred: %s\n", err);
		return 1;
	}
	zoo_model *m[GEN_N_MODELS];
	const zoo_model *svc[GEN_N_MODELS];
	for (int i = 0; i < GEN_N_MODELS; i++)
		if (!(svc[i] = m[i] = zoo_model_new(gen_models[i], err, sizeof err))) {
			fprintf(stderr, "bench_pred: %s\n", err);
			return 1;
		}
	smp_set s = {0};
	train_data d;
	if (gen_groups(p, m, 100, 7, &s, err, sizeof err) ||
	    train_data_build(&d, &s, p, err, sizeof err)) {
		fprintf(stderr, "bench_pred: %s\n", err);
		return 1;
	}

	const char *names[] = {"solo", "mlp", "lr", "svm"};
	enum { NP = 4 };
	predictor pr[NP];
	if (pred_solo_open(&pr[0], p, svc, GEN_N_MODELS, err, sizeof err)) {
		fprintf(stderr, "bench_pred: %s\n", err);
		return 1;
	}
	for (int k = 1; k < NP; k++) {
		train_model *tm = NULL;
		if (train_fit(names[k], &d, NULL, d.n, 1, &tm, err, sizeof err) ||
		    train_predictor_open(&pr[k], tm, p, svc, GEN_N_MODELS, err, sizeof err)) {
			fprintf(stderr, "bench_pred: %s: %s\n", names[k], err);
			return 1;
		}
	}

	/* VARIANTS different batches of MAX_BATCH groups per segment count,
	 * over the batch sizes and seqs a run would have tabulated already. */
	static dev_segment seg[2][VARIANTS][MAX_BATCH][4];
	static dev_group grp[2][VARIANTS][MAX_BATCH];
	rng g;
	rng_seed(&g, 99);
	for (int w = 0; w < 2; w++)
		for (int v = 0; v < VARIANTS; v++)
			for (int i = 0; i < MAX_BATCH; i++) {
				int nseg = w ? 4 : 2, used = 0;
				for (int k = 0; k < nseg; k++) {
					int sv;
					do
						sv = (int)rng_below(&g, GEN_N_MODELS);
					while (used & (1 << sv));
					used |= 1 << sv;
					gen_segment(&g, m[sv], sv, &seg[w][v][i][k]);
				}
				grp[w][v][i] = (dev_group){nseg, seg[w][v][i]};
			}
	double *t = malloc((size_t)calls * sizeof *t);
	int64_t out[MAX_BATCH];
	static const int batches[] = {1, 2, 4, 8, 16};
	printf("predict() per call, microseconds (%d calls each; median / p99)\n", calls);
	printf("%-5s %4s", "pred", "segs");
	for (int b = 0; b < 5; b++) {
		char h[16];
		snprintf(h, sizeof h, "n=%d", batches[b]);
		printf("  %13s", h);
	}
	printf("\n");
	for (int k = 0; k < NP; k++)
		for (int w = 0; w < 2; w++) {
			printf("%-5s %4d", names[k], w ? 4 : 2);
			for (int b = 0; b < 5; b++) {
				int n = batches[b];
				/* warm the tables (first use of a batch size allocates) */
				for (int v = 0; v < VARIANTS; v++)
					if (pred_predict(&pr[k], grp[w][v], MAX_BATCH, out)) {
						fprintf(stderr, "bench_pred: %s predict failed\n", names[k]);
						return 1;
					}
				for (int c = 0; c < calls; c++) {
					double t0 = now_us();
					pred_predict(&pr[k], grp[w][c % VARIANTS], n, out);
					t[c] = now_us() - t0;
				}
				qsort(t, (size_t)calls, sizeof *t, cmp_double);
				printf("  %5.2f / %5.2f", t[calls / 2], t[(int)(calls * 0.99)]);
			}
			printf("\n");
			fflush(stdout);
		}
	for (int k = 0; k < NP; k++)
		pred_free(&pr[k]);
	free(t);
	train_data_free(&d);
	smp_set_free(&s);
	for (int i = 0; i < GEN_N_MODELS; i++)
		zoo_model_free(m[i]);
	prof_free(p);
	return 0;
}
