/* test_batch.c: batch formation (sched.h's batching invariant) and the
 * policies that merge queries (clockwork, triton, abacus with batching),
 * driven by a device and a predictor that agree exactly: an op of a
 * segment takes 1 ms plus 0.25 ms per sample of its batch, run alone or
 * beside others (no contention; or, for the tests that ask, full
 * contention: a group's segments all end at the sum of their times), so
 * every start, end, merge and drop can be asserted. The device records
 * each segment it ran. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_fakes.h"
#include "load.h"
#include "metrics.h"
#include "sched.h"

#define MAX_SEGS 256

static int64_t op_ns(int batch)
{
	return MS + batch * (MS / 4);
}

static int64_t seg_ns(const dev_segment *s)
{
	return (s->end - s->start) * op_ns(s->batch);
}

/* The group predictor: its longest segment (overlap for free) when
 * ctx is NULL; the sum (no overlap) otherwise. */
static int batch_predict(void *ctx, const dev_group *g, int n, int64_t *out)
{
	for (int i = 0; i < n; i++) {
		int64_t sum = 0, max = 0;
		for (int k = 0; k < g[i].n; k++) {
			int64_t len = seg_ns(&g[i].seg[k]);
			sum += len;
			max = len > max ? len : max;
		}
		out[i] = ctx ? sum : max;
	}
	return 0;
}
static const pred_iface batch_pred_iface = {"batch", batch_predict, NULL};

typedef struct rec_dev {
	int64_t now;
	int contended; /* every segment of a group ends at the sum of their times */
	dev_segment seg[MAX_SEGS];
	int64_t launch[MAX_SEGS];
	int n;
} rec_dev;

static int64_t rec_now(void *ctx)
{
	return ((rec_dev *)ctx)->now;
}

static int rec_wait(void *ctx, int64_t t)
{
	rec_dev *d = ctx;
	if (t > d->now)
		d->now = t;
	return 0;
}

static int rec_run(void *ctx, const dev_group *g, int64_t *seg_end)
{
	rec_dev *d = ctx;
	int64_t longest = 0, sum = 0;
	for (int i = 0; i < g->n; i++)
		sum += seg_ns(&g->seg[i]);
	for (int i = 0; i < g->n; i++) {
		int64_t len = d->contended ? sum : seg_ns(&g->seg[i]);
		seg_end[i] = d->now + len;
		longest = len > longest ? len : longest;
		if (d->n < MAX_SEGS) {
			d->launch[d->n] = d->now;
			d->seg[d->n++] = g->seg[i];
		}
	}
	d->now += longest;
	return 0;
}

static const dev_iface rec_iface = {
    .name = "rec", .now = rec_now, .wait_until = rec_wait, .run_group = rec_run};

typedef struct bworld {
	zoo_model *m[2];
	sched_service svc[2];
	rec_dev dev;
	predictor pred, gpred;
	sched *s;
	const sched_query *q;
	size_t nq;
} bworld;

/* Services resnet18 (10 ops) and, when two, bert (12 ops): qos and
 * max_batch each; contended: the device and the group predictor sum a
 * group's segments (no overlap) instead of taking the longest. */
static int bworld_run_on(bworld *w, int contended, const char *policy, const sched_options *o,
                         int n_svc, const int64_t *qos, const int *max_batch,
                         const load_arrival *a, int n)
{
	static const char *names[2] = {"resnet18", "bert"};
	char err[512];
	memset(w, 0, sizeof *w);
	for (int i = 0; i < n_svc; i++) {
		if (!(w->m[i] = zoo_model_new(names[i], err, sizeof err))) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
		w->svc[i] = (sched_service){w->m[i], qos[i], max_batch[i]};
	}
	w->pred = (predictor){&batch_pred_iface, (void *)1, ""};
	w->gpred = (predictor){&batch_pred_iface, contended ? (void *)1 : NULL, ""};
	w->dev.contended = contended;
	w->s = sched_new(w->svc, n_svc, sched_policy_find(policy), &w->pred, o, err, sizeof err);
	if (!w->s) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	sched_set_group_pred(w->s, &w->gpred);
	device d = {&rec_iface, &w->dev};
	script sc = {{&script_iface, "", 0, 0}, a, n, 0};
	int rc = sched_run(w->s, &d, &sc.base, NULL, err, sizeof err);
	if (rc)
		fprintf(stderr, "sched_run: %s\n", err);
	w->q = sched_queries(w->s, &w->nq);
	return rc;
}

static int bworld_run(bworld *w, const char *policy, const sched_options *o, int n_svc,
                      const int64_t *qos, const int *max_batch, const load_arrival *a, int n)
{
	return bworld_run_on(w, 0, policy, o, n_svc, qos, max_batch, a, n);
}

static void bworld_free(bworld *w)
{
	sched_free(w->s);
	for (int i = 0; i < 2; i++)
		zoo_model_free(w->m[i]);
}

static const sched_options plain = {.ways = 2, .expect_queries = 8};

/* q0 runs alone from 0; q1..q5 arrive while it runs. q1..q4 (batch 1, 1,
 * 2, 4 = 8) merge up to max_batch 8 in arrival order; q5 (batch 1) would
 * take the batch to 9 and waits for the next segment. */
