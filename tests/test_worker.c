/* test_worker.c: the loop over workers (worker.h) and the routers
 * (router.h), driven by test double devices on one clock and a scripted
 * load, so that every start and end across workers can be asserted
 * exactly; and the partition sizes and profile model (part.h, prof.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_fakes.h"
#include "load.h"
#include "part.h"
#include "prof.h"
#include "router.h"
#include "sched.h"
#include "worker.h"


/* ---- devices on one shared clock; each op takes ns_per_op ---- */
typedef struct fclock {
	int64_t now;
} fclock;

typedef struct fdev {
	fclock *clock;
	int64_t ns_per_op;
	int known;   /* group_end known ahead (a virtual clock) or not (a GPU) */
	int fail_at; /* the launch that fails (1-based); 0: none */
	int launches, inflight, n;
	int64_t end, seg[8];
	char err[64];
} fdev;

static int64_t f_now(void *ctx)
{
	return ((fdev *)ctx)->clock->now;
}

static int f_wait_until(void *ctx, int64_t t)
{
	fdev *d = ctx;
	if (t > d->clock->now)
		d->clock->now = t;
	return 0;
}

static int f_run(void *ctx, const dev_group *g, int64_t *seg_end)
{
	(void)ctx, (void)g, (void)seg_end;
	return -1; /* the loop launches: a blocking run here is a bug */
}

static int f_launch(void *ctx, const dev_group *g)
{
	fdev *d = ctx;
	if (++d->launches == d->fail_at) {
		snprintf(d->err, sizeof d->err, "fake: launch %d failed", d->launches);
		return -1;
	}
	CHECK(!d->inflight);
	d->inflight = 1;
	d->n = g->n;
	d->end = d->clock->now;
	for (int i = 0; i < g->n; i++) {
		d->seg[i] = d->clock->now + (g->seg[i].end - g->seg[i].start) * d->ns_per_op;
		if (d->seg[i] > d->end)
			d->end = d->seg[i];
	}
	return 0;
}

static int f_wait_group(void *ctx, int64_t t, int64_t *seg_end)
{
	fdev *d = ctx;
	CHECK(d->inflight);
	if (d->end > t) {
		if (t > d->clock->now)
			d->clock->now = t;
		return 0;
	}
	if (d->end > d->clock->now)
		d->clock->now = d->end;
	memcpy(seg_end, d->seg, (size_t)d->n * sizeof *seg_end);
	d->inflight = 0;
	return 1;
}

static int64_t f_group_end(void *ctx)
{
	fdev *d = ctx;
	return d->known && d->inflight ? d->end : -1;
}

static const char *f_errmsg(void *ctx)
{
	return ((fdev *)ctx)->err;
}

static const dev_iface f_iface = {
    .name = "fake",
    .now = f_now,
    .wait_until = f_wait_until,
    .run_group = f_run,
    .errmsg = f_errmsg,
    .launch = f_launch,
    .wait_group = f_wait_group,
    .group_end = f_group_end,
};

/* Two workers on one clock, serving the run's services as `place` says
 * (place[k][i]: the run's services of worker k, -1 ends the list). */
typedef struct world {
	zoo_model *m[2];
	sched_service svc[2][2];
	int map[2][2];
	fclock clock;
	fdev dev[2];
	device d[2];
	int64_t per[2];
	predictor pred[2];
	sched *s[2];
	worker w[2];
	worker_result res;
	char err[512];
} world;

/* Services: 0 resnet50 (18 ops), 1 resnet18 (10 ops), with QoS targets
 * qos[i] ns (NULL: 1000 ms each). */
