/* policy_clockwork.c: a Clockwork-like serial batcher, one of the
 * baselines users would pick instead of overlap. It merges each service's
 * waiting queries into batches (sched.h's batching invariant) and runs
 * every batch to its last op.
 *
 * clockwork, after Clockwork (Gujarati et al., OSDI'20): one model at a
 * time on the whole GPU (serial, as Clockwork's workers run one inference
 * at a time), earliest deadline first. At each group boundary:
 *  1. a waiting query that cannot finish by its deadline even if it ran
 *     now, alone (its predicted time, padded by the run's margin), is
 *     dropped: Clockwork's controller cancels work it predicts will miss
 *     its SLO rather than spend the GPU on it. This holds whatever the
 *     run's abandon says;
 *  2. the service whose head has the earliest deadline runs;
 *  3. its batch is the largest run of its waiting queries (head first, up
 *     to the service's max_batch) whose merged batch's predicted time
 *     still ends by the earliest deadline among them.
 * Clockwork's action scheduling ahead of time, its model loading and its
 * multiple workers are outside this comparison: the run is one GPU with
 * every model resident.
 *
 */
#include <limits.h>

#include "sched.h"

/* The largest run of service i's waiting queries whose merged batch,
 * predicted alone and padded, ends by the run's earliest deadline; 1 when
 * none longer does. */
static int fitting_run(sched *s, int i)
{
	int n = sched_mergeable(s, i, INT_MAX);
	int64_t now = sched_now(s), d = INT64_MAX;
	int best = 1;
	for (int k = 1; k <= n; k++) {
		const sched_query *q = sched_queued(s, i, (size_t)(k - 1));
		if (q->deadline < d)
			d = q->deadline;
		if (k > 1 && now + sched_padded(s, sched_merged_remaining(s, i, k)) <= d)
			best = k;
	}
	return best;
}

static int clockwork_pick(sched *s, void *ctx, sched_group *g)
{
	(void)ctx;
	int n = sched_n_services(s), best = -1;
	int64_t now = sched_now(s), best_deadline = 0;
	for (int i = 0; i < n; i++) {
		sched_query *q;
		while ((q = sched_head(s, i)) &&
		       now + sched_padded(s, sched_remaining(s, q)) > q->deadline)
			sched_drop_head(s, i);
		if (q && (best < 0 || q->deadline < best_deadline)) {
			best = i;
			best_deadline = q->deadline;
		}
	}
	if (best < 0)
		return 0; /* every waiting query was dropped */
	sched_group_add_merged(s, g, best, fitting_run(s, best),
	                       sched_service_at(s, best)->model->n_ops);
	return 0;
}

const sched_policy sched_policy_clockwork = {
    .name = "clockwork",
    .summary = "Clockwork-like: serial, earliest deadline first, the largest batch that meets "
               "it, hopeless queries dropped",
    .batches = 1,
    .pick = clockwork_pick,
};