static void test_merge_order(const char *policy)
{
	load_arrival a[] = {
	    {0, 0, 1, 0},      {1 * MS, 0, 1, 0}, {2 * MS, 0, 1, 0},
	    {3 * MS, 0, 2, 0}, {4 * MS, 0, 4, 0}, {5 * MS, 0, 1, 0},
	};
	int64_t qos[1] = {1000 * MS};
	int mb[1] = {8};
	bworld w;
	CHECK(bworld_run(&w, policy, &plain, 1, qos, mb, a, 6) == 0);
	CHECK_INT(w.dev.n, 3);
	CHECK_INT(w.dev.seg[0].queries, 1);
	CHECK_INT(w.dev.seg[0].batch, 1);
	CHECK_INT(w.dev.seg[1].queries, 4);
	CHECK_INT(w.dev.seg[1].batch, 8);
	CHECK_INT(w.dev.seg[2].queries, 1);
	/* q0 alone: 10 ops x 1.25 ms */
	CHECK_INT(w.q[0].end, 12500000);
	for (int i = 1; i <= 4; i++) {
		CHECK_INT(w.q[i].start, 12500000);
		CHECK_INT(w.q[i].end, 12500000 + 10 * op_ns(8));
		CHECK_INT(w.q[i].state, SCHED_DONE);
		CHECK_INT(w.q[i].batch, a[i].batch); /* each keeps its own */
	}
	CHECK_INT(w.q[5].start, w.q[4].end);
	CHECK_INT(w.q[5].end, w.q[4].end + 10 * op_ns(1));
	/* per-query latency: each from its own arrival */
	metrics m;
	CHECK(metrics_compute(w.q, w.nq, w.svc, &m) == 0);
	CHECK_INT(m.completed, 6);
	CHECK_INT(m.dropped, 0);
	bworld_free(&w);
}

/* clockwork: the largest run whose merged batch still ends by the
 * earliest deadline among its queries, and hopeless heads dropped. */
static void test_clockwork_deadlines(void)
{
	/* q0 (batch 4) runs [0, 20 ms). q1..q4 (batch 4 each) wait; at 20 ms
	 * a batch of k of them takes 10 * (1 + k) ms: k = 4 ends at 70 ms,
	 * k = 3 at 60, k = 2 at 50. q1's deadline 1 + 55 = 56 ms: k = 2. */
	load_arrival a[] = {
	    {0, 0, 4, 0}, {1 * MS, 0, 4, 0}, {2 * MS, 0, 4, 0}, {3 * MS, 0, 4, 0}, {4 * MS, 0, 4, 0},
	};
	int64_t qos[1] = {55 * MS};
	int mb[1] = {16};
	bworld w;
	CHECK(bworld_run(&w, "clockwork", &plain, 1, qos, mb, a, 5) == 0);
	CHECK_INT(w.q[0].end, 20 * MS);
	CHECK_INT(w.dev.seg[1].queries, 2);
	CHECK_INT(w.dev.seg[1].batch, 8);
	CHECK_INT(w.q[1].end, 50 * MS);
	CHECK_INT(w.q[2].end, 50 * MS);
	/* at 50 ms: q3 (deadline 58) and q4 (59) cannot finish by then even
	 * alone (20 ms): both dropped, nothing runs late */
	CHECK_INT(w.q[3].state, SCHED_DROPPED);
	CHECK_INT(w.q[4].state, SCHED_DROPPED);
	CHECK_INT(w.dev.n, 2);
	for (size_t i = 0; i < w.nq; i++)
		if (w.q[i].state == SCHED_DONE)
			CHECK(w.q[i].end <= w.q[i].deadline);
	bworld_free(&w);
}

/* triton: every service with waiting queries, all it can merge, in one
 * group, whatever the deadlines; bert's merged batch padded to its
 * longest sequence. */
static void test_triton_pad(void)
{
	load_arrival a[] = {
	    {0, 0, 1, 0},       {0, 1, 1, 16},      {1 * MS, 0, 2, 0},
	    {1 * MS, 1, 2, 64}, {2 * MS, 1, 1, 32}, {2 * MS, 0, 1, 0},
	};
	int64_t qos[2] = {1 * MS, 1 * MS}; /* hopeless, but triton has no deadlines */
	int mb[2] = {32, 32};
	bworld w;
	CHECK(bworld_run(&w, "triton", &plain, 2, qos, mb, a, 6) == 0);
	/* group 1 at 0: q0 and q1, alone each (the two that had come) */
	CHECK_INT(w.dev.seg[0].queries, 1);
	CHECK_INT(w.dev.seg[1].queries, 1);
	/* group 2: resnet18 q2+q5 (batch 3), bert q3+q4 (batch 3 at seq 64) */
	CHECK_INT(w.dev.n, 4);
	CHECK_INT(w.dev.seg[2].service, 0);
	CHECK_INT(w.dev.seg[2].batch, 3);
	CHECK_INT(w.dev.seg[2].queries, 2);
	CHECK_INT(w.dev.seg[3].service, 1);
	CHECK_INT(w.dev.seg[3].batch, 3);
	CHECK_INT(w.dev.seg[3].seq, 64);
	CHECK_INT(w.dev.seg[3].queries, 2);
	CHECK_INT(w.dev.launch[2], w.dev.launch[3]);
	for (size_t i = 0; i < w.nq; i++)
		CHECK_INT(w.q[i].state, SCHED_DONE); /* no drops */
	CHECK_INT(w.q[3].end, w.q[4].end);
	bworld_free(&w);
}