static int world_run_qos(world *x, const char *router, const int place[2][3],
                         const int64_t per[2], const int64_t *qos, int known, int fail_at_1,
                         const load_arrival *a, int n)
{
	static const char *names[2] = {"resnet50", "resnet18"};
	memset(x, 0, sizeof *x);
	for (int i = 0; i < 2; i++)
		x->m[i] = zoo_model_new(names[i], x->err, sizeof x->err);
	/* one decision in two timed, as run.c times several workers' */
	sched_options o = {.ways = 2, .expect_queries = 4, .time_every = 2};
	for (int k = 0; k < 2; k++) {
		int ns = 0;
		for (int i = 0; place[k][i] >= 0; i++) {
			x->map[k][ns] = place[k][i];
			x->svc[k][ns] = (sched_service){x->m[place[k][i]], qos ? qos[place[k][i]] : 1000 * MS, 0};
			ns++;
		}
		x->per[k] = per[k];
		x->dev[k] = (fdev){.clock = &x->clock, .ns_per_op = per[k], .known = known};
		x->d[k] = (device){&f_iface, &x->dev[k]};
		x->pred[k] = (predictor){&fake_pred_iface, &x->per[k], ""};
		x->s[k] = sched_new(x->svc[k], ns, sched_policy_find("fcfs"), &x->pred[k], &o, x->err,
		                    sizeof x->err);
		x->w[k] = (worker){x->s[k], &x->d[k], x->map[k], k == 0 ? "partition 1" : "partition 2", NULL};
	}
	x->dev[1].fail_at = fail_at_1;
	script sc = {{&script_iface, "", 0, 0}, a, n, 0};
	worker_params p = {.router = router_find(router), .load = &sc.base, .n_services = 2, .seed = 7};
	return worker_run(x->w, 2, &p, &x->res, x->err, sizeof x->err);
}

static int world_run(world *x, const char *router, const int place[2][3], const int64_t per[2],
                     int known, int fail_at_1, const load_arrival *a, int n)
{
	return world_run_qos(x, router, place, per, NULL, known, fail_at_1, a, n);
}

static void world_free(world *x)
{
	worker_result_free(&x->res);
	for (int k = 0; k < 2; k++)
		sched_free(x->s[k]);
	for (int i = 0; i < 2; i++)
		zoo_model_free(x->m[i]);
}

/* Worker 1 runs resnet50 at 1 ms an op (18 ms a query), worker 2
 * resnet18 at 0.5 ms (5 ms): worker 2's queries follow one another every
 * 5 ms while worker 1's first is still running, and the queries come
 * back in arrival order with the run's service numbers. */
static void test_order_across_workers(int known)
{
	static const int place[2][3] = {{0, -1, -1}, {1, -1, -1}};
	static const int64_t per[2] = {MS, MS / 2};
	const load_arrival a[] = {
	    {0, 0, 1, 0}, {0, 1, 1, 0}, {1 * MS, 1, 1, 0}, {2 * MS, 1, 1, 0}, {3 * MS, 0, 1, 0},
	};
	world x;
	CHECK_INT(world_run(&x, "direct", place, per, known, 0, a, 5), 0);
	CHECK_INT(x.res.n, 5);
	const int64_t start[5] = {0, 0, 5 * MS, 10 * MS, 18 * MS};
	const int64_t end[5] = {18 * MS, 5 * MS, 10 * MS, 15 * MS, 36 * MS};
	/* where ends are learnt only as they come, the loop notices one at
	 * most WORKER_POLL_NS late */
	int64_t tol = known ? 0 : WORKER_POLL_NS;
	for (int i = 0; i < 5 && (size_t)i < x.res.n; i++) {
		const sched_query *q = &x.res.q[i];
		CHECK_INT(q->service, a[i].service);
		CHECK_INT(q->state, SCHED_DONE);
		CHECK(q->start >= start[i] && q->start <= start[i] + tol);
		CHECK(q->end - q->start == (i == 0 || i == 4 ? 18 * MS : 5 * MS));
		if (known)
			CHECK_INT(q->end, end[i]);
	}
	CHECK_INT(x.res.stats.groups, 5);
	/* worker 1 decides twice, worker 2 three times: the first of each
	 * and worker 2's third timed */
	CHECK_INT(x.res.stats.decisions_timed, 3);
	CHECK_INT(x.res.stats.last_end, end[4]);
	world_free(&x);
}

/* A worker whose device fails mid-run stops the run, and the message
 * names the worker. */
