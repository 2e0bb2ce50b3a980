/* sched.h: the scheduling core.
 *
 * Queries arrive from a load (load.h) into per-service FIFO queues. At each
 * group boundary the policy looks at the queues' heads and builds the next
 * operator group (at most one segment per service); the device runs it; the
 * core advances each query by its segment, completes those that reached
 * their last op, and asks the policy again. The same loop drives the
 * simulator and the GPU: only the device differs.
 *
 * Invariants:
 *  - a query is in its service's queue from arrival until it completes or
 *    is dropped; only the head of a queue is ever scheduled, so a service's
 *    queries run in arrival order (but for SCHED_ABANDON_DEFER, which
 *    holds back a head that can no longer end in time);
 *  - q->next_op is the first op not yet run; it only grows;
 *  - a group holds at most one segment per service, each non-empty, each
 *    starting at its query's next_op;
 *  - batching: a segment may carry several queries of its service merged
 *    into one batch (dev_segment.queries). Those that may merge are the
 *    head and the queries right behind it in its queue, in queue order,
 *    that stand at the head's next_op (queries not yet started, or a batch
 *    that ran together and was cut at one op), while their batches summed
 *    stay within the service's max_batch. Sequence lengths may differ:
 *    the merged batch runs at the longest, the others padded, and its
 *    cost is predicted at that length. Merging never skips a query, so
 *    queue order holds; each merged query keeps its own arrival,
 *    deadline, start, end and state, so latency, drops and on-time are
 *    counted per query, never per batch.
 * Debug builds check them with assert where policies and callers reach
 * the core (sched_group_add, sched_drop_head, the group a policy picked,
 * sched_admit), as Lua's api_check does.
 *
 * Time is device time in ns (device.h). Queries live in one array owned by
 * the sched, indexed by arrival order, so results can be written after the
 * run in order.
 */
#ifndef ABACUS_SCHED_H
#define ABACUS_SCHED_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "kind.h"
#include "load.h"
#include "pred.h"
#include "zoo.h"

typedef struct sched_service {
	const zoo_model *model; /* borrowed */
	int64_t qos;            /* ns */
	/* The largest batch a merged segment of this service may carry (its
	 * queries' batches summed); 0: no merging. */
	int max_batch;
} sched_service;

enum sched_state { SCHED_WAITING, SCHED_DONE, SCHED_DROPPED };

typedef struct sched_query {
	int64_t arrival, deadline;
	int64_t start, end; /* -1 until the first segment starts / the last ends */
	int32_t service;
	int32_t batch, seq;
	int16_t next_op;
	uint8_t state;
	uint8_t moved; /* SCHED_ABANDON_DEFER: back from the late queue */
} sched_query;

/* The group being built: segment i belongs to query qid[i], the head of
 * its service's queue, and to the seg[i].queries - 1 queries queued right
 * behind it when it carries a merged batch. */
typedef struct sched_group {
	int n;
	dev_segment *seg; /* capacity n_svc */
	uint32_t *qid;
} sched_group;

typedef struct sched sched;

/* A policy picks the next group. Adding one is adding a file with its
 * sched_policy and a line in policy.c's table. */
typedef struct sched_policy {
	const char *name;
	const char *summary; /* one line for listings */
	/* The run fields only some policies read (kind.h, KIND_POLICY_FIELDS)
	 * that this one does: giving another is an error. A policy that reads
	 * KIND_PREDICTOR gets the run's group predictor (sched_group_pred). */
	unsigned reads;
	/* 1: it always merges queries into batches (sched.h's batching
	 * invariant), as a Clockwork- or Triton-like batcher does; a policy
	 * that reads KIND_BATCHING merges when the run asks it to. */
	int batches;
	/* Optional: per-run state. */
	int (*init)(sched *s, void **ctx, char *err, size_t errlen);
	/* Fills g (g->n == 0 is allowed only if the policy dropped every
	 * waiting query); returns -1 with a message in sched_errbuf on error. */
	int (*pick)(sched *s, void *ctx, sched_group *g);
	void (*free)(void *ctx);
} sched_policy;

