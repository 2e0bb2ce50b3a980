/* test_sched.c: the scheduling core and the baseline policies, driven by a
 * test double device (every op takes exactly 1 ms) and a scripted load, so
 * every start, end and drop can be asserted exactly. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "test_fakes.h"
#include "load.h"
#include "metrics.h"
#include "pred_trained.h"
#include "sched.h"


/* ---- a device whose ops take 1 ms each, run one group at a time ---- */
typedef struct fake_dev {
	int64_t now;
	int groups, max_segments;
} fake_dev;

static int64_t fake_now(void *ctx)
{
	return ((fake_dev *)ctx)->now;
}

static int fake_wait(void *ctx, int64_t t)
{
	fake_dev *d = ctx;
	if (t > d->now)
		d->now = t;
	return 0;
}

static int fake_run(void *ctx, const dev_group *g, int64_t *seg_end)
{
	fake_dev *d = ctx;
	int64_t longest = 0;
	for (int i = 0; i < g->n; i++) {
		int64_t len = (g->seg[i].end - g->seg[i].start) * MS;
		seg_end[i] = d->now + len;
		if (len > longest)
			longest = len;
	}
	d->now += longest;
	d->groups++;
	if (g->n > d->max_segments)
		d->max_segments = g->n;
	return 0;
}

static const dev_iface fake_iface = {
    .name = "fake", .now = fake_now, .wait_until = fake_wait, .run_group = fake_run};

typedef struct world {
	zoo_model *m[3];
	sched_service svc[3];
	int n;
	fake_dev dev;
	device d;
	predictor pred;
	sched *s;
} world;

/* Overlap for the abacus policy's group predictor: the longest segment
 * plus half of the others. */
static int fake_group_predict(void *ctx, const dev_group *g, int n, int64_t *out)
{
	(void)ctx;
	for (int i = 0; i < n; i++) {
		int64_t sum = 0, max = 0;
		for (int k = 0; k < g[i].n; k++) {
			int64_t len = (g[i].seg[k].end - g[i].seg[k].start) * MS;
			sum += len;
			if (len > max)
				max = len;
		}
		out[i] = max + (sum - max) / 2;
	}
	return 0;
}
static const pred_iface fake_group_iface = {"fake-group", fake_group_predict, NULL};
static predictor group_pred = {&fake_group_iface, NULL, ""};

/* Services: resnet50 (18 ops = 18 ms), vgg16 (19 ops = 19 ms) and, when
 * qos[2] > 0, resnet18 (10 ops). */
static int world_run_opt(world *w, const char *policy, const sched_options *o,
                         const load_arrival *a, int n, const int64_t *qos)
{
	char err[512];
	static const char *names[3] = {"resnet50", "vgg16", "resnet18"};
	memset(w, 0, sizeof *w);
	w->n = qos[2] > 0 ? 3 : 2;
	for (int i = 0; i < w->n; i++) {
		w->m[i] = zoo_model_new(names[i], err, sizeof err);
		if (!w->m[i]) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
		w->svc[i] = (sched_service){w->m[i], qos[i], 0};
	}
	w->d = (device){&fake_iface, &w->dev};
	w->pred = (predictor){&fake_pred_iface, NULL, ""};
	w->s = sched_new(w->svc, w->n, sched_policy_find(policy), &w->pred, o, err, sizeof err);
	if (w->s)
		sched_set_group_pred(w->s, &group_pred);
	if (!w->s) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	script sc = {{&script_iface, "", 0, 0}, a, n, 0};
	int rc = sched_run(w->s, &w->d, &sc.base, NULL, err, sizeof err);
	if (rc)
		fprintf(stderr, "sched_run: %s\n", err);
	return rc;
}

static int world_run(world *w, const char *policy, int abandon, const load_arrival *a, int n,
                     int64_t qos0, int64_t qos1)
{
	sched_options o = {.abandon = abandon, .ways = 2, .threshold = 0, .expect_queries = 4};
	int64_t qos[3] = {qos0, qos1, 0};
	return world_run_opt(w, policy, &o, a, n, qos);
}

