/* router_clockwork.c: a Clockwork-like central controller (router.h).
 *
 * Clockwork (Gujarati et al., OSDI'20) keeps every request in one queue
 * at a central controller, runs one request at a time on each GPU, sends
 * the most urgent one (earliest deadline first) to a GPU as soon as it is
 * idle, and only when its predicted time there still meets its deadline;
 * a request that cannot is dropped then and there, never run late.
 *
 * The queue. A query's deadline is its arrival plus its service's QoS
 * target, and arrivals come in time order, so each service's queries wait
 * in deadline order already: one FIFO per service is the EDF queue, and
 * its most urgent query is the head with the least deadline among the
 * services the idle worker serves (ties to the lower service index, so a
 * simulated run is the same every time). O(services) a dispatch, O(1) a
 * hold.
 */
#include "router.h"

#include <stdlib.h>

#include "ring.h"

typedef struct held {
	load_arrival a;
	uint32_t id;
} held;

typedef struct clockwork {
	ring *svc; /* of held, one a service */
	int n_svc;
} clockwork;

static int cw_open(void **ctx, int n_svc, int n_w)
{
	(void)n_w;
	clockwork *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	c->svc = calloc((size_t)n_svc, sizeof *c->svc);
	if (!c->svc) {
		free(c);
		return -1;
	}
	c->n_svc = n_svc;
	*ctx = c;
	return 0;
}

static void cw_close(void *ctx)
{
	clockwork *c = ctx;
	if (!c)
		return;
	for (int s = 0; s < c->n_svc; s++)
		ring_free(&c->svc[s]);
	free(c->svc);
	free(c);
}

static held *fifo_head(const ring *f)
{
	return ring_at(f, 0, sizeof(held));
}

static int cw_hold(void *ctx, const router_view *v, const load_arrival *a, uint32_t id)
{
	(void)v;
	clockwork *c = ctx;
	held h = {*a, id};
	return ring_push(&c->svc[a->service], &h, sizeof h);
}

static int cw_dispatch(void *ctx, const router_view *v, int w, load_arrival *a, uint32_t *id)
{
	clockwork *c = ctx;
	for (;;) {
		int best = -1;
		int64_t first = 0;
		for (int s = 0; s < c->n_svc; s++) {
			const ring *f = &c->svc[s];
			if (!f->len || !v->serves(v, w, s))
				continue;
			int64_t d = fifo_head(f)->a.t + v->qos(v, s);
			if (best < 0 || d < first) {
				best = s;
				first = d;
			}
		}
		if (best < 0)
			return 0;
		held h = *fifo_head(&c->svc[best]);
		ring_pop(&c->svc[best]);
		if (v->now + v->padded(v, w, v->solo(v, w, &h.a)) <= first) {
			*a = h.a;
			*id = h.id;
			return 1;
		}
		v->drop(v, &h.a, h.id); /* it cannot make its deadline even alone */
	}
}

const router_kind router_clockwork = {
    .name = "clockwork",
    .summary = "a central EDF queue; one query at a time to each idle worker, dropped when "
               "it can no longer make its deadline there (Clockwork, OSDI'20)",
    .chooses = 1,
    .holds = 1,
    .open = cw_open,
    .close = cw_close,
    .hold = cw_hold,
    .dispatch = cw_dispatch,
};
