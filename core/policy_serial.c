/* policy_serial.c: the time-sharing baselines fcfs, sjf and edf.
 *
 * As the paper's baselines, they run one query at a time to completion:
 * each group is a single segment [next_op, n_ops). They differ only in the
 * key that orders the queue heads (per-service queues are FIFO, so the
 * heads are the only candidates):
 *   fcfs  earliest arrival
 *   sjf   least predicted solo time (remaining ops)
 *   edf   earliest deadline
 * Ties go to the lower service index. A head the run's abandon rule gives
 * up (sched_gives_up: past its deadline, or unable to make it even if
 * started now) is dropped (a violation) and the choice is made again.
 */
#include "sched.h"

typedef int64_t (*serial_key)(sched *s, const sched_query *q);

static int64_t key_arrival(sched *s, const sched_query *q)
{
	(void)s;
	return q->arrival;
}

static int64_t key_remaining(sched *s, const sched_query *q)
{
	return sched_remaining(s, q);
}

static int64_t key_deadline(sched *s, const sched_query *q)
{
	(void)s;
	return q->deadline;
}

static int serial_pick(sched *s, sched_group *g, serial_key key)
{
	int n = sched_n_services(s);
	for (;;) {
		int best = -1;
		int64_t best_key = 0;
		for (int i = 0; i < n; i++) {
			sched_query *q = sched_head(s, i);
			if (!q)
				continue;
			int64_t k = key(s, q);
			if (best < 0 || k < best_key) {
				best = i;
				best_key = k;
			}
		}
		if (best < 0)
			return 0; /* every waiting query was dropped */
		sched_query *q = sched_head(s, best);
		if (sched_gives_up(s, q, NULL)) {
			sched_drop_head(s, best);
			continue;
		}
		sched_group_add(s, g, best, sched_service_at(s, best)->model->n_ops);
		return 0;
	}
}

static int fcfs_pick(sched *s, void *ctx, sched_group *g)
{
	(void)ctx;
	return serial_pick(s, g, key_arrival);
}

static int sjf_pick(sched *s, void *ctx, sched_group *g)
{
	(void)ctx;
	return serial_pick(s, g, key_remaining);
}

static int edf_pick(sched *s, void *ctx, sched_group *g)
{
	(void)ctx;
	return serial_pick(s, g, key_deadline);
}

/* The baselines read none of the fields only some policies read (kind.h):
 * no search, and their predictor is the solo one. */
const sched_policy sched_policy_fcfs = {
    .name = "fcfs",
    .summary = "first come, first served; one query at a time",
    .pick = fcfs_pick,
};
const sched_policy sched_policy_sjf = {
    .name = "sjf",
    .summary = "shortest predicted job first; one query at a time",
    .pick = sjf_pick,
};
const sched_policy sched_policy_edf = {
    .name = "edf",
    .summary = "earliest deadline first; one query at a time",
    .pick = edf_pick,
};