/* abacus with batching: the urgent service's run within its headroom;
 * a cut merged batch advances every query in it, and they go on together
 * from the op they reached. */
static void test_abacus_batching(void)
{
	/* bert q0 (batch 1, 12 ops x 1.25 = 15 ms) comes at 0 and runs alone;
	 * resnet18 q1..q3 (batch 4 each) come at 1, 2, 3 ms. At 15 ms
	 * resnet18 is alone and urgent: a run of k of its queries takes
	 * 10 x (1 + k) ms, so k = 3 ends at 55 ms, k = 2 at 45, k = 1 at 35,
	 * and only k = 1 ends by q1's deadline, 41 ms. */
	load_arrival a[] = {
	    {0, 1, 1, 16}, {1 * MS, 0, 4, 0}, {2 * MS, 0, 4, 0}, {3 * MS, 0, 4, 0},
	};
	int64_t qos[2] = {40 * MS, 40 * MS};
	int mb[2] = {16, 16};
	sched_options o = plain;
	o.batching = 1;
	bworld w;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 4) == 0);
	CHECK_INT(w.dev.seg[0].service, 1);
	CHECK_INT(w.dev.seg[1].queries, 1);
	CHECK_INT(w.q[1].end, 35 * MS);
	bworld_free(&w);

	/* a looser QoS: at 15 ms q1..q3 merge whole (10 x 4 = 40 ms, ends at
	 * 55 <= 1 + 60) */
	qos[0] = qos[1] = 60 * MS;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 4) == 0);
	CHECK_INT(w.dev.seg[1].queries, 3);
	CHECK_INT(w.dev.seg[1].batch, 12);
	CHECK_INT(w.q[1].end, 15 * MS + 10 * op_ns(12));
	CHECK_INT(w.q[3].end, w.q[1].end);
	bworld_free(&w);

	/* overlap: resnet18 q0 (batch 4) at 0 runs alone, 20 ms; resnet18 q1
	 * (batch 4) and bert q2, q3 (batch 2, seq 32 each) come at 1 ms */
	load_arrival b[] = {
	    {0, 0, 4, 0}, {1 * MS, 0, 4, 0}, {1 * MS, 1, 2, 32}, {1 * MS, 1, 2, 32},
	};
	qos[0] = 1000 * MS;
	qos[1] = 45 * MS;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, b, 4) == 0);
	/* at 20 ms (q0 done): bert's head is urgent (deadline 46 ms); its run
	 * of q2+q3 (batch 4, 12 x 2 = 24 ms) ends at 44, by it: merged; the
	 * budget is 26 ms, and resnet18's q1 (20 ms whole) fits beside it */
	CHECK_INT(w.dev.seg[1].service, 1);
	CHECK_INT(w.dev.seg[1].queries, 2);
	CHECK_INT(w.dev.seg[1].batch, 4);
	CHECK_INT(w.dev.seg[1].seq, 32);
	CHECK_INT(w.dev.seg[2].service, 0);
	CHECK_INT(w.dev.launch[2], w.dev.launch[1]);
	CHECK_INT(w.q[2].end, 44 * MS);
	CHECK_INT(w.q[3].end, 44 * MS);
	bworld_free(&w);
}

/* A merged batch cut at an op: abacus with batching cuts the second
 * service's run to the group's budget when adding it whole would end
 * fewer queries in time; its queries all advance to the cut and finish
 * together later, from the op they reached. */
static void test_cut_together(void)
{
	/* resnet18 q0 (batch 1) runs alone [0, 12.5 ms). bert q1, q2 (batch 4
	 * each) come at 1 ms, resnet18 q3..q5 (batch 1) at 2 ms, deadline 32
	 * ms. At 12.5 ms resnet18 is urgent: its run of three (batch 3, 17.5
	 * ms) ends at 30, all in time. bert whole, q1 alone (24 ms) or both
	 * (batch 8, 3 ms an op, 36 ms), would end the group past 32 ms: one or
	 * two in time instead of three, so the run of both is cut within the
	 * budget, 32 - 12.5 = 19.5 ms: op 6 (18 ms; the search, ways 2,
	 * threshold 0, tries 4, 8, 6, 7) */
	load_arrival a[] = {
	    {0, 0, 1, 0},      {1 * MS, 1, 4, 16}, {1 * MS, 1, 4, 16},
	    {2 * MS, 0, 1, 0}, {2 * MS, 0, 1, 0},  {2 * MS, 0, 1, 0},
	};
	int64_t qos[2] = {30 * MS, 1000 * MS};
	int mb[2] = {16, 16};
	sched_options o = plain;
	o.batching = 1;
	bworld w;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 6) == 0);
	CHECK_INT(w.dev.n, 4);
	CHECK_INT(w.dev.seg[1].service, 0);
	CHECK_INT(w.dev.seg[1].queries, 3);
	CHECK_INT(w.dev.seg[2].service, 1);
	CHECK_INT(w.dev.seg[2].queries, 2);
	CHECK_INT(w.dev.seg[2].batch, 8);
	CHECK_INT(w.dev.seg[2].start, 0);
	CHECK_INT(w.dev.seg[2].end, 6);
	CHECK_INT(w.dev.launch[2], 12500000);
	for (int i = 3; i <= 5; i++)
		CHECK_INT(w.q[i].end, 30 * MS);
	/* the rest of q1, q2 as one merged segment from op 6 */
	CHECK_INT(w.dev.seg[3].queries, 2);
	CHECK_INT(w.dev.seg[3].start, 6);
	CHECK_INT(w.dev.seg[3].end, 12);
	CHECK_INT(w.dev.launch[3], 30500000);
	CHECK_INT(w.q[1].start, 12500000);
	CHECK_INT(w.q[2].start, 12500000);
	CHECK_INT(w.q[1].end, 48500000);
	CHECK_INT(w.q[2].end, w.q[1].end);
	bworld_free(&w);
}

