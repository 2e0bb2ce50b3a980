/* router.h: which worker a query goes to.
 *
 * A run is workers fed by a router (worker.h): each arrival of a service
 * placed on several workers (several SM partitions of a GPU, several
 * GPUs) goes to one of them, chosen by the run's router. Like policies,
 * routers are interface structs in a table (router.c); adding one is
 * adding a file and a line there.
 *
 * A router sees the workers through a router_view, the loop's: how many
 * queries wait at a worker, the predicted solo time of what waits there
 * (its backlog, kept only for routers that declare they read it), and the
 * predicted solo time of the arriving query on each worker (a partition
 * of fewer SMs runs it slower). Randomness comes from the generator the
 * loop seeds from the run's seed.
 *
 * Most routers decide at arrival (route). A controller (holds = 1) keeps
 * the arrivals in a queue of its own instead (hold), and the loop asks it
 * for one whenever a worker is idle with nothing queued (dispatch): so a
 * worker runs one query at a time, and the controller may drop a query
 * that can no longer make its deadline (drop), which the loop records as
 * dropped. Routers that decide at arrival never see hold or dispatch, and
 * a run with one of them is what it was before controllers existed.
 */
#ifndef ABACUS_ROUTER_H
#define ABACUS_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "load.h"
#include "rng.h"

typedef struct router_view router_view;
struct router_view {
	int64_t now; /* device time of the arrival */
	size_t (*waiting)(const router_view *v, int w);
	int64_t (*backlog)(const router_view *v, int w); /* ns; needs reads_backlog */
	/* Predicted solo ns of the arriving query on worker w. */
	int64_t (*solo)(const router_view *v, int w, const load_arrival *a);
	rng *rng;
	void *loop; /* the loop's, for the functions above */
	/* The index in the service's candidates (route's cand) of the worker
	 * where backlog + solo is least, ties to the first, as a scan of them
	 * finds it; -1 where the loop keeps no index of the service's workers
	 * by backlog (kept with reads_backlog where they share solo times).
	 * NULL: none kept. */
	int (*earliest)(const router_view *v, const load_arrival *a);
	/* For controllers: service s's QoS target (ns, the run's index); 1
	 * when worker w serves service s; a query given up (id as hold got
	 * it); a predicted duration as held against a deadline (the run's
	 * margin added, sched_padded). */
	int64_t (*qos)(const router_view *v, int s);
	int (*serves)(const router_view *v, int w, int s);
	void (*drop)(const router_view *v, const load_arrival *a, uint32_t id);
	int64_t (*padded)(const router_view *v, int w, int64_t ns);
};

typedef struct router_kind {
	const char *name;
	const char *summary; /* one line for listings */
	/* 0: every service must be placed on exactly one worker (the router
	 * cannot choose); 1: it chooses among a service's workers. */
	int chooses;
	int reads_backlog;
	/* Returns the index in cand[0..n) (n >= 1, the workers the arrival's
	 * service is placed on, in the run's order) of the worker to queue
	 * the arrival at. */
	int (*route)(const router_view *v, const load_arrival *a, const int *cand, int n);
	/* A controller's (holds = 1; route may then be NULL). open makes its
	 * state for n_svc services and n_w workers; hold keeps arrival a (id:
	 * its arrival index); dispatch, asked when worker w is idle with
	 * nothing queued at v->now, returns 1 with the query to queue there
	 * (*a, *id), 0 when it has none for w; -1 out of memory. */
	int holds;
	int (*open)(void **ctx, int n_svc, int n_w);
	void (*close)(void *ctx);
	int (*hold)(void *ctx, const router_view *v, const load_arrival *a, uint32_t id);
	int (*dispatch)(void *ctx, const router_view *v, int w, load_arrival *a, uint32_t *id);
} router_kind;

/* NULL-terminated; the first (direct) is the default. */
const router_kind *const *router_kinds(void);
const router_kind *router_find(const char *name);
void router_names(char *buf, size_t len);

#endif
