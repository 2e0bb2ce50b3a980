/* router.c: the routers `router = "..."` may name (router.h).
 *
 * Each is a few lines: they differ only in what they weigh. Ties go to
 * the first worker in the run's order, so that a simulated run is the same
 * every time. */
#include "router.h"

#include <string.h>

#include "kind.h"

/* Each service on one worker: nothing to choose. */
static int route_direct(const router_view *v, const load_arrival *a, const int *cand, int n)
{
	(void)v, (void)a, (void)cand, (void)n;
	return 0;
}

/* Uniformly at random: the paper's cluster balancer. */
static int route_random(const router_view *v, const load_arrival *a, const int *cand, int n)
{
	(void)a, (void)cand;
	return (int)rng_below(v->rng, (uint32_t)n);
}

/* The worker with the fewest queries waiting. */
static int route_least_loaded(const router_view *v, const load_arrival *a, const int *cand,
                              int n)
{
	(void)a;
	int best = 0;
	size_t least = v->waiting(v, cand[0]);
	for (int i = 1; i < n; i++) {
		size_t w = v->waiting(v, cand[i]);
		if (w < least) {
			least = w;
			best = i;
		}
	}
	return best;
}

/* The worker where the query's predicted finish (what waits there, then
 * the query alone on that worker's SMs) is earliest, which leaves its
 * deadline the most headroom. */
static int route_headroom(const router_view *v, const load_arrival *a, const int *cand, int n)
{
	int best = v->earliest ? v->earliest(v, a) : -1;
	if (best >= 0)
		return best; /* the loop's index: what the scan below finds */
	best = 0;
	int64_t first = 0;
	for (int i = 0; i < n; i++) {
		int64_t finish = v->backlog(v, cand[i]) + v->solo(v, cand[i], a);
		if (i == 0 || finish < first) {
			first = finish;
			best = i;
		}
	}
	return best;
}

static const router_kind direct = {
    .name = "direct",
    .summary = "each service on one worker, its queries go there",
    .chooses = 0,
    .route = route_direct,
};
static const router_kind random_router = {
    .name = "random",
    .summary = "a worker of the service chosen uniformly at random",
    .chooses = 1,
    .route = route_random,
};
static const router_kind least_loaded = {
    .name = "least_loaded",
    .summary = "the worker of the service with the fewest queries waiting",
    .chooses = 1,
    .route = route_least_loaded,
};
static const router_kind headroom = {
    .name = "headroom",
    .summary = "the worker where the query's predicted finish leaves most headroom",
    .chooses = 1,
    .reads_backlog = 1,
    .route = route_headroom,
};

extern const router_kind router_clockwork; /* router_clockwork.c */

static const router_kind *const routers[] = {&direct,   &random_router,     &least_loaded,
                                             &headroom, &router_clockwork, NULL};

const router_kind *const *router_kinds(void)
{
	return routers;
}

const router_kind *router_find(const char *name)
{
	for (int i = 0; routers[i]; i++)
		if (strcmp(routers[i]->name, name) == 0)
			return routers[i];
	return NULL;
}

void router_names(char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	for (int i = 0; routers[i]; i++)
		kind_names_add(buf, len, routers[i]->name);
}