static void test_late_paired(void)
{
	/* resnet18 q0 runs [0, 12.5 ms); q3 (deadline 22 ms) comes at 2 ms and
	 * is late at 12.5 ms (12.5 ms of work); bert q1, q2 (batch 2) ride
	 * along whole, 24 ms */
	load_arrival a[] = {
	    {0, 0, 1, 0}, {1 * MS, 1, 2, 16}, {1 * MS, 1, 2, 16}, {2 * MS, 0, 1, 0},
	};
	int64_t qos[2] = {20 * MS, 1000 * MS};
	int mb[2] = {16, 16};
	sched_options o = plain;
	o.batching = 1;
	bworld w;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 4) == 0);
	CHECK_INT(w.dev.n, 3);
	CHECK_INT(w.dev.launch[1], w.dev.launch[2]);
	CHECK_INT(w.dev.seg[2].queries, 2);
	CHECK_INT(w.dev.seg[2].end, 12);
	CHECK_INT(w.q[3].end, 25 * MS);
	CHECK_INT(w.q[1].end, 36500000);
	bworld_free(&w);
}

/* abandon = "paired": a head that could finish in time alone but not
 * sharing the GPU is dropped while a query waits behind it, and kept when
 * none does. abandon = "shed" drops the same head for another reason: of
 * two kept queries equally long, it sheds the earlier due, so the one
 * kept ends as soon, with more time to spare. */
static void test_paired_drop(void)
{
	/* resnet18 (10 ops x 1.25 ms alone): q0 runs [0, 12.5 ms); at 12.5 ms
	 * q1 (deadline 31 ms) could end at 25 alone, not at 37.5 sharing, and
	 * q2 waits behind it: dropped. q2 (deadline 32) is then alone in its
	 * queue: it runs, and ends at 25 ms, in time. The shed rule: one
	 * after the other q2 would end at 37.5, late, so one of the two goes;
	 * q1, the earlier due, is the head: dropped, and q2 ends 7 ms before
	 * its deadline where q1 kept would end 6 ms before its own. */
	load_arrival a[] = {{0, 0, 1, 0}, {1 * MS, 0, 1, 0}, {2 * MS, 0, 1, 0}};
	int64_t qos[1] = {30 * MS};
	int mb[1] = {0};
	static const int rules[] = {SCHED_ABANDON_PAIRED, SCHED_ABANDON_SHED};
	sched_options o = plain;
	bworld w;
	for (int r = 0; r < 2; r++) {
		o.abandon = rules[r];
		CHECK(bworld_run(&w, "fcfs", &o, 1, qos, mb, a, 3) == 0);
		CHECK_INT(w.q[1].state, SCHED_DROPPED);
		CHECK_INT(w.q[2].state, SCHED_DONE);
		CHECK_INT(w.q[2].end, 25 * MS);
		bworld_free(&w);
	}
	/* the predictive rule keeps q1 (ends at 25 ms), and q2 could then end
	 * no sooner than 37.5 ms: dropped */
	o.abandon = SCHED_ABANDON_PREDICTIVE;
	CHECK(bworld_run(&w, "fcfs", &o, 1, qos, mb, a, 3) == 0);
	CHECK_INT(w.q[1].state, SCHED_DONE);
	CHECK_INT(w.q[1].end, 25 * MS);
	CHECK_INT(w.q[2].state, SCHED_DROPPED);
	bworld_free(&w);
}

/* keep_on_time (abacus with batching): a partner's run joins whole only
 * where it makes no query of the group that is on time without it late
 * (the device contended, so a partner slows the urgent batch), and the
 * urgent run ends late none of its queries a shorter run ends in time. */