/* When a policy gives up a query (sched_options.abandon). */
enum sched_abandon {
	SCHED_ABANDON_OFF = 0, /* every query runs to its end, however late */
	/* a head whose deadline lies closer than its predicted remaining time
	 * (padded) is dropped: it could not make it even alone */
	SCHED_ABANDON_PREDICTIVE = 1,
	/* the Abacus paper's baselines' rule: a head already past its deadline
	 * when it comes up is dropped; one that starts in time runs to its end
	 * even if it ends late */
	SCHED_ABANDON_LATE = 2,
	/* the predictive rule, and, while another query waits behind it, a
	 * head that could not finish in time sharing the GPU (twice its
	 * predicted remaining time, padded) is dropped too: at overload such a
	 * head can only run alone, which costs the overlap every query behind
	 * it would get */
	SCHED_ABANDON_PAIRED = 3,
	/* shedding: the waiting queries of every service, taken in deadline
	 * order, are run through Moore and Hodgson's rule on their predicted
	 * remaining times (padded): whenever the ones kept so far would end
	 * past the deadline of the last, the longest of them is shed (of equal
	 * ones the earlier due: every query kept then ends no later than had
	 * the later one gone). A head shed is dropped; one shed deeper in its
	 * queue stays, and is judged again when it comes up. Of any set of
	 * queries run one after the other, this keeps the most that end in
	 * time; a hopeless query (the predictive rule's) is always shed. The
	 * queries kept, run one after the other in deadline order, are the
	 * shed plan (sched_plan_slack). */
	SCHED_ABANDON_SHED = 4,
	/* deferring: nothing is dropped, but a head that has not started and
	 * could not end in time even alone (the predictive rule's test) leaves
	 * its queue for its service's late queue (a query not started needs as
	 * long later as now: it stays late). Late queries run only where no
	 * query that can still end in time waits in any queue, the oldest
	 * first: a query late anyway makes no other late. */
	SCHED_ABANDON_DEFER = 5,
};

typedef struct sched_options {
	int abandon;          /* enum sched_abandon */
	int ways;             /* multi-way search width (abacus policy) */
	int64_t threshold;    /* ns: stop searching with less headroom than this */
	double margin;        /* >= 0: a prediction held against a deadline counts
	                       * as (1 + margin) times itself (sched_padded) */
	size_t expect_queries; /* capacity hint */
	int batching;          /* abacus: merge each service's waiting queries (KIND_BATCHING) */
	/* abacus: pair an urgent query that is already late anyway (the
	 * next query whole if it ends by its own deadline, else cut within
	 * it) instead of running it alone (KIND_PAIR_LATE) */
	int pair_late;
	/* abacus with SCHED_ABANDON_SHED: a group may outlast its urgent
	 * query's solo time only by what leaves every query the shed plan
	 * keeps, due before a partner, in time (KIND_KEEP_PLAN) */
	int keep_plan;
	/* abacus with batching: no run trades a query that ends in time
	 * for others (KIND_KEEP_ON_TIME): the urgent service's run ends late
	 * none of its queries that end in time in a shorter run, and a
	 * partner's run joins whole only where it ends late no query of the
	 * group that ends in time without it (else it is cut within the
	 * group's budget) */
	int keep_on_time;
	/* abacus: the heads ordered by deadline, earliest first, instead of
	 * by headroom (KIND_BY_DEADLINE) */
	int by_deadline;
	/* decision_us's sample: one decision in this many (a power of two;
	 * 0 or 1: every one) is timed on the host clock, the first of each
	 * worker's included. Two clock reads a decision were 4% of a
	 * thousand-GPU cluster run's loop; what is simulated is the same
	 * whatever the sample. */
	int time_every;
} sched_options;

typedef struct sched_stats {
	int64_t groups, segments;
	/* host ns of the decisions timed (sched_options.time_every), and how
	 * many they were */
	int64_t decisions_ns, decisions_timed;
	int64_t first_arrival, last_end;
	int64_t t0; /* device time the run started: arrival times are t0 + the load's */
} sched_stats;

sched *sched_new(const sched_service *svc, int n_svc, const sched_policy *policy,
                 predictor *pred, const sched_options *opt, char *err, size_t errlen);
void sched_free(sched *s);

/* Runs until the load is exhausted and every query completed or dropped,
 * or *stop becomes non-zero (then returns 1). 0 done, -1 error. The run
 * of one worker behind a direct router (worker.h). */
int sched_run(sched *s, device *d, load *l, const volatile sig_atomic_t *stop, char *err,
              size_t errlen);

/* ---- one step at a time, for the loop over workers (worker.h) ----
 * sched_admit queues an arrival; sched_next asks the policy for a group at
 * `now` (*g->n may be 0 when it dropped every waiting query), which the
 * caller launches and, once it has ended with sched_seg_end() filled,
 * hands back with sched_ended(launch time). */
int sched_next(sched *s, int64_t now, const dev_group **g, char *err, size_t errlen);
int64_t *sched_seg_end(sched *s);
void sched_ended(sched *s, int64_t launch);
/* Queries queued and neither done nor dropped. */
size_t sched_waiting(const sched *s);
/* Keeps, from now on, the predicted solo time of the waiting queries'
 * every op (sched_backlog): routers that weigh workers read it. */
void sched_track_backlog(sched *s);
/* fn(ctx) after each change of the backlog kept (sched_track_backlog):
 * a router's index of the workers by backlog follows it. */