static void world_free(world *w)
{
	sched_free(w->s);
	for (int i = 0; i < w->n; i++)
		zoo_model_free(w->m[i]);
}

static const load_arrival three[] = {
	{0, 0, 1, 0},      /* q0 resnet50 at 0 */
	{1 * MS, 1, 1, 0}, /* q1 vgg16 at 1 ms */
	{2 * MS, 0, 1, 0}, /* q2 resnet50 at 2 ms */
};

/* one query of each service, both at 0 */
static const load_arrival both[] = {{0, 0, 1, 0}, {0, 1, 1, 0}};

static void test_fcfs(void)
{
	world w;
	CHECK_INT(world_run(&w, "fcfs", 0, three, 3, 100 * MS, 100 * MS), 0);
	size_t n;
	const sched_query *q = sched_queries(w.s, &n);
	CHECK_INT(n, 3);
	/* arrival order: q0 0-18, q1 18-37, q2 37-55 */
	CHECK_INT(q[0].start, 0);
	CHECK_INT(q[0].end, 18 * MS);
	CHECK_INT(q[1].start, 18 * MS);
	CHECK_INT(q[1].end, 37 * MS);
	CHECK_INT(q[2].start, 37 * MS);
	CHECK_INT(q[2].end, 55 * MS);
	CHECK_INT(w.dev.groups, 3);
	CHECK_INT(w.dev.max_segments, 1);
	metrics m;
	CHECK_INT(metrics_compute(q, n, w.svc, &m), 0);
	CHECK_INT(m.completed, 3);
	CHECK_NEAR(m.p50_ms, 36.0, 1e-9); /* latencies 18, 36, 53 */
	CHECK_NEAR(m.p99_ms, 53.0, 1e-9);
	CHECK_NEAR(m.mean_ms, (18.0 + 36.0 + 53.0) / 3, 1e-9);
	CHECK_NEAR(m.duration_ms, 55.0, 1e-9);
	CHECK_NEAR(m.throughput_qps, 3 / 0.055, 1e-6);
	CHECK_NEAR(m.violation_ratio, 0.0, 0);
	world_free(&w);
}

static void test_sjf(void)
{
	world w;
	CHECK_INT(world_run(&w, "sjf", 0, three, 3, 100 * MS, 100 * MS), 0);
	size_t n;
	const sched_query *q = sched_queries(w.s, &n);
	/* at 18 ms: q2 (18 ms of work) before q1 (19 ms) */
	CHECK_INT(q[2].start, 18 * MS);
	CHECK_INT(q[2].end, 36 * MS);
	CHECK_INT(q[1].start, 36 * MS);
	CHECK_INT(q[1].end, 55 * MS);
	world_free(&w);
}