static void test_keep_on_time(void)
{
	/* resnet18 q0 (batch 1) runs alone [0, 12.5 ms). resnet18 q1, q2
	 * (batch 1, deadline 29 ms) and bert q3..q5 (batch 1, QoS 1 s) come
	 * at 1 ms. At 12.5 ms resnet18 is urgent: its run of two (batch 2, 15
	 * ms) ends at 27.5, both in time. bert's run of three (batch 3, 21
	 * ms) beside it ends the group at 48.5: the two resnet18 queries late,
	 * three bert queries in time, 3 > 2, so the count takes it; its run of
	 * one (15 ms) ends the group at 42.5 with one in time, its run of two
	 * (18 ms) at 45.5 with two. */
	load_arrival a[] = {
	    {0, 0, 1, 0},       {1 * MS, 0, 1, 0},  {1 * MS, 0, 1, 0},
	    {1 * MS, 1, 1, 16}, {1 * MS, 1, 1, 16}, {1 * MS, 1, 1, 16},
	};
	int64_t qos[2] = {28 * MS, 1000 * MS};
	int mb[2] = {16, 16};
	sched_options o = plain;
	o.batching = 1;
	bworld w;
	CHECK(bworld_run_on(&w, 1, "abacus", &o, 2, qos, mb, a, 6) == 0);
	CHECK_INT(w.dev.n, 3);
	CHECK_INT(w.dev.seg[2].service, 1);
	CHECK_INT(w.dev.seg[2].queries, 3);
	CHECK_INT(w.dev.launch[2], w.dev.launch[1]);
	CHECK_INT(w.q[1].end, 48500000);
	CHECK(w.q[1].end > w.q[1].deadline);
	CHECK(w.q[2].end > w.q[2].deadline);
	bworld_free(&w);

	/* keep_on_time: every run of bert makes both resnet18 queries late,
	 * and no op of it fits in the 16.5 ms their deadline leaves beside
	 * the 15 ms run (1.75 ms an op at batch 3, summed): resnet18 runs
	 * alone and ends at 27.5 ms; bert's three then run merged, [27.5,
	 * 48.5 ms). All six end in time. */
	o.keep_on_time = 1;
	CHECK(bworld_run_on(&w, 1, "abacus", &o, 2, qos, mb, a, 6) == 0);
	CHECK_INT(w.dev.n, 3);
	CHECK_INT(w.dev.seg[1].service, 0);
	CHECK_INT(w.dev.seg[1].queries, 2);
	CHECK_INT(w.dev.seg[2].service, 1);
	CHECK_INT(w.dev.seg[2].queries, 3);
	CHECK_INT(w.dev.launch[2], 27500000);
	CHECK_INT(w.q[1].end, 27500000);
	CHECK_INT(w.q[2].end, 27500000);
	CHECK_INT(w.q[3].end, 48500000);
	for (int i = 0; i < 6; i++) {
		CHECK_INT(w.q[i].state, SCHED_DONE);
		CHECK(w.q[i].end <= w.q[i].deadline);
	}
	bworld_free(&w);

	/* with a looser resnet18 deadline (QoS 42 ms: 43 ms) bert's run of
	 * one (the group ends at 42.5) joins whole, and the run of two (45.5)
	 * does not: the longest run that keeps them in time */
	qos[0] = 42 * MS;
	CHECK(bworld_run_on(&w, 1, "abacus", &o, 2, qos, mb, a, 6) == 0);
	CHECK_INT(w.dev.seg[2].service, 1);
	CHECK_INT(w.dev.seg[2].queries, 1);
	CHECK_INT(w.dev.launch[2], w.dev.launch[1]);
	CHECK_INT(w.q[1].end, 42500000);
	CHECK(w.q[1].end <= w.q[1].deadline);
	bworld_free(&w);

	/* the urgent run: resnet18 alone, q0 runs [0, 12.5 ms); q1 (deadline
	 * 29 ms) comes at 1 ms, q2 (38) at 10, q3 (40) at 12. A run of one
	 * ends at 25, of two at 27.5, of three at 30: the count takes three
	 * (q2, q3 in time, q1 late, as in the run of two, q1 and q2), the
	 * longest of the most; keep_on_time the run of two, as q1 ends in time
	 * in it, and q3 then runs alone, [27.5, 40 ms), in time too. */
	load_arrival u[] = {{0, 0, 1, 0}, {1 * MS, 0, 1, 0}, {10 * MS, 0, 1, 0}, {12 * MS, 0, 1, 0}};
	qos[0] = 28 * MS;
	o.keep_on_time = 0;
	CHECK(bworld_run(&w, "abacus", &o, 1, qos, mb, u, 4) == 0);
	CHECK_INT(w.dev.n, 2);
	CHECK_INT(w.dev.seg[1].queries, 3);
	CHECK_INT(w.q[1].end, 30 * MS);
	CHECK(w.q[1].end > w.q[1].deadline);
	bworld_free(&w);
	o.keep_on_time = 1;
	CHECK(bworld_run(&w, "abacus", &o, 1, qos, mb, u, 4) == 0);
	CHECK_INT(w.dev.n, 3);
	CHECK_INT(w.dev.seg[1].queries, 2);
	CHECK_INT(w.q[1].end, 27500000);
	CHECK_INT(w.q[3].end, 40 * MS);
	for (int i = 0; i < 4; i++)
		CHECK(w.q[i].state == SCHED_DONE && w.q[i].end <= w.q[i].deadline);
	bworld_free(&w);
}

