/* bench_interp.c: how far the profile's interpolation between measured
 * batch sizes (prof.h: linear in the batch between the two measured sizes
 * around it) is from a measurement, on sizes that were measured.
 *
 *   bench_interp [OPS_CSV [GPU]]   (defaults: data/h200/ops.csv h200)
 *
 * For each batch size measured between two others (2, 4, 8, 16 where 1
 * and 32 bound them), the size's rows are left out of the profile, and
 * each model's latency at that size is read from the rest, interpolated
 * from its neighbours, against the measured one: every op alone, and the
 * whole query (ops [0, n_ops), the whole-model row where measured, as an
 * uncut query costs). bert at every measured sequence length. Prints one
 * row per model, size (and seq), then the mean and largest |error| per
 * size, over ops and over whole queries. docs/batching.md reports them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prof.h"
#include "zoo.h"

#define MAX_SIZES 16

/* ops.csv without the rows of batch `drop`, into path. */
static int write_without(const char *src, const char *path, int drop)
{
	FILE *in = fopen(src, "r"), *out = fopen(path, "w");
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return -1;
	}
	char line[1024];
	int first = 1, bcol = -1;
	while (fgets(line, sizeof line, in)) {
		if (first) {
			/* the batch column by name */
			char h[1024];
			snprintf(h, sizeof h, "%s", line);
			int k = 0;
			for (char *t = strtok(h, ",\r\n"); t; t = strtok(NULL, ",\r\n"), k++)
				if (strcmp(t, "batch") == 0)
					bcol = k;
			first = 0;
			fputs(line, out);
			continue;
		}
		char c[1024];
		snprintf(c, sizeof c, "%s", line);
		int k = 0, b = -1;
		for (char *t = strtok(c, ",\r\n"); t; t = strtok(NULL, ",\r\n"), k++)
			if (k == bcol)
				b = atoi(t);
		if (b != drop)
			fputs(line, out);
	}
	fclose(in);
	return fclose(out) == 0 && bcol >= 0 ? 0 : -1;
}

typedef struct acc {
	double sum, max;
	int n;
} acc;

static void add(acc *a, double e)
{
	a->sum += fabs(e);
	a->max = fabs(e) > a->max ? fabs(e) : a->max;
	a->n++;
}

int main(int argc, char **argv)
{
	const char *src = argc > 1 ? argv[1] : "data/h200/ops.csv";
	const char *gpu = argc > 2 ? argv[2] : "h200";
	char err[1024];
	prof *full = prof_new_file(gpu, src, err, sizeof err);
	if (!full) {
		fprintf(stderr, "bench_interp: %s\n", err);
		return 1;
	}
	static const int sizes[] = {2, 4, 8, 16};
	static const int seqs[] = {8, 16, 32, 64, 128, 256};
	const char *const *names = zoo_names();
	char tmp[] = "/tmp/abacus-interp-XXXXXX";
	int fd = mkstemp(tmp);
	if (fd < 0) {
		perror("bench_interp: mkstemp");
		return 1;
	}
	printf("%-13s %5s %4s %11s %11s %8s %12s\n", "model", "batch", "seq", "measured_ms",
	       "interp_ms", "err_%", "op_max_err_%");
	acc whole_at[MAX_SIZES] = {{0}}, op_at[MAX_SIZES] = {{0}};
	int rc = 0;
	for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
		int b = sizes[si];
		if (write_without(src, tmp, b)) {
			fprintf(stderr, "bench_interp: cannot write %s\n", tmp);
			rc = 1;
			break;
		}
		prof *held = prof_new_file(gpu, tmp, err, sizeof err);
		if (!held) {
			fprintf(stderr, "bench_interp: %s\n", err);
			rc = 1;
			break;
		}
		for (int i = 0; names[i]; i++) {
			zoo_model *m = zoo_model_new(names[i], err, sizeof err);
			if (!m || !prof_measured(full, m->name) || prof_max_batch(full, m) <= b) {
				zoo_model_free(m);
				continue;
			}
			prof_table *tf = prof_table_new(full, m), *th = prof_table_new(held, m);
			for (size_t qi = 0; qi < (m->has_seq ? sizeof seqs / sizeof seqs[0] : 1); qi++) {
				int seq = m->has_seq ? seqs[qi] : 0;
				double opmax = 0;
				for (int op = 0; op < m->n_ops; op++) {
					double y = (double)prof_op_ns(full, m, op, b, seq);
					double e = 100.0 * ((double)prof_op_ns(held, m, op, b, seq) - y) / y;
					add(&op_at[si], e);
					opmax = fabs(e) > opmax ? fabs(e) : opmax;
				}
				double y = (double)prof_table_seg_ns(tf, b, seq, 0, m->n_ops);
				double x = (double)prof_table_seg_ns(th, b, seq, 0, m->n_ops);
				double e = 100.0 * (x - y) / y;
				add(&whole_at[si], e);
				printf("%-13s %5d %4d %11.3f %11.3f %+8.2f %12.2f\n", m->name, b, seq, y / 1e6,
				       x / 1e6, e, opmax);
			}
			prof_table_free(tf);
			prof_table_free(th);
			zoo_model_free(m);
		}
		prof_free(held);
	}
	unlink(tmp);
	printf("\n%5s %8s %16s %15s %13s %12s\n", "batch", "queries", "whole_mean_err_%",
	       "whole_max_err_%", "op_mean_err_%", "op_max_err_%");
	for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
		if (whole_at[si].n)
			printf("%5d %8d %16.2f %15.2f %13.2f %12.2f\n", sizes[si], whole_at[si].n,
			       whole_at[si].sum / whole_at[si].n, whole_at[si].max,
			       op_at[si].sum / op_at[si].n, op_at[si].max);
	/* what merging buys: a whole query's cost per sample at each measured
	 * size (bert at seq 64) */
	static const int all[] = {1, 2, 4, 8, 16, 32};
	printf("\nper-sample ms of a whole query at each measured batch\n%-13s", "model");
	for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
		printf(" %8s%-2d", "b", all[k]);
	printf("\n");
	for (int i = 0; names[i]; i++) {
		zoo_model *m = zoo_model_new(names[i], err, sizeof err);
		if (!m || !prof_measured(full, m->name)) {
			zoo_model_free(m);
			continue;
		}
		prof_table *t = prof_table_new(full, m);
		printf("%-13s", m->name);
		for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
			if (all[k] <= prof_max_batch(full, m))
				printf(" %10.4f", (double)prof_table_seg_ns(t, all[k], m->has_seq ? 64 : 0, 0,
				                                            m->n_ops) /
				                      1e6 / all[k]);
		printf("\n");
		prof_table_free(t);
		zoo_model_free(m);
	}
	prof_free(full);
	return rc;
}
