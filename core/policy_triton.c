/* policy_triton.c: a Triton-like free-running batcher, one of the
 * baselines users would pick instead of overlap. It merges each service's
 * waiting queries into batches (sched.h's batching invariant) and runs
 * every batch to its last op.
 *
 * triton, after NVIDIA Triton's dynamic batcher with one model instance
 * per service: each service runs on its own stream, free-running, with
 * no deadline control and no drops. At each group boundary every service
 * with waiting queries gets a segment, its batch the largest run of its
 * waiting queries within max_batch, run whole; the segments overlap on
 * the GPU as any group does (the simulator's contention model prices
 * it). Two approximations, where the group model differs from streams
 * that never wait for each other:
 *  - a service whose batch ends before the group's longest idles until
 *    the group ends, where a free stream would start its next batch at
 *    once: triton is served no better than it would be live, and worse
 *    the more the services' batch times differ;
 *  - the batcher's max queue delay is 0 and it has no preferred sizes
 *    (Triton's defaults: max_queue_delay_microseconds 0, no
 *    preferred_batch_size): a batch takes what is waiting when its
 *    stream comes free, since a group boundary cannot wait for arrivals.
 * The run's abandon still applies to triton's heads where a scenario asks
 * for it (the overload measure with every policy abandoning).
 */
#include <limits.h>

#include "sched.h"

static int triton_pick(sched *s, void *ctx, sched_group *g)
{
	(void)ctx;
	int n = sched_n_services(s);
	for (int i = 0; i < n; i++) {
		sched_query *q;
		while ((q = sched_head(s, i)) && sched_gives_up(s, q, NULL))
			sched_drop_head(s, i);
		if (q)
			sched_group_add_merged(s, g, i, sched_mergeable(s, i, INT_MAX),
			                       sched_service_at(s, i)->model->n_ops);
	}
	return 0;
}

const sched_policy sched_policy_triton = {
    .name = "triton",
    .summary = "Triton-like: a dynamic batcher per service on its own stream, free-running, "
               "no deadlines",
    .batches = 1,
    .pick = triton_pick,
};