/* pair_late (without batching): an urgent query already late no longer
 * bounds the group to its own time; the next query joins whole when it
 * ends by its own deadline. */
static void test_pair_late(void)
{
	/* resnet18 q0 runs [0, 12.5 ms); bert q1 (batch 1, 12 x 1.25 = 15 ms)
	 * comes at 1 ms, resnet18 q2 (deadline 22 ms) at 2 ms, late at 12.5
	 * ms. Without pair_late the group may take q2's own 12.5 ms: bert is
	 * cut at op 10; with it, bert runs whole. */
	load_arrival a[] = {{0, 0, 1, 0}, {1 * MS, 1, 1, 16}, {2 * MS, 0, 1, 0}};
	int64_t qos[2] = {20 * MS, 1000 * MS};
	int mb[2] = {0, 0};
	sched_options o = plain;
	bworld w;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 3) == 0);
	CHECK_INT(w.dev.seg[2].service, 1);
	CHECK_INT(w.dev.seg[2].end, 10);
	bworld_free(&w);
	o.pair_late = 1;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 3) == 0);
	CHECK_INT(w.dev.seg[2].service, 1);
	CHECK_INT(w.dev.seg[2].end, 12);
	CHECK_INT(w.dev.launch[2], w.dev.launch[1]);
	CHECK_INT(w.q[1].end, 27500000);
	bworld_free(&w);
}

/* by_deadline: the urgent head is the earliest due, not the one with the
 * least headroom. */
static void test_by_deadline(void)
{
	/* resnet18 q0 runs [0, 12.5 ms). At 12.5 ms resnet18 q1 (12.5 ms,
	 * due 41) and bert q2 (batch 1, 12 x 1.25 = 15 ms, due 42) wait:
	 * headroom 16 and 14.5 ms, so bert leads the group; by deadline
	 * resnet18 does. Overlap is free: both run whole either way. */
	load_arrival a[] = {{0, 0, 1, 0}, {1 * MS, 0, 1, 0}, {2 * MS, 1, 1, 16}};
	int64_t qos[2] = {40 * MS, 40 * MS};
	int mb[2] = {0, 0};
	sched_options o = plain;
	bworld w;
	for (int by = 0; by < 2; by++) {
		o.by_deadline = by;
		CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 3) == 0);
		CHECK_INT(w.dev.n, 3);
		CHECK_INT(w.dev.seg[1].service, by ? 0 : 1);
		CHECK_INT(w.dev.seg[2].service, by ? 1 : 0);
		CHECK_INT(w.dev.launch[2], w.dev.launch[1]);
		for (int i = 0; i < 3; i++)
			CHECK(w.q[i].state == SCHED_DONE && w.q[i].end <= w.q[i].deadline);
		bworld_free(&w);
	}
}

/* abandon = "shed": Moore and Hodgson's rule over the waiting queries
 * sheds the longest where the queries would otherwise end late, so more
 * end in time than the predictive rule, which keeps whoever comes first. */
static void test_shed(void)
{
	/* resnet18, 10 ops: batch 1 takes 12.5 ms, batch 8 30 ms; QoS 60 ms.
	 * q0 runs [0, 12.5). At 12.5 ms q1 (batch 8, deadline 61), q2, q3, q4
	 * (batch 1, deadlines 62, 63, 64) wait: all four would end at 80 ms,
	 * q3 at 67.5 past its 63; shedding q1, the longest, ends the other
	 * three by 50 ms. q1 is the head: dropped. */
	load_arrival a[] = {{0, 0, 1, 0}, {1 * MS, 0, 8, 0}, {2 * MS, 0, 1, 0},
	                    {3 * MS, 0, 1, 0}, {4 * MS, 0, 1, 0}};
	int64_t qos[1] = {60 * MS};
	int mb[1] = {0};
	sched_options o = plain;
	o.abandon = SCHED_ABANDON_SHED;
	bworld w;
	CHECK(bworld_run(&w, "fcfs", &o, 1, qos, mb, a, 5) == 0);
	CHECK_INT(w.q[1].state, SCHED_DROPPED);
	for (int i = 2; i < 5; i++)
		CHECK_INT(w.q[i].state, SCHED_DONE);
	CHECK_INT(w.q[4].end, 50 * MS);
	CHECK_INT(w.dev.n, 4);
	bworld_free(&w);
	/* the predictive rule runs q1 [12.5, 42.5) and q2 to 55 ms; q3 and q4
	 * could then end no sooner than 67.5 ms: two dropped, not one */
	o.abandon = SCHED_ABANDON_PREDICTIVE;
	CHECK(bworld_run(&w, "fcfs", &o, 1, qos, mb, a, 5) == 0);
	CHECK_INT(w.q[1].state, SCHED_DONE);
	CHECK_INT(w.q[1].end, 42500000);
	CHECK_INT(w.q[2].end, 55 * MS);
	CHECK_INT(w.q[3].state, SCHED_DROPPED);
	CHECK_INT(w.q[4].state, SCHED_DROPPED);
	bworld_free(&w);
	/* the long query behind the head: at 12.5 ms q2 (batch 8) is shed but
	 * q1 before it is not, so q1 runs; q2 is judged again when it comes
	 * up at 25 ms, shed again and dropped; q3 and q4 end in time */
	load_arrival b[] = {{0, 0, 1, 0}, {1 * MS, 0, 1, 0}, {2 * MS, 0, 8, 0},
	                    {3 * MS, 0, 1, 0}, {4 * MS, 0, 1, 0}};
	o.abandon = SCHED_ABANDON_SHED;
	CHECK(bworld_run(&w, "fcfs", &o, 1, qos, mb, b, 5) == 0);
	CHECK_INT(w.q[1].end, 25 * MS);
	CHECK_INT(w.q[2].state, SCHED_DROPPED);
	CHECK_INT(w.q[3].end, 37500000);
	CHECK_INT(w.q[4].end, 50 * MS);
	bworld_free(&w);
	/* with room for all (QoS 100 ms) nothing is shed */
	qos[0] = 100 * MS;
	CHECK(bworld_run(&w, "fcfs", &o, 1, qos, mb, a, 5) == 0);
	for (int i = 0; i < 5; i++)
		CHECK_INT(w.q[i].state, SCHED_DONE);
	bworld_free(&w);
}

