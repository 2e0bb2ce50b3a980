/* worker.h: a run as workers fed by a router, on one clock.
 *
 * A worker is a device (a GPU, or an SM partition of one) with its own
 * scheduler, and so its own queues, policy and predictors, serving the
 * run's services placed on it. Arrivals come from the load to the router
 * (router.h), which queues each at one of its service's workers. Each
 * idle worker's policy builds a group from its queues, its device
 * launches it without blocking, and the loop waits for whichever comes
 * first: the next arrival or the next group to end, on any worker.
 *
 * One clock. Every worker's device reads the same clock (devices opened
 * together by a kind's open_parts share it: the simulator's virtual
 * clock, the GPU's monotonic one), and the loop reads it from the first.
 * Where every group in flight knows its end ahead (device_group_end: a
 * virtual clock) the loop jumps to the earliest; where one does not (a
 * GPU), it asks each worker in turn and waits on one for at most
 * WORKER_POLL_NS before asking the others again.
 *
 * One worker behind the direct router is a plain run: decisions, device
 * calls and random draws come in the order the single-GPU loop made
 * them, so a simulated run is the same bit for bit.
 *
 * Ties: groups that end at the same time are handed back in the workers'
 * order, and before arrivals at that time (which the policies then see),
 * as the single-GPU loop did.
 */
#ifndef ABACUS_WORKER_H
#define ABACUS_WORKER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "load.h"
#include "router.h"
#include "sched.h"

/* How long the loop waits on one worker's group before it asks the
 * others again, where ends are not known ahead. */
#define WORKER_POLL_NS 20000

/* Arrivals between progress updates (progress.h). */
#define WORKER_PROGRESS_EVERY 256

typedef struct worker {
	sched *sched; /* borrowed; its services are the ones placed here */
	device *dev;  /* borrowed */
	/* The run's service of each of the sched's services; NULL: the same
	 * (sched service i is the run's service i). */
	const int *services;
	const char *name; /* in messages: "partition 2" */
	/* Workers with the same non-NULL key predict every query of a run's
	 * service the same solo time (the profile their solo predictors
	 * read): the loop may then index them by backlog alone. NULL: none
	 * known to share. */
	const void *solo_key;
} worker;

typedef struct worker_params {
	const router_kind *router;
	load *load;
	int n_services; /* the run's; 0: the first worker's sched's count */
	uint64_t seed;  /* of the router's generator */
	const volatile sig_atomic_t *stop; /* may be NULL */
	struct progress *progress;         /* may be NULL */
	/* A streaming run (stream.h): each query, once done or dropped, goes
	 * to sink (the run's service index) and is forgotten; the result then
	 * lists none. NULL: the result lists every query. */
	void (*sink)(void *ctx, const sched_query *q);
	void *sink_ctx;
} worker_params;

typedef struct worker_result {
	/* Every query in arrival order, with the run's service indices:
	 * borrowed from the one worker's sched, else owned. */
	const sched_query *q;
	size_t n;
	sched_query *owned;
	sched_stats stats; /* summed over workers; t0 the run's start */
	/* Workers lost on the way (dev_iface.lost), what happened to each, or
	 * NULL: the run went on without them (owned) */
	char *lost;
} worker_result;

/* Runs the load to its end: 0 done, 1 stopped (*stop), -1 error (a
 * worker's device or policy failed: the message names the worker). out
 * is filled in every case and freed with worker_result_free. */
int worker_run(worker *w, int n_w, const worker_params *p, worker_result *out, char *err,
               size_t errlen);
void worker_result_free(worker_result *r);

#endif
