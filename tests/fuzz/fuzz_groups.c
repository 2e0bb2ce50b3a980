/* fuzz_groups.c: the measured groups reader (core/sample.h), as
 * groups.csv is read to train the predictors. Every group it accepts
 * must have segments its models can run and a positive latency. */
#include "fuzz.h"

#include <math.h>

#include "sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[1024] = "";
	fuzz_file(path, sizeof path, "groups.csv", data, size);
	smp_set s = {0};
	if (smp_read_csv(path, &s, err, sizeof err)) {
		fuzz_check_message(err);
		smp_set_free(&s);
		return 0;
	}
	for (size_t i = 0; i < s.n; i++) {
		const smp_group *g = &s.g[i];
		if (g->n < 1 || g->n > SMP_MAX_SEG)
			fuzz_wrong("group %zu has %d segments", i, g->n);
		if (!(g->median_us > 0) || !isfinite(g->median_us) || !(g->p99_us > 0) ||
		    !isfinite(g->p99_us))
			fuzz_wrong("group %zu: median %g us, p99 %g us", i, g->median_us,
			           g->p99_us);
		for (int k = 0; k < g->n; k++)
			if (g->seg[k].batch < 1 || g->seg[k].start >= g->seg[k].end)
				fuzz_wrong("group %zu segment %d", i, k);
	}
	smp_set_free(&s);
	return 0;
}