/* SCHED_ABANDON_DEFER: nothing is dropped, and a head that cannot end in
 * time waits until nothing that can waits. */
static void test_defer(void)
{
	/* resnet18, 12.5 ms at batch 1, 30 ms at batch 8; QoS 40 ms. q0 runs
	 * [0, 30). At 30 ms q1 (batch 8, deadline 41) could end no sooner
	 * than 60: held back; q2 (batch 1, deadline 45) runs and ends in time
	 * at 42.5. Then q3 (deadline 46) cannot either, and nothing else
	 * waits: the late ones run oldest first, q1 then q3. */
	load_arrival a[] = {{0, 0, 8, 0}, {1 * MS, 0, 8, 0}, {5 * MS, 0, 1, 0}, {6 * MS, 0, 1, 0}};
	int64_t qos[1] = {40 * MS};
	int mb[1] = {0};
	sched_options o = plain;
	o.abandon = SCHED_ABANDON_DEFER;
	bworld w;
	for (int p = 0; p < 2; p++) { /* any policy: fcfs and edf alike */
		CHECK(bworld_run(&w, p ? "edf" : "fcfs", &o, 1, qos, mb, a, 4) == 0);
		for (int i = 0; i < 4; i++)
			CHECK_INT(w.q[i].state, SCHED_DONE);
		CHECK_INT(w.q[2].end, 42500000);
		CHECK_INT(w.q[1].end, 72500000);
		CHECK_INT(w.q[3].end, 85 * MS);
		bworld_free(&w);
	}
	/* without it, in arrival order: q1 [30, 60), q2 and q3 late too */
	o.abandon = SCHED_ABANDON_OFF;
	CHECK(bworld_run(&w, "fcfs", &o, 1, qos, mb, a, 4) == 0);
	CHECK_INT(w.q[1].end, 60 * MS);
	CHECK_INT(w.q[2].end, 72500000);
	bworld_free(&w);
	/* two services (resnet18; bert, 15 ms at batch 1), QoS 40 ms: at 30
	 * ms q1 is held back while any query that can end in time waits in
	 * either queue: q2 (bert, deadline 50) [30, 45), q3 (resnet18, batch
	 * 1, deadline 60) [45, 57.5), then q1 */
	load_arrival b[] = {
	    {0, 0, 8, 0}, {1 * MS, 0, 8, 0}, {10 * MS, 1, 1, 16}, {20 * MS, 0, 1, 0}};
	int64_t qos2[2] = {40 * MS, 40 * MS};
	int mb2[2] = {0, 0};
	o.abandon = SCHED_ABANDON_DEFER;
	CHECK(bworld_run(&w, "fcfs", &o, 2, qos2, mb2, b, 4) == 0);
	CHECK_INT(w.q[2].end, 45 * MS);
	CHECK_INT(w.q[3].end, 57500000);
	CHECK_INT(w.q[1].end, 87500000);
	CHECK_INT(w.q[1].state, SCHED_DONE);
	bworld_free(&w);
}

/* The rule judges the queries of every service together, in deadline
 * order, whatever the policy: with abacus, two services. */
