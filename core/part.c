/* part.c: partition sizes, their granularity and presets (part.h). */
#include "part.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

/* Compute capability by GPU: what fixes the green-context granularity. */
static int cc_major(const gpu_spec *g)
{
	return strcmp(g->name, "a100") == 0 ? 8 : 9;
}

void part_granularity(const gpu_spec *g, int *min, int *step)
{
	if (cc_major(g) >= 9) {
		*min = 8;
		*step = 8;
	} else {
		*min = 4;
		*step = 2;
	}
}

static const struct {
	const char *name;
	int a100, h100;
} presets[] = {
    {"1g", 14, 16}, {"2g", 28, 32}, {"3g", 42, 60}, {"4g", 56, 64}, {"7g", 98, 132},
};

static int round_down(const gpu_spec *g, int sms)
{
	int min, step;
	part_granularity(g, &min, &step);
	if (sms >= g->sms)
		return g->sms;
	sms -= (sms - min) % step;
	return sms < min ? min : sms;
}

int part_resolve(const gpu_spec *g, const part_size *s, const char *where, int *sms, char *err,
                 size_t errlen)
{
	int min, step;
	part_granularity(g, &min, &step);
	if (s->preset[0]) {
		for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
			if (strcmp(presets[i].name, s->preset) == 0) {
				int n = cc_major(g) >= 9 ? presets[i].h100 : presets[i].a100;
				*sms = round_down(g, n > g->sms ? g->sms : n);
				return 0;
			}
		return text_fail(err, errlen,
		                 "%s = \"%s\": not a MIG-like preset (1g, 2g, 3g, 4g, 7g; MIG has "
		                 "no 5g or 6g)",
		                 where, s->preset);
	}
	if (s->share > 0) {
		if (!(s->share <= 1))
			return text_fail(err, errlen, "%s = %g: a share of the GPU is above 0 and at most 1",
			                 where, s->share);
		int n = (int)(s->share * g->sms + 1e-9);
		if (n < min)
			return text_fail(err, errlen,
			                 "%s = %g: %g of %s's %d SMs is %d SMs, below the smallest "
			                 "partition (%d SMs)",
			                 where, s->share, s->share, g->name, g->sms, n, min);
		*sms = round_down(g, n);
		return 0;
	}
	int n = s->sms;
	if (n > g->sms)
		return text_fail(err, errlen, "%s = %d: %s has %d SMs", where, n, g->name, g->sms);
	if (n == g->sms)
		return *sms = n, 0;
	if (n < min || (n - min) % step != 0) {
		char near[48];
		int lo = n - (n - min) % step;
		if (n < min)
			snprintf(near, sizeof near, "the smallest is %d", min);
		else
			snprintf(near, sizeof near, "%d or %d here", lo, lo + step);
		return text_fail(err, errlen,
		                 "%s = %d: %s partitions have at least %d SMs, in multiples of %d "
		                 "(%s), or all %d (green contexts on compute capability %d.x)",
		                 where, n, g->name, min, step, near, g->sms, cc_major(g));
	}
	*sms = n;
	return 0;
}

int part_check_total(const gpu_spec *g, const int *sms, int n, char *err, size_t errlen)
{
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum += sms[i];
	if (sum > g->sms)
		return text_fail(err, errlen,
		                 "partitions: together %d SMs, but %s has %d (partitions share no SMs)",
		                 sum, g->name, g->sms);
	return 0;
}
