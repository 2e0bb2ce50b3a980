/* fuzz_prof.c: the profile loader (core/prof.h) on a data folder whose
 * h200/ops.csv is the input, then every lookup a run makes of what it
 * accepted: each op of each model measured in the file, at the batches
 * and sequence lengths a service may ask for, whole and in a partition.
 * A profile that loads must give positive, finite latencies. */
#include "fuzz.h"

#include "prof.h"
#include "zoo.h"

static void check_model(const prof *p, const zoo_model *m)
{
	char err[512];
	if (!prof_measured(p, m->name))
		return;
	(void)prof_check_model(p, m, err, sizeof err);
	int most = prof_max_batch(p, m);
	int batches[] = {1, 3, most > 0 ? most : 1, 4096};
	int seqs[] = {m->has_seq ? m->seq_min : 0, m->has_seq ? m->seq_max : 0};
	for (int b = 0; b < 4; b++)
		for (int s = 0; s < 2; s++) {
			for (int op = 0; op < m->n_ops; op++) {
				int64_t ns = prof_op_ns(p, m, op, batches[b], seqs[s]);
				if (ns <= 0)
					fuzz_wrong("%s op %d batch %d seq %d: %lld ns", m->name, op,
					           batches[b], seqs[s], (long long)ns);
			}
			if (prof_whole_ns(p, m, batches[b], seqs[s]) < 0)
				fuzz_wrong("%s whole: negative", m->name);
		}
	prof_table *t = prof_table_new(p, m);
	if (t) {
		(void)prof_table_seg_ns(t, most > 0 ? most : 1, seqs[1], 0, m->n_ops);
		prof_table_free(t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[128], err[1024] = "";
	fuzz_data_file(dir, sizeof dir, "ops.csv", data, size);
	prof *p = prof_new("h200", dir, err, sizeof err);
	if (!p) {
		fuzz_check_message(err);
		return 0;
	}
	zoo_set ms = {{NULL}, 0};
	for (const char *const *n = zoo_names(); *n; n++) {
		const zoo_model *m = zoo_set_get(&ms, *n, err, sizeof err);
		if (m)
			check_model(p, m);
	}
	prof *q = prof_new_partition(p, 66, err, sizeof err);
	if (q) {
		for (int i = 0; i < ms.n; i++)
			check_model(q, ms.m[i]);
		prof_free(q);
	}
	zoo_set_free(&ms);
	prof_free(p);
	return 0;
}
