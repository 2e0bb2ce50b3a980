/* test_fakes.h: the test doubles the scheduling tests share: a predictor
 * that charges a fixed time per op and a load that replays a script of
 * arrivals, so that every start and end can be asserted exactly. */
#ifndef ABACUS_TEST_FAKES_H
#define ABACUS_TEST_FAKES_H

#include "load.h"
#include "pred.h"

#define MS 1000000LL

/* ctx: the ns an op takes (an int64_t), or NULL for 1 ms. */
static int fake_predict(void *ctx, const dev_group *g, int n, int64_t *out)
{
	int64_t per = ctx ? *(const int64_t *)ctx : MS;
	for (int i = 0; i < n; i++) {
		out[i] = 0;
		for (int k = 0; k < g[i].n; k++)
			out[i] += (g[i].seg[k].end - g[i].seg[k].start) * per;
	}
	return 0;
}
static const pred_iface fake_pred_iface = {"fake", fake_predict, NULL};

typedef struct script {
	load base;
	const load_arrival *a;
	int n, i;
} script;

static int script_next(load *l, load_arrival *out)
{
	script *s = (script *)l;
	if (s->i == s->n)
		return 0;
	*out = s->a[s->i++];
	return 1;
}
static void script_free(load *l)
{
	(void)l;
}
static const load_iface script_iface = {"script", script_next, script_free};

#endif