static void test_worker_fails(void)
{
	static const int place[2][3] = {{0, -1, -1}, {1, -1, -1}};
	static const int64_t per[2] = {MS, MS};
	const load_arrival a[] = {{0, 0, 1, 0}, {0, 1, 1, 0}, {MS, 1, 1, 0}, {2 * MS, 0, 1, 0}};
	world x;
	CHECK_INT(world_run(&x, "direct", place, per, 1, 2, a, 4), -1);
	CHECK_STR_HAS(x.err, "partition 2: fake: launch 2 failed");
	world_free(&x);
}

/* Both workers serve both services. */
static const int both[2][3] = {{0, 1, -1}, {0, 1, -1}};

static int groups_of(const world *x, int k)
{
	return (int)sched_get_stats(x->s[k])->groups;
}

static void test_routers(void)
{
	static const int64_t same[2] = {MS, MS};
	load_arrival a[64];
	for (int i = 0; i < 64; i++)
		a[i] = (load_arrival){0, i % 2, 1, 0};
	world x;
	/* least_loaded: at time 0 the workers fill in turn */
	CHECK_INT(world_run(&x, "least_loaded", both, same, 1, 0, a, 8), 0);
	CHECK_INT(groups_of(&x, 0), 4);
	CHECK_INT(groups_of(&x, 1), 4);
	CHECK_INT(x.res.q[0].start, 0);
	CHECK_INT(x.res.q[1].start, 0); /* the second went to the idle worker */
	world_free(&x);
	/* random: both get some of 64, the same every time for one seed */
	CHECK_INT(world_run(&x, "random", both, same, 1, 0, a, 64), 0);
	int g0 = groups_of(&x, 0);
	CHECK(g0 > 16 && g0 < 48);
	CHECK_INT(g0 + groups_of(&x, 1), 64);
	world_free(&x);
	CHECK_INT(world_run(&x, "random", both, same, 1, 0, a, 64), 0);
	CHECK_INT(groups_of(&x, 0), g0);
	world_free(&x);
	/* headroom: worker 2 is 4x slower; queries go where they finish
	 * first. resnet50 alone is 18 ms on worker 1 and 72 on worker 2, so
	 * worker 1 takes the first four (finishing at 18, 36, 54, 72: the
	 * fourth ties with worker 2's 72 and the first worker wins ties) and
	 * worker 2 the fifth. */
	static const int64_t slow2[2] = {MS, 4 * MS};
	for (int i = 0; i < 5; i++)
		a[i] = (load_arrival){0, 0, 1, 0};
	CHECK_INT(world_run(&x, "headroom", both, slow2, 1, 0, a, 5), 0);
	CHECK_INT(groups_of(&x, 0), 4);
	CHECK_INT(groups_of(&x, 1), 1);
	CHECK_INT(x.res.q[4].end, 72 * MS);
	world_free(&x);
	/* least_loaded ignores speed: it splits them 3 and 2 */
	CHECK_INT(world_run(&x, "least_loaded", both, slow2, 1, 0, a, 5), 0);
	CHECK_INT(groups_of(&x, 0), 3);
	CHECK_INT(groups_of(&x, 1), 2);
	world_free(&x);
	CHECK(router_find("direct") == router_kinds()[0]);
	CHECK(!router_find("roundrobin"));
	CHECK(!router_find("direct")->chooses && router_find("headroom")->chooses);
}

/* The headroom router's index of workers by backlog (worker.solo_key):
 * each query lands where the scan of every worker sends it, so every
 * start and end is the same with the index and without (NULL keys), on
 * identical workers and on workers of three speeds (classes that
 * compete), under a load near what they serve. */