static void test_edf_and_abandon(void)
{
	world w;
	/* vgg16's deadline is 1 + 40 = 41 ms, resnet50's 2 + 100 */
	CHECK_INT(world_run(&w, "edf", 0, three, 3, 100 * MS, 40 * MS), 0);
	size_t n;
	const sched_query *q = sched_queries(w.s, &n);
	CHECK_INT(q[1].start, 18 * MS);
	CHECK_INT(q[1].end, 37 * MS);
	CHECK_INT(q[2].end, 55 * MS);
	world_free(&w);

	/* with a 30 ms QoS, q1 cannot finish by 31 ms once q0 ends at 18:
	 * abandon drops it, q2 runs at once */
	CHECK_INT(world_run(&w, "edf", 1, three, 3, 100 * MS, 30 * MS), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(q[1].state, SCHED_DROPPED);
	CHECK_INT(q[1].start, -1);
	CHECK_INT(q[2].start, 18 * MS);
	CHECK_INT(q[2].end, 36 * MS);
	metrics m;
	CHECK_INT(metrics_compute(q, n, w.svc, &m), 0);
	CHECK_INT(m.completed, 2);
	CHECK_INT(m.dropped, 1);
	CHECK_INT(m.violated, 1);
	CHECK_NEAR(m.violation_ratio, 1.0 / 3, 1e-12);
	world_free(&w);

	/* without abandon the same query runs late and counts as violated */
	CHECK_INT(world_run(&w, "edf", 0, three, 3, 100 * MS, 30 * MS), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(q[1].state, SCHED_DONE);
	CHECK_INT(q[1].end, 37 * MS);
	CHECK_INT(metrics_compute(q, n, w.svc, &m), 0);
	CHECK_INT(m.violated, 1);
	CHECK_INT(m.dropped, 0);
	world_free(&w);
}

static void test_idle_gaps(void)
{
	/* a query arriving after the device went idle starts on arrival */
	static const load_arrival gap[] = {{0, 0, 1, 0}, {50 * MS, 1, 1, 0}};
	world w;
	CHECK_INT(world_run(&w, "fcfs", 0, gap, 2, 100 * MS, 100 * MS), 0);
	size_t n;
	const sched_query *q = sched_queries(w.s, &n);
	CHECK_INT(q[1].start, 50 * MS);
	CHECK_INT(q[1].end, 69 * MS);
	world_free(&w);
}

static void test_many_services_order(void)
{
	/* FIFO within a service holds under load: many queries, two services */
	enum { N = 200 };
	load_arrival a[N];
	for (int i = 0; i < N; i++)
		a[i] = (load_arrival){(int64_t)i * MS / 2, i % 2, 1, 0};
	const char *pol[] = {"fcfs", "sjf", "edf", "abacus"};
	for (int p = 0; p < 4; p++) {
		world w;
		CHECK_INT(world_run(&w, pol[p], 0, a, N, 1000 * MS, 1000 * MS), 0);
		size_t n;
		const sched_query *q = sched_queries(w.s, &n);
		CHECK_INT(n, N);
		int64_t last_end[2] = {-1, -1};
		for (int i = 0; i < N; i++) {
			CHECK_INT(q[i].state, SCHED_DONE);
			CHECK(q[i].end > last_end[q[i].service]);
			last_end[q[i].service] = q[i].end;
			CHECK(q[i].start >= q[i].arrival);
		}
		world_free(&w);
	}
}

static void test_abacus(void)
{
	world w;
	size_t n;
	const sched_query *q;
	/* q0 (resnet50, 18 ms) has 30 ms: vgg16 whole fits (19 + 18/2 = 28) */
	sched_options o = {.abandon = 0, .ways = 2, .threshold = 0, .expect_queries = 4};
	int64_t qos[3] = {30 * MS, 100 * MS, 0};
	CHECK_INT(world_run_opt(&w, "abacus", &o, both, 2, qos), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(w.dev.groups, 1);
	CHECK_INT(w.dev.max_segments, 2);
	CHECK_INT(q[0].end, 18 * MS);
	CHECK_INT(q[1].end, 19 * MS);
	world_free(&w);

	/* with 22 ms, vgg16 is cut: 18 + e/2 <= 22 gives e = 8 ops, whatever
	 * the number of ways; then it finishes alone */
	int ways[4] = {1, 2, 3, 16};
	for (int k = 0; k < 4; k++) {
		sched_options ok = {
		    .abandon = 0, .ways = ways[k], .threshold = 0, .expect_queries = 4};
		qos[0] = 22 * MS;
		CHECK_INT(world_run_opt(&w, "abacus", &ok, both, 2, qos), 0);
		q = sched_queries(w.s, &n);
		CHECK_INT(w.dev.groups, 2);
		CHECK_INT(q[0].end, 18 * MS);
		CHECK_INT(q[1].end, 18 * MS + 11 * MS); /* ops 8..19 after the group */
		world_free(&w);
	}

	/* threshold 3 ms: the 2-way search stops after its first round, at the
	 * cut of 7 ops (21.5 ms predicted, 0.5 ms left) */
	sched_options ot = {.abandon = 0, .ways = 2, .threshold = 3 * MS, .expect_queries = 4};
	CHECK_INT(world_run_opt(&w, "abacus", &ot, both, 2, qos), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(q[1].end, 18 * MS + 12 * MS);
	world_free(&w);
	/* threshold 5 ms: 4 ms left before any search, so nothing is added */
	ot.threshold = 5 * MS;
	CHECK_INT(world_run_opt(&w, "abacus", &ot, both, 2, qos), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(q[1].start, 18 * MS);
	CHECK_INT(q[1].end, 37 * MS);
	world_free(&w);

	/* three services: heads by headroom. resnet18 (10 ops) has the least
	 * headroom (15 - 10), then resnet50 (60 - 18), then vgg16. Budget 15:
	 * resnet50 whole is 18 + 5 = 23 > 15, cut to e with
	 * max(10, e) + min(10, e)/2 <= 15 -> e = 10... and the group closes. */
	static const load_arrival three_svc[] = {{0, 0, 1, 0}, {0, 1, 1, 0}, {0, 2, 1, 0}};
	int64_t q3[3] = {60 * MS, 100 * MS, 15 * MS};
	sched_options o3 = {.abandon = 0, .ways = 4, .threshold = 0, .expect_queries = 4};
	CHECK_INT(world_run_opt(&w, "abacus", &o3, three_svc, 3, q3), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(q[2].end, 10 * MS);
	CHECK_INT(q[2].start, 0);
	CHECK_INT(q[0].start, 0);  /* resnet50 joined the first group, cut */
	CHECK(q[1].start >= 10 * MS); /* vgg16 did not */
	CHECK_INT(w.dev.max_segments, 2);
	world_free(&w);

	/* abandon drops a head that cannot make it even alone */
	sched_options oa = {.abandon = 1, .ways = 2, .threshold = 0, .expect_queries = 4};
	int64_t qa[3] = {10 * MS, 100 * MS, 0};
	CHECK_INT(world_run_opt(&w, "abacus", &oa, both, 2, qa), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(q[0].state, SCHED_DROPPED);
	CHECK_INT(q[1].end, 19 * MS);
	world_free(&w);
}

/* margin: predictions held against a deadline count (1 + margin) times */
static void test_margin(void)
{
	world w;
	size_t n;
	const sched_query *q;
	/* abacus: q0 (resnet50, 18 ms) has 28 ms; vgg16 whole is predicted
	 * 19 + 18/2 = 28: it fits exactly without a margin... */
	sched_options o = {.abandon = 0, .ways = 2, .threshold = 0, .expect_queries = 4};
	int64_t qos[3] = {28 * MS, 100 * MS, 0};
	CHECK_INT(world_run_opt(&w, "abacus", &o, both, 2, qos), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(w.dev.groups, 1);
	CHECK_INT(q[1].end, 19 * MS);
	world_free(&w);
	/* ...and not with 10%: (18 + e/2) x 1.1 <= 28 gives e = 14, the other
	 * 5 ops run alone after the group */
	o.margin = 0.1;
	CHECK_INT(world_run_opt(&w, "abacus", &o, both, 2, qos), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(w.dev.groups, 2);
	CHECK_INT(q[0].end, 18 * MS);
	CHECK_INT(q[1].end, 18 * MS + 5 * MS);
	world_free(&w);

	/* edf with abandon: vgg16 (deadline 1 + 36 = 37 ms) can start at 18 and
	 * end at 37 exactly, so it runs; with a 5% margin its 19 ms count as
	 * 19.95 and it is dropped */
	sched_options oe = {.abandon = 1, .ways = 2, .threshold = 0, .expect_queries = 4};
	int64_t qe[3] = {100 * MS, 36 * MS, 0};
	CHECK_INT(world_run_opt(&w, "edf", &oe, three, 3, qe), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(q[1].state, SCHED_DONE);
	CHECK_INT(q[1].end, 37 * MS);
	world_free(&w);
	oe.margin = 0.05;
	CHECK_INT(world_run_opt(&w, "edf", &oe, three, 3, qe), 0);
	q = sched_queries(w.s, &n);
	CHECK_INT(q[1].state, SCHED_DROPPED);
	CHECK_INT(q[2].start, 18 * MS);
	world_free(&w);
}

static void test_registry(void)
{
	CHECK(sched_policy_find("fcfs") != NULL);
	CHECK(sched_policy_find("sjf") != NULL);
	CHECK(sched_policy_find("edf") != NULL);
	CHECK(sched_policy_find("nope") == NULL);
	char names[128];
	sched_policy_names(names, sizeof names);
	CHECK_STR_HAS(names, "fcfs, sjf, edf, abacus");
	/* what each kind declares it reads: the run's checks come from it */
	CHECK_INT(sched_policy_find("fcfs")->reads, 0);
	CHECK_INT(sched_policy_find("abacus")->reads, KIND_WAYS | KIND_THRESHOLD | KIND_PREDICTOR |
	                                                  KIND_BATCHING | KIND_PAIR_LATE |
	                                                  KIND_KEEP_PLAN | KIND_KEEP_ON_TIME |
	                                                  KIND_BY_DEADLINE);
	CHECK_INT(sched_policy_find("clockwork")->reads, 0);
	CHECK_INT(sched_policy_find("clockwork")->batches, 1);
	CHECK_INT(sched_policy_find("triton")->batches, 1);
	CHECK_INT(sched_policy_find("abacus")->batches, 0);
	CHECK_INT(load_kind_find("poisson")->reads, KIND_QPS | KIND_SVC_QPS);
	CHECK_INT(load_kind_find("trace")->needs, KIND_FILE);
	CHECK(load_kind_find("burst") == NULL);
	CHECK(pred_learner_find("solo") && pred_learner_find("solo")->open);
	CHECK(pred_learner_find("mlp") == pred_learners[0] && pred_learners[0]->fit);
	char err[256];
	CHECK_INT(kind_fields_check(KIND_POLICY_FIELDS, 0, 0, KIND_WAYS, "policy 'fcfs'", 0, NULL,
	                            err, sizeof err),
	          -1);
	CHECK_STR_HAS(err, "field 'ways' does not apply to policy 'fcfs'");
	CHECK_INT(kind_fields_check(KIND_LOAD_FIELDS, KIND_FILE, KIND_FILE, 0, "a trace load", 0,
	                            NULL, err, sizeof err),
	          -1);
	CHECK_STR_HAS(err, "field 'load.file' is missing: a trace load needs");
	CHECK_INT(kind_fields_check(KIND_LOAD_FIELDS, KIND_SVC_QPS, 0, KIND_SVC_QPS | KIND_WAYS,
	                            "a poisson load", 2, NULL, err, sizeof err),
	          0);
}

#ifndef NDEBUG
/* A policy that breaks the header's group invariant: two segments of
 * one service. */
static int twice_pick(sched *s, void *ctx, sched_group *g)
{
	(void)ctx;
	sched_group_add(s, g, 0, 1);
	sched_group_add(s, g, 0, 2);
	return 0;
}
#endif

/* In a debug build the core stops such a policy at the call (sched.c's
 * sched_check); a release build has no checks to test. */
static void test_invariant_checks(void)
{
#ifdef NDEBUG
	printf("test_sched: invariant checks are compiled out (NDEBUG); not tested\n");
#else
	const sched_policy twice = {.name = "twice", .pick = twice_pick};
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char err[256];
		zoo_model *m = zoo_model_new("resnet50", err, sizeof err);
		sched_service svc = {m, 100 * MS};
		predictor pred = {&fake_pred_iface, NULL, ""};
		sched_options o = {.ways = 2};
		sched *s = m ? sched_new(&svc, 1, &twice, &pred, &o, err, sizeof err) : NULL;
		load_arrival a = {.t = 0, .service = 0, .batch = 1};
		sched_group g;
		dev_segment seg[1];
		uint32_t qid[1];
		g.seg = seg;
		g.qid = qid;
		if (!s || sched_admit(s, &a))
			_exit(2);
		if (!freopen("/dev/null", "w", stderr)) /* the assert's own message */
			_exit(2);
		sched_decide(s, 0, &g);
		_exit(0); /* not stopped: the check is missing */
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
#endif
}

int main(void)
{
	test_registry();
	test_invariant_checks();
	test_fcfs();
	test_sjf();
	test_edf_and_abandon();
	test_idle_gaps();
	test_many_services_order();
	test_abacus();
	test_margin();
	return check_report("test_sched");
}