static void test_shed_services(void)
{
	/* resnet18 (QoS 60 ms) and bert (12 ops, 15 ms at batch 1; QoS 40
	 * ms). q0 (resnet18) runs alone [0, 12.5). At 12.5 ms wait q1
	 * (resnet18, batch 8, 30 ms, deadline 61), q2 and q3 (bert, batch 1,
	 * deadlines 42 and 43). In deadline order q2 and q3 end at 27.5 and
	 * 42.5, q1 at 72.5, past 61: q1, the longest, is shed; it is its
	 * queue's head: dropped. The bert queries then run and end in time. */
	load_arrival a[] = {{0, 0, 1, 0}, {1 * MS, 0, 8, 0}, {2 * MS, 1, 1, 16}, {3 * MS, 1, 1, 16}};
	int64_t qos[2] = {60 * MS, 40 * MS};
	int mb[2] = {0, 0};
	sched_options o = plain;
	o.abandon = SCHED_ABANDON_SHED;
	bworld w;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 4) == 0);
	CHECK_INT(w.q[1].state, SCHED_DROPPED);
	CHECK_INT(w.q[2].state, SCHED_DONE);
	CHECK_INT(w.q[3].state, SCHED_DONE);
	CHECK(w.q[3].end <= w.q[3].deadline);
	bworld_free(&w);
	/* the predictive rule keeps q1 (alone it could end by 42.5 ms): it
	 * runs beside q2 to 42.5 ms, and q3 can then no longer end by 43 */
	o.abandon = SCHED_ABANDON_PREDICTIVE;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 4) == 0);
	CHECK_INT(w.q[1].end, 42500000);
	CHECK_INT(w.q[2].end, 27500000);
	CHECK_INT(w.q[3].state, SCHED_DROPPED);
	bworld_free(&w);
}

/* keep_plan: a partner joins the group only where the time the group
 * takes past the urgent query's solo time leaves every query the shed
 * plan keeps, due before the partner, in time. The fake group predictor
 * overlaps for free (a group takes its longest segment). */
static void test_keep_plan(void)
{
	/* resnet18 (QoS 26 ms): u and u2 at 0 (12.5 ms each, deadline 26);
	 * bert (QoS 60 ms): p at 0 (15 ms, deadline 60). The plan: u ends at
	 * 12.5, u2 at 25 (1 ms to spare), p at 40. u is the most urgent.
	 * Without keep_plan p joins whole (the group takes 15 ms, within u's
	 * deadline), and u2 could then end no sooner than 27.5 ms: shed as
	 * hopeless. */
	load_arrival a[] = {{0, 0, 1, 0}, {0, 1, 1, 16}, {0, 0, 1, 0}};
	int64_t qos[2] = {26 * MS, 60 * MS};
	int mb[2] = {0, 0};
	sched_options o = plain;
	o.abandon = SCHED_ABANDON_SHED;
	bworld w;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 3) == 0);
	CHECK_INT(w.dev.n, 2);
	CHECK_INT(w.dev.seg[1].service, 1);
	CHECK_INT(w.dev.seg[1].end, 12);
	CHECK_INT(w.q[0].end, 12500000);
	CHECK_INT(w.q[1].end, 15 * MS);
	CHECK_INT(w.q[2].state, SCHED_DROPPED);
	bworld_free(&w);
	/* with keep_plan the group may take 12.5 + 1 ms: p is cut after 10 of
	 * its 12 ops (12.5 ms; 11 would take 13.75). Then u2 runs with p's
	 * last two ops and ends at 25, in time, and so do u and p */
	o.keep_plan = 1;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 3) == 0);
	CHECK_INT(w.dev.n, 4);
	CHECK_INT(w.dev.seg[0].service, 0);
	CHECK_INT(w.dev.seg[1].service, 1);
	CHECK_INT(w.dev.seg[1].end, 10);
	CHECK_INT(w.dev.launch[2], 12500000);
	for (int i = 0; i < 3; i++)
		CHECK_INT(w.q[i].state, SCHED_DONE);
	CHECK_INT(w.q[0].end, 12500000);
	CHECK_INT(w.q[1].end, 15 * MS);
	CHECK_INT(w.q[2].end, 25 * MS);
	bworld_free(&w);
	/* with room in the plan (QoS 40 ms: u2 has 15 ms to spare) keep_plan
	 * changes nothing: p joins whole */
	qos[0] = 40 * MS;
	CHECK(bworld_run(&w, "abacus", &o, 2, qos, mb, a, 3) == 0);
	CHECK_INT(w.dev.n, 3);
	CHECK_INT(w.dev.seg[1].end, 12);
	CHECK_INT(w.q[1].end, 15 * MS);
	for (int i = 0; i < 3; i++)
		CHECK_INT(w.q[i].state, SCHED_DONE);
	bworld_free(&w);
}

/* Without a max_batch (0) nothing merges, whatever the policy. */
static void test_no_merge(void)
{
	load_arrival a[] = {{0, 0, 1, 0}, {1 * MS, 0, 1, 0}, {2 * MS, 0, 1, 0}};
	int64_t qos[1] = {1000 * MS};
	int mb[1] = {0};
	bworld w;
	CHECK(bworld_run(&w, "triton", &plain, 1, qos, mb, a, 3) == 0);
	CHECK_INT(w.dev.n, 3);
	for (int k = 0; k < w.dev.n; k++)
		CHECK_INT(w.dev.seg[k].queries, 1);
	bworld_free(&w);
}

int main(void)
{
	test_merge_order("clockwork");
	test_merge_order("triton");
	test_clockwork_deadlines();
	test_triton_pad();
	test_abacus_batching();
	test_cut_together();
	test_late_paired();
	test_no_merge();
	test_paired_drop();
	test_pair_late();
	test_shed();
	test_defer();
	test_shed_services();
	test_keep_plan();
	test_keep_on_time();
	test_by_deadline();
	return check_report("test_batch");
}