#define HX_W 10
static void headroom_run(const int64_t per[HX_W], int keyed, const load_arrival *a, int n,
                         worker_result *res, int64_t groups[HX_W])
{
	char err[256] = "";
	zoo_model *m[2] = {zoo_model_new("resnet50", err, sizeof err),
	                   zoo_model_new("resnet18", err, sizeof err)};
	CHECK(m[0] && m[1]);
	if (!m[0] || !m[1])
		return;
	sched_service svc[2] = {{m[0], 1000 * MS, 0}, {m[1], 1000 * MS, 0}};
	sched_options o = {.ways = 2, .expect_queries = 4};
	fclock clock = {0};
	fdev dev[HX_W];
	device d[HX_W];
	int64_t pr[HX_W];
	predictor pred[HX_W];
	worker w[HX_W];
	for (int k = 0; k < HX_W; k++) {
		pr[k] = per[k];
		dev[k] = (fdev){.clock = &clock, .ns_per_op = per[k], .known = 1};
		d[k] = (device){&f_iface, &dev[k]};
		pred[k] = (predictor){&fake_pred_iface, &pr[k], ""};
		sched *sc = sched_new(svc, 2, sched_policy_find("fcfs"), &pred[k], &o, err, sizeof err);
		CHECK(sc);
		/* the key: one per speed, the same for workers of one speed */
		w[k] = (worker){sc, &d[k], NULL, "gpu", keyed ? (const void *)(intptr_t)per[k] : NULL};
	}
	script sc = {{&script_iface, "", 0, 0}, a, n, 0};
	worker_params p = {.router = router_find("headroom"), .load = &sc.base, .seed = 7};
	CHECK_INT(worker_run(w, HX_W, &p, res, err, sizeof err), 0);
	for (int k = 0; k < HX_W; k++) {
		groups[k] = sched_get_stats(w[k].sched)->groups;
		sched_free(w[k].sched);
	}
	zoo_model_free(m[0]);
	zoo_model_free(m[1]);
}

static void test_headroom_index(void)
{
	static const int64_t same[HX_W] = {MS, MS, MS, MS, MS, MS, MS, MS, MS, MS};
	static const int64_t mixed[HX_W] = {2 * MS, MS, 3 * MS, MS, 2 * MS, MS, MS, 3 * MS, MS, 2 * MS};
	enum { N = 4000 };
	static load_arrival a[N];
	uint64_t x = 12345;
	int64_t t = 0;
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		t += (int64_t)((x >> 33) % (3 * MS)); /* 1.5 ms apart: about the identical workers' pace */
		a[i] = (load_arrival){t - (int64_t)(x >> 60) * MS / 8, (int)((x >> 40) & 1), 1, 0};
		if (i && a[i].t < a[i - 1].t)
			a[i].t = a[i - 1].t; /* ties at one time too */
	}
	const int64_t *pers[2] = {same, mixed};
	for (int c = 0; c < 2; c++) {
		worker_result r[2];
		int64_t g[2][HX_W];
		headroom_run(pers[c], 1, a, N, &r[0], g[0]);
		headroom_run(pers[c], 0, a, N, &r[1], g[1]);
		CHECK_INT(r[0].n, N);
		CHECK_INT(r[1].n, N);
		int differ = 0, waited = 0;
		for (size_t i = 0; i < r[0].n && i < r[1].n; i++) {
			differ += r[0].q[i].start != r[1].q[i].start || r[0].q[i].end != r[1].q[i].end ||
			          r[0].q[i].state != r[1].q[i].state;
			waited += r[0].q[i].start > r[0].q[i].arrival;
		}
		CHECK_INT(differ, 0);
		CHECK(waited > N / 10); /* queues formed: the backlogs mattered */
		for (int k = 0; k < HX_W; k++)
			CHECK_INT(g[0][k], g[1][k]);
		worker_result_free(&r[0]);
		worker_result_free(&r[1]);
	}
}

/* The Clockwork-like controller: a central EDF queue, one query at a
 * time to an idle worker, a query dropped when it can no longer make its
 * deadline alone. */