void sched_on_backlog(sched *s, void (*fn)(void *ctx), void *ctx);
int64_t sched_backlog(const sched *s);
/* Predicted solo ns of a whole query of service i (this sched's index). */
int64_t sched_solo_ns(sched *s, int service, int batch, int seq);
/* The device time the run started (sched_stats.t0). */
void sched_set_t0(sched *s, int64_t t0);

const sched_query *sched_queries(const sched *s, size_t *n);
/* From now on, each query that is done or dropped is handed to sink (its
 * fields final, service this sched's index) and then forgotten: its slot
 * takes a later arrival, so memory holds only the queries in flight and
 * sched_queries no longer lists the run (a streaming run, stream.h). */
void sched_set_sink(sched *s, void (*sink)(void *ctx, const sched_query *q), void *ctx);

/* For benchmarks and tools: queue an arrival, and make one scheduling
 * decision at time `now` without running it (the policy may drop queries
 * as it would in a run). */
int sched_admit(sched *s, const load_arrival *a);
int sched_decide(sched *s, int64_t now, sched_group *g);
const sched_stats *sched_get_stats(const sched *s);

/* ---- for policies ---- */
int sched_n_services(const sched *s);
const sched_service *sched_service_at(const sched *s, int i);
int64_t sched_now(const sched *s);
const sched_options *sched_opts(const sched *s);
predictor *sched_pred(sched *s);
/* The overlap-aware predictor of multi-segment groups (the abacus
 * policy's); falls back to sched_pred when none was set. */
predictor *sched_group_pred(sched *s);
void sched_set_group_pred(sched *s, predictor *p);
/* Head of service i's queue, or NULL when empty. */
sched_query *sched_head(sched *s, int i);
uint32_t sched_head_id(const sched *s, int i);
/* Drops the head of service i's queue (abandon). */
void sched_drop_head(sched *s, int i);
/* 1 when the run's abandon rule gives up the waiting query q now: never
 * with abandon off; when it is past its deadline already with
 * SCHED_ABANDON_LATE; when it cannot finish in time even alone with
 * SCHED_ABANDON_PREDICTIVE; that, or not in time sharing the GPU while
 * another query waits behind it, with SCHED_ABANDON_PAIRED. need: its
 * sched_remaining when the caller has it, else NULL (computed only where
 * the rule reads it). */
int sched_gives_up(sched *s, const sched_query *q, const int64_t *need);
/* Predicted time to run the query's remaining ops alone. */
int64_t sched_remaining(sched *s, const sched_query *q);
/* With SCHED_ABANDON_SHED and keep_plan: of the queries the shed plan of
 * this boundary keeps (run one after the other, in deadline order, each
 * taking its padded predicted remaining time) those due before `deadline`,
 * the least time one of them would end before its deadline: how much
 * longer than the plan the time from now may run before one of them ends
 * late. INT64_MAX when none is due before it, or without a plan. */
int64_t sched_plan_slack(const sched *s, int64_t deadline);
/* A predicted duration as the policies hold it against a deadline: ns
 * plus the run's margin of it, so a prediction that comes out a little
 * short does not make a query late. */
int64_t sched_padded(const sched *s, int64_t ns);
/* Appends the head of service i with ops [next_op, end) to g. */
void sched_group_add(sched *s, sched_group *g, int i, int end);

/* ---- batching (the header's invariants) ---- */
/* The k-th query of service i's queue (0: the head), NULL past its end. */
sched_query *sched_queued(sched *s, int i, size_t k);
/* How many queries from the head of service i's queue may merge into one
 * segment: at least 1 when the queue is not empty, at most `most`. */
int sched_mergeable(sched *s, int i, int most);
/* The batch and (padded) sequence length of the first k queries of
 * service i's queue merged, k from 1 to sched_mergeable. */
void sched_merged(sched *s, int i, int k, int *batch, int *seq);
/* The segment of those k queries, ops [next_op, end): what a policy
 * predicts before it adds it. */
dev_segment sched_merged_seg(sched *s, int i, int k, int end);
/* Predicted time to run the k merged queries' remaining ops alone. */
int64_t sched_merged_remaining(sched *s, int i, int k);
/* Appends the first k queries of service i, merged, with ops [next_op,
 * end) to g; k = 1 is sched_group_add. */
void sched_group_add_merged(sched *s, sched_group *g, int i, int k, int end);
/* Error buffer for policies. */
char *sched_errbuf(sched *s, size_t *len);

/* ---- registry ---- */
const sched_policy *sched_policy_find(const char *name);
/* NULL-terminated; the first (fcfs) is the default. */
const sched_policy *const *sched_policies(void);
void sched_policy_names(char *buf, size_t len);

#endif
