/* bench_sizes.c: how well a partition's profile is predicted at an SM
 * count that was measured but left out.
 *
 *   bench_sizes DATA_GPU_DIR HOLD [MODEL ...]
 *
 * DATA_GPU_DIR holds ops.csv (the whole GPU) and sms<N>/ops.csv (profiles
 * measured in green contexts of N SMs). The profile at HOLD SMs is built
 * as a run builds it (prof_new_partition) from every size but HOLD, and
 * from no size at all (the model of docs/partitions.md), and compared
 * with the measured sms<HOLD>/ops.csv on every row both have: each op at
 * every batch (bert: and seq), and the whole model (op n_ops); "model
 * only" is the model of docs/partitions.md applied to the whole GPU's
 * profile (sms<total>/ops.csv where measured, else ops.csv). Prints the
 * mean and worst absolute error in percent, per model and in all, for
 * ops and whole-model rows. Default models: the four of §7.5.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "prof.h"
#include "zoo.h"

typedef struct acc {
	double sum, worst;
	int n;
} acc;

static void add(acc *a, double got, double want)
{
	double e = 100.0 * fabs(got - want) / want;
	a->sum += e;
	a->n++;
	if (e > a->worst)
		a->worst = e;
}

static void row(const char *what, const char *model, const acc *op, const acc *whole)
{
	printf("%-14s %-10s ops %4d rows: mean %5.1f%%, worst %5.1f%%; whole model %3d rows: mean "
	       "%5.1f%%, worst %5.1f%%\n",
	       what, model, op->n, op->n ? op->sum / op->n : 0, op->worst, whole->n,
	       whole->n ? whole->sum / whole->n : 0, whole->worst);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_sizes DATA_GPU_DIR HOLD [MODEL ...]\n");
		return 2;
	}
	const char *dir = argv[1];
	int hold = atoi(argv[2]);
	static const char *const def[] = {"resnet101", "resnet152", "vgg19", "bert"};
	const char *const *models = argc > 3 ? (const char *const *)argv + 3 : def;
	int n_models = argc > 3 ? argc - 3 : 4;
	char err[2048], path[1200];
	const char *gpu = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	snprintf(path, sizeof path, "%s/ops.csv", dir);
	prof *whole = prof_new_file(gpu, path, err, sizeof err);
	/* the model's base: the whole GPU measured with the sizes' engine
	 * (sms<total>/ops.csv) where there is one, else ops.csv */
	char base[1200];
	struct stat st;
	snprintf(base, sizeof base, "%s/sms%d/ops.csv", dir, whole ? prof_gpu(whole)->sms : 0);
	prof *bare = whole ? prof_new_file(gpu, stat(base, &st) == 0 ? base : path, err, sizeof err)
	                   : NULL;
	snprintf(path, sizeof path, "%s/sms%d/ops.csv", dir, hold);
	prof *meas = bare ? prof_new_file(gpu, path, err, sizeof err) : NULL;
	if (!meas) {
		fprintf(stderr, "bench_sizes: %s\n", err);
		return 1;
	}
	/* every measured size but the one held out */
	int sizes[PROF_MAX_SIZES], n = 0;
	prof *all = prof_new_file(gpu, NULL, err, sizeof err);
	if (all && prof_load_sizes(all, dir, err, sizeof err) == 0)
		n = prof_sizes(all, sizes, PROF_MAX_SIZES);
	prof_free(all);
	printf("held out: %d SMs; interpolating from", hold);
	int total = prof_gpu(whole)->sms;
	for (int i = 0; i < n; i++) {
		if (sizes[i] == hold)
			continue;
		snprintf(path, sizeof path, "%s/sms%d/ops.csv", dir, sizes[i]);
		if (prof_add_size(whole, sizes[i], path, err, sizeof err)) {
			fprintf(stderr, "bench_sizes: %s\n", err);
			return 1;
		}
		if (sizes[i] < total)
			printf(" %d", sizes[i]);
	}
	printf(" and the whole GPU (%d SMs, %s)\n", total,
	       sizes[n > 0 ? n - 1 : 0] == total ? "its sms<total> profile" : "ops.csv");
	prof *interp = prof_new_partition(whole, hold, err, sizeof err);
	prof *model = interp ? prof_new_partition(bare, hold, err, sizeof err) : NULL;
	if (!model) {
		fprintf(stderr, "bench_sizes: %s\n", err);
		return 1;
	}
	printf("interpolated profile: %s\n", prof_origin(interp));
	/* the grid bench/gpu/parts.sh measures at every size (bert's queries
	 * carry at most batch 16) */
	static const int batches[] = {4, 8, 16, 32}, seqs[] = {8, 16, 32, 64};
	acc t_op[2] = {{0}}, t_whole[2] = {{0}};
	for (int i = 0; i < n_models; i++) {
		zoo_model *m = zoo_model_new(models[i], err, sizeof err);
		if (!m) {
			fprintf(stderr, "bench_sizes: %s\n", err);
			return 1;
		}
		acc ops[2] = {{0}}, wh[2] = {{0}};
		int ns = m->has_seq ? 4 : 1;
		for (int b = 0; b < 4; b++)
			for (int s = 0; s < ns; s++) {
				int seq = m->has_seq ? seqs[s] : 0;
				if (m->has_seq && batches[b] > 16)
					continue;
				int64_t w = prof_whole_ns(meas, m, batches[b], seq);
				if (w <= 0)
					continue;
				for (int op = 0; op < m->n_ops; op++) {
					double want = (double)prof_op_ns(meas, m, op, batches[b], seq);
					add(&ops[0], (double)prof_op_ns(interp, m, op, batches[b], seq), want);
					add(&ops[1], (double)prof_op_ns(model, m, op, batches[b], seq), want);
				}
				add(&wh[0], (double)prof_whole_ns(interp, m, batches[b], seq), (double)w);
				add(&wh[1], (double)prof_whole_ns(model, m, batches[b], seq), (double)w);
			}
		row("interpolated", m->name, &ops[0], &wh[0]);
		row("model only", m->name, &ops[1], &wh[1]);
		for (int k = 0; k < 2; k++) {
			t_op[k].sum += ops[k].sum, t_op[k].n += ops[k].n;
			t_op[k].worst = fmax(t_op[k].worst, ops[k].worst);
			t_whole[k].sum += wh[k].sum, t_whole[k].n += wh[k].n;
			t_whole[k].worst = fmax(t_whole[k].worst, wh[k].worst);
		}
		zoo_model_free(m);
	}
	row("interpolated", "all", &t_op[0], &t_whole[0]);
	row("model only", "all", &t_op[1], &t_whole[1]);
	prof_free(interp);
	prof_free(model);
	prof_free(meas);
	prof_free(whole);
	prof_free(bare);
	return 0;
}