static void test_clockwork(void)
{
	static const int64_t same[2] = {MS, MS};
	world x;
	/* EDF order: two resnet50 (18 ms, QoS 100 ms) arrive before two
	 * resnet18 (10 ms, QoS 30 ms); the resnet18 ones are due first and
	 * go first, one to each worker, the resnet50 ones when they end */
	const int64_t edf_qos[2] = {100 * MS, 30 * MS};
	const load_arrival e[] = {{0, 0, 1, 0}, {0, 0, 1, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}};
	CHECK_INT(world_run_qos(&x, "clockwork", both, same, edf_qos, 1, 0, e, 4), 0);
	CHECK_INT(x.res.n, 4);
	const int64_t e_start[4] = {10 * MS, 10 * MS, 0, 0};
	for (int i = 0; i < 4 && (size_t)i < x.res.n; i++) {
		CHECK_INT(x.res.q[i].service, e[i].service); /* back in arrival order */
		CHECK_INT(x.res.q[i].state, SCHED_DONE);
		CHECK_INT(x.res.q[i].start, e_start[i]);
	}
	CHECK_INT(groups_of(&x, 0), 2);
	CHECK_INT(groups_of(&x, 1), 2);
	CHECK_INT(x.res.stats.segments, x.res.stats.groups); /* one query a group */
	world_free(&x);

	/* the drop rule: resnet50 takes 18 ms, QoS 30 ms. Two start at 0;
	 * at 18 the third (due at 30) would end at 36 and is dropped, never
	 * run; the fourth, arrived at 10 and due at 40, still fits (36) */
	const int64_t tight[2] = {30 * MS, 30 * MS};
	const load_arrival d[] = {{0, 0, 1, 0}, {0, 0, 1, 0}, {0, 0, 1, 0}, {10 * MS, 0, 1, 0}};
	CHECK_INT(world_run_qos(&x, "clockwork", both, same, tight, 1, 0, d, 4), 0);
	CHECK_INT(x.res.n, 4);
	if (x.res.n == 4) {
		CHECK_INT(x.res.q[2].state, SCHED_DROPPED);
		CHECK_INT(x.res.q[2].start, -1);
		CHECK_INT(x.res.q[2].arrival, 0);
		CHECK_INT(x.res.q[3].state, SCHED_DONE);
		CHECK_INT(x.res.q[3].start, 18 * MS);
		CHECK_INT(x.res.q[3].end, 36 * MS);
	}
	CHECK_INT(groups_of(&x, 0) + groups_of(&x, 1), 3);
	world_free(&x);

	/* only to idle workers: worker 2 is 4x slower (72 ms a resnet50).
	 * Five at once: each worker takes one at 0; the rest wait at the
	 * controller, not at a worker, so worker 1 takes them in turn as it
	 * comes free (18, 36, 54) while worker 2 is still busy */
	static const int64_t slow2[2] = {MS, 4 * MS};
	load_arrival f[5];
	for (int i = 0; i < 5; i++)
		f[i] = (load_arrival){0, 0, 1, 0};
	CHECK_INT(world_run_qos(&x, "clockwork", both, slow2, NULL, 1, 0, f, 5), 0);
	CHECK_INT(groups_of(&x, 0), 4);
	CHECK_INT(groups_of(&x, 1), 1);
	const int64_t f_start[5] = {0, 0, 18 * MS, 36 * MS, 54 * MS};
	for (int i = 0; i < 5 && (size_t)i < x.res.n; i++)
		CHECK_INT(x.res.q[i].start, f_start[i]);
	CHECK_INT(x.res.q[1].end, 72 * MS);
	world_free(&x);
	/* random queues them at arrival: worker 2 gets some of the five and
	 * runs them one after another, at 72 ms each */
	CHECK_INT(world_run_qos(&x, "random", both, slow2, NULL, 1, 0, f, 5), 0);
	CHECK(groups_of(&x, 1) >= 2);
	world_free(&x);
	CHECK(router_find("clockwork")->holds && !router_find("random")->holds);
}

static void test_partition_sizes(void)
{
	const gpu_spec *h = gpu_find("h200"), *a = gpu_find("a100");
	char err[256];
	int sms;
	part_size s = {.sms = 64};
	CHECK_INT(part_resolve(h, &s, "sms", &sms, err, sizeof err), 0);
	CHECK_INT(sms, 64);
	s = (part_size){.sms = 132};
	CHECK_INT(part_resolve(h, &s, "sms", &sms, err, sizeof err), 0);
	CHECK_INT(sms, 132);
	s = (part_size){.sms = 66};
	CHECK_INT(part_resolve(h, &s, "partitions[1].sms", &sms, err, sizeof err), -1);
	CHECK_STR_HAS(err, "partitions[1].sms = 66: h200 partitions have at least 8 SMs, in "
	                   "multiples of 8 (64 or 72 here)");
	CHECK_INT(part_resolve(a, &s, "sms", &sms, err, sizeof err), 0); /* A100: steps of 2 */
	s = (part_size){.sms = 140};
	CHECK_INT(part_resolve(h, &s, "sms", &sms, err, sizeof err), -1);
	CHECK_STR_HAS(err, "h200 has 132 SMs");
	s = (part_size){.share = 0.5};
	CHECK_INT(part_resolve(h, &s, "sms", &sms, err, sizeof err), 0);
	CHECK_INT(sms, 64); /* 66 rounded down to the granularity */
	s = (part_size){.share = 0.25};
	CHECK_INT(part_resolve(h, &s, "sms", &sms, err, sizeof err), 0);
	CHECK_INT(sms, 32);
	s = (part_size){.share = 1.0};
	CHECK_INT(part_resolve(h, &s, "sms", &sms, err, sizeof err), 0);
	CHECK_INT(sms, 132);
	const char *pre[] = {"1g", "2g", "3g", "4g", "7g"};
	const int h_sms[] = {16, 32, 56, 64, 132}, a_sms[] = {14, 28, 42, 56, 98};
	for (int i = 0; i < 5; i++) {
		s = (part_size){0};
		snprintf(s.preset, sizeof s.preset, "%s", pre[i]);
		CHECK_INT(part_resolve(h, &s, "sms", &sms, err, sizeof err), 0);
		CHECK_INT(sms, h_sms[i]);
		CHECK_INT(part_resolve(a, &s, "sms", &sms, err, sizeof err), 0);
		CHECK_INT(sms, a_sms[i]);
	}
	snprintf(s.preset, sizeof s.preset, "5g");
	CHECK_INT(part_resolve(h, &s, "sms", &sms, err, sizeof err), -1);
	CHECK_STR_HAS(err, "MIG has no 5g or 6g");
	int two[2] = {64, 72};
	CHECK_INT(part_check_total(h, two, 2, err, sizeof err), -1);
	CHECK_STR_HAS(err, "together 136 SMs, but h200 has 132");
	two[1] = 64;
	CHECK_INT(part_check_total(h, two, 2, err, sizeof err), 0);
}

/* The partition model of prof.h on the roofline profile: a
 * compute-bound op (a big GEMM layer of vgg16 at batch 8) slows by about
 * total/sms, the whole GPU's copy is the same, and no op gets faster. */
static void test_partition_profile(void)
{
	char err[256];
	prof *p = prof_new_file("h200", NULL, err, sizeof err);
	zoo_model *m = zoo_model_new("vgg16", err, sizeof err);
	CHECK(p && m);
	prof *half = prof_new_partition(p, 64, err, sizeof err);
	prof *all = prof_new_partition(p, 132, err, sizeof err);
	CHECK(half && all);
	CHECK_INT(prof_sms(half), 64);
	CHECK_INT(prof_sms(p), 132);
	double most = 0;
	for (int op = 0; op < m->n_ops; op++) {
		int64_t t = prof_op_ns(p, m, op, 8, 0), th = prof_op_ns(half, m, op, 8, 0);
		CHECK(th >= t);
		CHECK(th <= t * 132 / 64 + 1);
		CHECK_INT(prof_op_ns(all, m, op, 8, 0), t);
		if ((double)th / (double)t > most)
			most = (double)th / (double)t;
	}
	CHECK(most > 1.9); /* some op is compute-bound and nearly halves in speed */
	CHECK(!prof_new_partition(p, 133, err, sizeof err));
	CHECK(!prof_new_partition(half, 32, err, sizeof err));
	prof_free(half);
	prof_free(all);
	prof_free(p);
	zoo_model_free(m);
}

int main(void)
{
	test_order_across_workers(1);
	test_order_across_workers(0);
	test_worker_fails();
	test_routers();
	test_clockwork();
	test_headroom_index();
	test_partition_sizes();
	test_partition_profile();
	return check_report("test_worker");
}
