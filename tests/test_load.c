/* test_load.c: the poisson, trace and rates loads against known values:
 * the statistics of the Poisson processes, traces read back exactly, every
 * kind of bad file rejected with its file:line:column, and the rate file's
 * expected arrival count. Prints the poisson generator's speed.
 *
 * Runs from the source root (ctest's working directory), so fixture paths
 * and the paths in expected messages are "tests/data/...". */
#include "clk.h"
#include "hash.h"
#include "load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

static const int rn_batches[] = {1, 2, 4, 8};
static const int bert_batches[] = {1, 2, 4};
static const int bert_seqs[] = {8, 16, 32, 64};
static const int vgg_batches[] = {1};
static const int big_batches[] = {16};

/* resnet50 twice on purpose: a name matches the first, an index either. */
static const load_service services[] = {
    {"resnet50", rn_batches, 4, NULL, 0, 0},
    {"bert", bert_batches, 3, bert_seqs, 4, 0},
    {"vgg16", vgg_batches, 1, NULL, 0, 0},
    {"resnet50", big_batches, 1, NULL, 0, 0},
};
enum { N_SVC = 4 };

static int index_of(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return i;
	return -1;
}

static double now_sec(void)
{
	return (double)clk_ns() * 1e-9;
}

/* ---- poisson ------------------------------------------------------------ */

static void test_poisson_uniform(void)
{
	char err[512] = "";
	const int n = 200000;
	const double qps = 500;
	load *l = load_poisson_new(services, 3, qps, n, 42, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (!l)
		return;
	long count[3] = {0}, rn_b[4] = {0}, bert_b[3] = {0}, bert_s[4] = {0};
	load_arrival a;
	int64_t prev = 0, last = 0;
	int got = 0, order_ok = 1, values_ok = 1, r;
	while ((r = load_next(l, &a)) == 1) {
		if (a.t < prev)
			order_ok = 0;
		prev = last = a.t;
		if (a.service < 0 || a.service >= 3) {
			values_ok = 0;
			continue;
		}
		count[a.service]++;
		if (a.service == 0) {
			int k = index_of(rn_batches, 4, a.batch);
			values_ok &= k >= 0 && a.seq == 0;
			if (k >= 0)
				rn_b[k]++;
		} else if (a.service == 1) {
			int k = index_of(bert_batches, 3, a.batch),
			    s = index_of(bert_seqs, 4, a.seq);
			values_ok &= k >= 0 && s >= 0;
			if (k >= 0)
				bert_b[k]++;
			if (s >= 0)
				bert_s[s]++;
		} else {
			values_ok &= a.batch == 1 && a.seq == 0;
		}
		got++;
	}
	CHECK(r == 0, "next returned %d after %d arrivals: %s", r, got, load_errmsg(l));
	CHECK(got == n, "got %d arrivals, limit %d", got, n);
	CHECK(order_ok, "times went backwards");
	CHECK(values_ok, "an arrival had a service, batch or seq outside the lists");
	CHECK(load_next(l, &a) == 0, "next after the end should stay 0");
	double mean_gap = (double)last * 1e-9 / n;
	CHECK(fabs(mean_gap * qps - 1) < 0.02, "mean inter-arrival %.6g s, expected %.6g s",
	      mean_gap, 1 / qps);
	for (int s = 0; s < 3; s++)
		CHECK(fabs(count[s] / (n / 3.0) - 1) < 0.02, "service %d got %ld of %d", s,
		      count[s], n);
	for (int k = 0; k < 4; k++)
		CHECK(fabs(rn_b[k] / (count[0] / 4.0) - 1) < 0.05,
		      "resnet50 batch %d drawn %ld of %ld", rn_batches[k], rn_b[k], count[0]);
	for (int k = 0; k < 3; k++)
		CHECK(fabs(bert_b[k] / (count[1] / 3.0) - 1) < 0.05,
		      "bert batch %d drawn %ld of %ld", bert_batches[k], bert_b[k], count[1]);
	for (int k = 0; k < 4; k++)
		CHECK(fabs(bert_s[k] / (count[1] / 4.0) - 1) < 0.05, "bert seq %d drawn %ld of %ld",
		      bert_seqs[k], bert_s[k], count[1]);
	load_free(l);
}

/* Returns how many of the first n arrivals of seeds a and b are identical. */
static int same_prefix(const load_service *svc, int n_svc, uint64_t a, uint64_t b, int n)
{
	char err[512];
	load *la = load_poisson_new(svc, n_svc, 100, n, a, err, sizeof err);
	load *lb = load_poisson_new(svc, n_svc, 100, n, b, err, sizeof err);
	int same = 0;
	if (la && lb) {
		load_arrival x, y;
		for (int i = 0; i < n; i++) {
			if (load_next(la, &x) != 1 || load_next(lb, &y) != 1)
				break;
			same += x.t == y.t && x.service == y.service && x.batch == y.batch &&
			        x.seq == y.seq;
		}
	}
	load_free(la);
	load_free(lb);
	return same;
}

static void test_poisson_seeds(void)
{
	int s = same_prefix(services, 3, 7, 7, 10000);
	CHECK(s == 10000, "same seed: %d of 10000 arrivals identical", s);
	s = same_prefix(services, 3, 7, 8, 10000);
	CHECK(s < 10, "different seeds: %d of 10000 arrivals identical", s);

	load_service per[3] = {services[0], services[1], services[2]};
	per[0].qps = 10, per[1].qps = 20, per[2].qps = 30;
	s = same_prefix(per, 3, 3, 3, 10000);
	CHECK(s == 10000, "per-service, same seed: %d of 10000 identical", s);
	s = same_prefix(per, 3, 3, 4, 10000);
	CHECK(s < 10, "per-service, different seeds: %d of 10000 identical", s);
}

/* Per-service rates: counts follow the rates, each service's own gaps have
 * the right mean, and the merge keeps time order. The total qps (here 0)
 * is ignored when every service has a rate. */
static void test_poisson_per_service(void)
{
	char err[512] = "";
	load_service per[3] = {services[0], services[1], services[2]};
	const double rate[3] = {100, 200, 300};
	for (int i = 0; i < 3; i++)
		per[i].qps = rate[i];
	const int n = 300000;
	load *l = load_poisson_new(per, 3, 0, n, 11, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (!l)
		return;
	long count[3] = {0};
	int64_t first[3] = {-1, -1, -1}, last[3] = {0}, prev = 0;
	int order_ok = 1;
	load_arrival a;
	while (load_next(l, &a) == 1) {
		order_ok &= a.t >= prev;
		prev = a.t;
		count[a.service]++;
		if (first[a.service] < 0)
			first[a.service] = a.t;
		last[a.service] = a.t;
	}
	CHECK(order_ok, "merged times went backwards");
	CHECK(count[0] + count[1] + count[2] == n, "total %ld", count[0] + count[1] + count[2]);
	for (int s = 0; s < 3; s++) {
		double expect = n * rate[s] / 600.0;
		CHECK(fabs(count[s] / expect - 1) < 0.02, "service %d: %ld arrivals, expected %.0f",
		      s, count[s], expect);
		double gap = (double)(last[s] - first[s]) * 1e-9 / (double)(count[s] - 1);
		CHECK(fabs(gap * rate[s] - 1) < 0.02,
		      "service %d: mean gap %.6g s, expected %.6g s", s, gap, 1 / rate[s]);
	}
	load_free(l);

	/* Mixed: vgg16 has its own 300 qps; resnet50 and bert share 200. */
	per[0].qps = 0, per[1].qps = 0, per[2].qps = 300;
	l = load_poisson_new(per, 3, 200, n, 12, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (!l)
		return;
	memset(count, 0, sizeof count);
	while (load_next(l, &a) == 1)
		count[a.service]++;
	CHECK(fabs(count[2] / (n * 0.6) - 1) < 0.02, "mixed: vgg16 %ld of %d", count[2], n);
	CHECK(fabs(count[0] / (n * 0.2) - 1) < 0.03, "mixed: resnet50 %ld of %d", count[0], n);
	CHECK(fabs(count[1] / (n * 0.2) - 1) < 0.03, "mixed: bert %ld of %d", count[1], n);
	load_free(l);
}

/* A large number of services, each its own process: the heap merge. */
static void test_poisson_many(void)
{
	enum { M = 100 };
	load_service many[M];
	for (int i = 0; i < M; i++) {
		many[i] = services[0];
		many[i].qps = 1 + i; /* total 5050 */
	}
	char err[512] = "";
	const int n = 505000;
	load *l = load_poisson_new(many, M, 0, n, 5, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (!l)
		return;
	static long count[M];
	int64_t prev = 0;
	int order_ok = 1;
	load_arrival a;
	uint64_t h = HASH_INIT;
	while (load_next(l, &a) == 1) {
		order_ok &= a.t >= prev;
		prev = a.t;
		count[a.service]++;
		h = hash_bytes(h, &a.t, sizeof a.t);
		h = hash_bytes(h, &a.service, sizeof a.service);
	}
	CHECK(order_ok, "100-way merge went backwards");
	/* the arrivals, in order, as the binary heap of processes merged them
	 * before heap.h (commit 0fba225): ties broken the same, bit for bit */
	CHECK(h == 0x6870182ffaa432a0ULL, "100-way merge: hash %016llx", (unsigned long long)h);
	long lo = count[0] + count[1] + count[2] + count[3] + count[4]; /* rates 1..5: 15/5050 */
	long hi = count[95] + count[96] + count[97] + count[98] + count[99]; /* 490/5050 */
	CHECK(fabs(lo / (n * 15.0 / 5050) - 1) < 0.1, "slowest five: %ld", lo);
	CHECK(fabs(hi / (n * 490.0 / 5050) - 1) < 0.02, "fastest five: %ld", hi);
	CHECK(fabs((double)prev * 1e-9 / 100.0 - 1) < 0.02, "last arrival at %.3f s, expected ~100",
	      (double)prev * 1e-9);
	load_free(l);
}

static void expect_ctor_error(load *l, const char *err, const char *want, int line)
{
	if (l) {
		failures++;
		fprintf(stderr, "%s:%d: constructor accepted bad input (wanted \"%s\")\n", __FILE__,
		        line, want);
		load_free(l);
		return;
	}
	if (strncmp(err, want, strlen(want)) != 0) {
		failures++;
		fprintf(stderr, "%s:%d: message \"%s\" does not start with \"%s\"\n", __FILE__,
		        line, err, want);
	}
}

static void test_poisson_args(void)
{
	char err[512];
	load_service bad[2] = {services[0], services[1]};
	expect_ctor_error(load_poisson_new(services, 2, 0, 10, 1, err, sizeof err), err,
	                  "qps must be a positive number, got 0", __LINE__);
	expect_ctor_error(load_poisson_new(services, 2, -3, 10, 1, err, sizeof err), err,
	                  "qps must be a positive number, got -3", __LINE__);
	expect_ctor_error(load_poisson_new(services, 2, NAN, 10, 1, err, sizeof err), err,
	                  "qps must be a positive number, got nan", __LINE__);
	expect_ctor_error(load_poisson_new(services, 2, 10, 0, 1, err, sizeof err), err,
	                  "limit must be positive", __LINE__);
	expect_ctor_error(load_poisson_new(services, 2, 10, -5, 1, err, sizeof err), err,
	                  "limit must be positive", __LINE__);
	expect_ctor_error(load_poisson_new(services, 0, 10, 5, 1, err, sizeof err), err,
	                  "no services", __LINE__);
	bad[1].n_batches = 0;
	expect_ctor_error(load_poisson_new(bad, 2, 10, 5, 1, err, sizeof err), err,
	                  "service 1 (bert): no batch sizes", __LINE__);
	bad[1] = services[1];
	bad[0].qps = -1;
	bad[1].qps = 5;
	expect_ctor_error(load_poisson_new(bad, 2, 10, 5, 1, err, sizeof err), err,
	                  "service 0 (resnet50): qps must be a non-negative number", __LINE__);

	/* The services are copied: the caller's array may change afterwards. */
	load_service tmp[1] = {services[1]};
	load *l = load_poisson_new(tmp, 1, 10, 5, 1, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	tmp[0].batches = NULL;
	tmp[0].n_batches = 99;
	load_arrival a;
	if (l) {
		CHECK(load_next(l, &a) == 1 && index_of(bert_batches, 3, a.batch) >= 0, "batch %d",
		      a.batch);
		load_free(l);
	}
	load_free(NULL);
}

static void bench_poisson(void)
{
	char err[512] = "";
	const int64_t n = 20000000;
	load *l = load_poisson_new(services, 3, 1000, n, 1, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (!l)
		return;
	load_arrival a;
	int64_t sum = 0, got = 0;
	double t0 = now_sec();
	while (load_next(l, &a) == 1) {
		sum += a.batch + a.seq;
		got++;
	}
	double dt = now_sec() - t0;
	CHECK(got == n, "%lld", (long long)got);
	printf("poisson: %lld arrivals in %.3f s = %.1f M arrivals/s (checksum %lld)\n",
	       (long long)got, dt, got / dt / 1e6, (long long)sum);
	load_free(l);

	load_service per[3] = {services[0], services[1], services[2]};
	per[0].qps = 100, per[1].qps = 200, per[2].qps = 300;
	l = load_poisson_new(per, 3, 0, n / 4, 1, err, sizeof err);
	if (!l)
		return;
	got = 0;
	t0 = now_sec();
	while (load_next(l, &a) == 1)
		got++;
	dt = now_sec() - t0;
	printf("poisson, 3 per-service processes: %.1f M arrivals/s\n", got / dt / 1e6);
	load_free(l);
}

/* ---- trace -------------------------------------------------------------- */

typedef struct row {
	int64_t t;
	int service, batch, seq;
} row;

/* end: also check that the load ends right after these rows. */
static void check_rows(load *l, const row *want, int n, int end, const char *what)
{
	load_arrival a;
	for (int i = 0; i < n; i++) {
		int r = load_next(l, &a);
		CHECK(r == 1, "%s row %d: next returned %d: %s", what, i, r, load_errmsg(l));
		if (r != 1)
			return;
		CHECK(a.t == want[i].t && a.service == want[i].service &&
		          a.batch == want[i].batch && a.seq == want[i].seq,
		      "%s row %d: got t=%lld service=%d batch=%d seq=%d, want t=%lld service=%d "
		      "batch=%d seq=%d",
		      what, i, (long long)a.t, a.service, a.batch, a.seq, (long long)want[i].t,
		      want[i].service, want[i].batch, want[i].seq);
	}
	if (!end)
		return;
	int r = load_next(l, &a);
	CHECK(r == 0, "%s: after %d rows next returned %d (%s)", what, n, r, load_errmsg(l));
}

static void test_trace_good(void)
{
	char err[512] = "";
	const row want[] = {
	    {12500000, 0, 4, 0},  {13000000, 1, 2, 32},   {13000000, 1, 1, 8},
	    {20250000, 0, 3, 0}, {1000000000, 3, 16, 0}, {1000000001, 2, 1, 0},
	};
	load *l = load_trace_new("tests/data/trace-good.csv", services, N_SVC, 0, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (l) {
		check_rows(l, want, 6, 1, "trace-good");
		load_free(l);
	}
	l = load_trace_new("tests/data/trace-good.csv", services, N_SVC, 2, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (l) {
		check_rows(l, want, 2, 1, "trace-good limit 2");
		load_free(l);
	}
	/* a spreadsheet's byte order mark before the header is not part of it */
	l = load_trace_new("tests/data/trace-bom.csv", services, N_SVC, 0, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (l) {
		const row bom[] = {{1000000, 0, 2, 0}};
		check_rows(l, bom, 1, 1, "trace-bom");
		load_free(l);
	}
	const row want2[] = {{0, 0, 8, 0}, {7250000, 1, 4, 64}};
	l = load_trace_new("tests/data/trace-reordered.csv", services, N_SVC, 0, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (l) {
		check_rows(l, want2, 2, 1, "trace-reordered");
		load_free(l);
	}
	/* Strict: resnet50 allows batch 1, 2, 4 and 8, so line 8 (batch 3) is
	 * refused; without strict any batch up to the largest is taken. */
	l = load_trace_strict_new("tests/data/trace-good.csv", services, N_SVC, 0, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (l) {
		check_rows(l, want, 3, 0, "trace-good strict");
		load_arrival a;
		const char *m =
		    "tests/data/trace-good.csv:8:3: batch 3 is not one resnet50 allows (1, 2, 4, 8)";
		CHECK(load_next(l, &a) == -1, "strict accepted batch 3 for resnet50");
		CHECK(strcmp(load_errmsg(l), m) == 0, "got \"%s\"", load_errmsg(l));
		CHECK(load_next(l, &a) == -1, "a failed trace should stay failed");
		load_free(l);
	}
	CHECK(strcmp(load_errmsg(NULL), "no load") == 0, "%s", load_errmsg(NULL));
}

/* A bad file either fails the constructor (header problems) or the first
 * bad row's next(); either way the message starts with `want`. */
static void expect_trace_error(const char *path, const char *want, int line)
{
	char err[512] = "";
	load *l = load_trace_new(path, services, N_SVC, 0, err, sizeof err);
	const char *msg = err;
	if (l) {
		load_arrival a;
		int r;
		while ((r = load_next(l, &a)) == 1)
			;
		if (r == 0) {
			failures++;
			fprintf(stderr, "%s:%d: %s was read without error (wanted \"%s\")\n",
			        __FILE__, line, path, want);
			load_free(l);
			return;
		}
		msg = load_errmsg(l);
	}
	if (strncmp(msg, want, strlen(want)) != 0) {
		failures++;
		fprintf(stderr, "%s:%d: message \"%s\" does not start with \"%s\"\n", __FILE__,
		        line, msg, want);
	} else {
		printf("  ok: %s\n", msg);
	}
	load_free(l);
}

static void test_trace_bad(void)
{
	expect_trace_error("tests/data/bad-model.csv",
	                   "tests/data/bad-model.csv:3:2: unknown model 'alexnet' (services: "
	                   "resnet50, bert, vgg16, resnet50",
	                   __LINE__);
	expect_trace_error("tests/data/bad-batch.csv",
	                   "tests/data/bad-batch.csv:2:3: batch 'abc' is not a positive integer",
	                   __LINE__);
	expect_trace_error("tests/data/bad-batch-zero.csv",
	                   "tests/data/bad-batch-zero.csv:2:3: batch '0' is not a positive integer",
	                   __LINE__);
	expect_trace_error("tests/data/bad-batch-over.csv",
	                   "tests/data/bad-batch-over.csv:2:3: batch 9 is over resnet50's largest "
	                   "batch, 8",
	                   __LINE__);
	expect_trace_error("tests/data/bad-seq-below.csv",
	                   "tests/data/bad-seq-below.csv:2:4: seq 7 is outside bert's sequence "
	                   "lengths, 8 to 64",
	                   __LINE__);
	expect_trace_error("tests/data/bad-seq-over.csv",
	                   "tests/data/bad-seq-over.csv:2:4: seq 65 is outside bert's sequence "
	                   "lengths, 8 to 64",
	                   __LINE__);
	expect_trace_error("tests/data/bad-time-far.csv",
	                   "tests/data/bad-time-far.csv:2:1: time 1e13 ms is past the "
	                   "1000000000000 ms a run's clock holds",
	                   __LINE__);
	expect_trace_error("tests/data/bad-time.csv",
	                   "tests/data/bad-time.csv:2:1: time 'x1' is not a number", __LINE__);
	expect_trace_error("tests/data/bad-time-negative.csv",
	                   "tests/data/bad-time-negative.csv:2:1: time -1 ms is negative",
	                   __LINE__);
	expect_trace_error("tests/data/bad-backwards.csv",
	                   "tests/data/bad-backwards.csv:3:1: time 3 ms goes backwards (line 2 was "
	                   "at 5 ms",
	                   __LINE__);
	expect_trace_error("tests/data/bad-missing.csv",
	                   "tests/data/bad-missing.csv:2:3: missing field 'batch'", __LINE__);
	expect_trace_error("tests/data/bad-noseq.csv",
	                   "tests/data/bad-noseq.csv:2:4: missing field 'seq' (bert takes a "
	                   "sequence length)",
	                   __LINE__);
	expect_trace_error("tests/data/bad-noseq-column.csv",
	                   "tests/data/bad-noseq-column.csv:2:4: missing field 'seq'", __LINE__);
	expect_trace_error("tests/data/bad-seq-given.csv",
	                   "tests/data/bad-seq-given.csv:2:4: seq given for resnet50, which has no "
	                   "sequence length",
	                   __LINE__);
	expect_trace_error("tests/data/bad-column.csv",
	                   "tests/data/bad-column.csv:1:4: unknown column 'prio'", __LINE__);
	expect_trace_error(
	    "tests/data/bad-index.csv",
	    "tests/data/bad-index.csv:2:2: service index 7 is out of range (4 services", __LINE__);
	expect_trace_error("tests/data/bad-extra.csv", "tests/data/bad-extra.csv:2:5: extra field",
	                   __LINE__);
	expect_trace_error("tests/data/bad-header-missing.csv",
	                   "tests/data/bad-header-missing.csv:1:3: header has no 'model' column",
	                   __LINE__);
	expect_trace_error("tests/data/bad-empty.csv",
	                   "tests/data/bad-empty.csv:3:1: no header row", __LINE__);
	expect_trace_error("tests/data/bad-reordered.csv",
	                   "tests/data/bad-reordered.csv:2:3: time 'oops' is not a number",
	                   __LINE__);
	expect_trace_error("tests/data/no-such-file.csv",
	                   "cannot open tests/data/no-such-file.csv: No such file or directory",
	                   __LINE__);
	char err[512];
	expect_ctor_error(
	    load_trace_new("tests/data/trace-good.csv", services, N_SVC, -1, err, sizeof err), err,
	    "limit must be 0 (every row) or positive, got -1", __LINE__);
}

/* ---- rates -------------------------------------------------------------- */

static void test_rates_cluster(void)
{
	const char *path = "tests/data/cluster-load-per-minute.csv";
	FILE *f = fopen(path, "r");
	CHECK(f != NULL, "cannot open %s", path);
	if (!f)
		return;
	/* The expectation, read independently of the loader. */
	char line[128];
	double expect = 0;
	int minutes = 0, m;
	double q;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%d,%lf", &m, &q) == 2) {
			expect += q * 0.01 * 1.0; /* qps * qps_scale * one second per minute */
			minutes++;
		}
	fclose(f);
	CHECK(minutes == 120, "%d minutes in %s", minutes, path);

	char err[512] = "";
	load *l = load_rates_new(path, services, 3, 60, 0.01, 0, 99, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (!l)
		return;
	load_arrival a;
	long count = 0, per_svc[3] = {0};
	int64_t prev = 0;
	int order_ok = 1, r;
	while ((r = load_next(l, &a)) == 1) {
		order_ok &= a.t >= prev;
		prev = a.t;
		count++;
		per_svc[a.service]++;
	}
	CHECK(r == 0, "%s", load_errmsg(l));
	CHECK(order_ok, "rates times went backwards");
	CHECK(fabs(count / expect - 1) < 0.03, "%ld arrivals, expected %.1f", count, expect);
	CHECK(prev < (int64_t)minutes * 1000000000, "last arrival %lld ns after the last minute",
	      (long long)prev);
	for (int s = 0; s < 3; s++)
		CHECK(fabs(per_svc[s] / (count / 3.0) - 1) < 0.06, "service %d: %ld of %ld", s,
		      per_svc[s], count);
	printf("rates: %ld arrivals over %d minutes at 0.01x, expected %.1f\n", count, minutes,
	       expect);
	load_free(l);

	l = load_rates_new(path, services, 3, 60, 0.01, 500, 99, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (l) {
		count = 0;
		while (load_next(l, &a) == 1)
			count++;
		CHECK(count == 500, "limit 500 gave %ld", count);
		load_free(l);
	}
}

/* Minutes at 0, 1000, 0, 500 qps: nothing in idle minutes, the right count
 * in the others, with a minute lasting 60/time_scale seconds. */
static void test_rates_small(void)
{
	const double scales[2] = {60, 120};
	for (int k = 0; k < 2; k++) {
		double sec = 60 / scales[k];
		char err[512] = "";
		load *l = load_rates_new("tests/data/rates-small.csv", services, 3, scales[k], 1, 0,
		                         3, err, sizeof err);
		CHECK(l != NULL, "%s", err);
		if (!l)
			return;
		long per_min[5] = {0};
		load_arrival a;
		while (load_next(l, &a) == 1) {
			int m = (int)((double)a.t * 1e-9 / sec);
			per_min[m < 4 ? m : 4]++;
		}
		CHECK(per_min[0] == 0, "time_scale %g: %ld arrivals in an idle minute", scales[k],
		      per_min[0]);
		CHECK(per_min[2] == 0, "time_scale %g: %ld arrivals in an idle minute", scales[k],
		      per_min[2]);
		CHECK(per_min[4] == 0, "time_scale %g: %ld arrivals after the end", scales[k],
		      per_min[4]);
		CHECK(fabs(per_min[1] / (1000 * sec) - 1) < 0.12, "time_scale %g: minute 1 has %ld",
		      scales[k], per_min[1]);
		CHECK(fabs(per_min[3] / (500 * sec) - 1) < 0.15, "time_scale %g: minute 3 has %ld",
		      scales[k], per_min[3]);
		load_free(l);
	}
}

static void expect_rates_error(const char *path, const char *want, int line)
{
	char err[512] = "";
	load *l = load_rates_new(path, services, 3, 60, 1, 0, 1, err, sizeof err);
	expect_ctor_error(l, err, want, line);
	if (!l && strncmp(err, want, strlen(want)) == 0)
		printf("  ok: %s\n", err);
}

static void test_rates_bad(void)
{
	expect_rates_error("tests/data/bad-rates-gap.csv",
	                   "tests/data/bad-rates-gap.csv:4:1: minute 3 where 2 was expected",
	                   __LINE__);
	expect_rates_error("tests/data/bad-rates-start.csv",
	                   "tests/data/bad-rates-start.csv:2:1: minute 1 where 0 was expected",
	                   __LINE__);
	expect_rates_error(
	    "tests/data/bad-rates-qps.csv",
	    "tests/data/bad-rates-qps.csv:3:2: qps '-5' is not a non-negative number", __LINE__);
	expect_rates_error("tests/data/bad-rates-minute.csv",
	                   "tests/data/bad-rates-minute.csv:3:1: minute '1.5' is not a "
	                   "non-negative integer",
	                   __LINE__);
	expect_rates_error("tests/data/bad-rates-header.csv",
	                   "tests/data/bad-rates-header.csv:1:1: unknown column 'min'", __LINE__);
	expect_rates_error("tests/data/bad-rates-empty.csv",
	                   "tests/data/bad-rates-empty.csv:2:1: no minutes after the header",
	                   __LINE__);
	expect_rates_error("tests/data/bad-rates-missing.csv",
	                   "tests/data/bad-rates-missing.csv:3:1: missing field 'qps'", __LINE__);
	expect_rates_error("tests/data/none.csv",
	                   "cannot open tests/data/none.csv: No such file or directory", __LINE__);
	char err[512];
	const char *ok = "tests/data/rates-small.csv";
	expect_ctor_error(load_rates_new(ok, services, 3, 0, 1, 0, 1, err, sizeof err), err,
	                  "time_scale must be a positive number, got 0", __LINE__);
	expect_ctor_error(load_rates_new(ok, services, 3, -60, 1, 0, 1, err, sizeof err), err,
	                  "time_scale must be a positive number, got -60", __LINE__);
	expect_ctor_error(load_rates_new(ok, services, 3, 60, 0, 0, 1, err, sizeof err), err,
	                  "qps_scale must be a positive number, got 0", __LINE__);
	expect_ctor_error(load_rates_new(ok, services, 3, 60, 1, -2, 1, err, sizeof err), err,
	                  "limit must be 0 (until the last minute) or positive, got -2", __LINE__);
}

/* Writes `head`, then a line of `n` x's (a comment when `comment`), then
 * `tail` to path. */
static void write_long_line(const char *path, const char *head, size_t n, int comment,
                            const char *tail)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL, "cannot write %s", path);
	if (!f)
		return;
	fputs(head, f);
	if (comment)
		fputc('#', f);
	for (size_t i = comment; i < n; i++)
		fputc('x', f);
	fputs("\n", f);
	fputs(tail, f);
	fclose(f);
}

/* A file without newlines (/dev/zero) must not grow a line until memory
 * runs out: a line over 64 KiB is refused with its number. */
static void test_long_lines(void)
{
	char path[] = "/tmp/abacus-load-long-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	close(fd);
	char want[512];
	write_long_line(path, "time_ms,model,batch,seq\n1,resnet50,1,\n", 70000, 0, "");
	snprintf(want, sizeof want, "%s:3:65537: line longer than 65536 bytes", path);
	expect_trace_error(path, want, __LINE__);
	/* the header line itself */
	write_long_line(path, "", 70000, 0, "time_ms,model,batch,seq\n");
	snprintf(want, sizeof want, "%s:1:65537: line longer than 65536 bytes", path);
	expect_trace_error(path, want, __LINE__);
	write_long_line(path, "minute,qps\n0,1\n", 70000, 1, "1,2\n");
	snprintf(want, sizeof want, "%s:3:65537: line longer than 65536 bytes", path);
	expect_rates_error(path, want, __LINE__);
	/* 65536 bytes are still a line: a comment that long is skipped */
	write_long_line(path, "minute,qps\n0,1\n", 65536, 1, "1,2\n");
	char err[512] = "";
	load *l = load_rates_new(path, services, 3, 60, 1, 0, 1, err, sizeof err);
	CHECK(l != NULL, "a 65536-byte comment was refused: %s", err);
	load_free(l);
	if (access("/dev/zero", R_OK) == 0) {
		expect_trace_error("/dev/zero", "/dev/zero:1:65537: line longer than 65536 bytes",
		                   __LINE__);
		expect_rates_error("/dev/zero", "/dev/zero:1:65537: line longer than 65536 bytes",
		                   __LINE__);
	}
	unlink(path);
}

/* The limits of load.h: an arrival past LOAD_MAX_MS, or one more than
 * LOAD_MAX_QUERIES, fails the load instead of overflowing the clock or
 * filling memory. */
static void test_limits(void)
{
	char err[512] = "";
	load_arrival a;
	/* 1e-9 queries per second: the second arrival lies ~1e12 s out */
	load *l = load_poisson_new(services, 1, 1e-9, 10, 1, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (l) {
		int r;
		while ((r = load_next(l, &a)) == 1)
			CHECK(a.t >= 0 && a.t <= (int64_t)(LOAD_MAX_MS * 1e6), "arrival at %lld ns",
			      (long long)a.t);
		CHECK(r == -1, "a poisson load at 1e-9 q/s ended with %d", r);
		CHECK(strstr(load_errmsg(l), "past the 1000000000000 ms a run's clock holds") != NULL,
		      "got \"%s\"", load_errmsg(l));
		load_free(l);
	}
	/* rates: one second per minute of the file at a million times its
	 * rates is about 1.2e9 queries: refused before the first */
	l = load_rates_new("tests/data/cluster-load-per-minute.csv", services, 3, 60, 1e6, 0, 1,
	                   err, sizeof err);
	CHECK(l == NULL, "a rate file making ~1e9 queries was taken");
	CHECK(strstr(err, "more than the 50000000 a run holds: lower qps_scale or set queries") !=
	          NULL,
	      "got \"%s\"", err);
	load_free(l);
	/* with a limit it is taken: the limit bounds it */
	l = load_rates_new("tests/data/cluster-load-per-minute.csv", services, 3, 60, 1e6, 100, 1,
	                   err, sizeof err);
	CHECK(l != NULL, "%s", err);
	load_free(l);
	/* the count itself: LOAD_MAX_QUERIES arrivals pass, the next fails */
	l = load_poisson_new(services, 1, 1e6, LOAD_MAX_QUERIES + 1, 1, err, sizeof err);
	CHECK(l != NULL, "%s", err);
	if (l) {
		int64_t n = 0;
		int r;
		while ((r = load_next(l, &a)) == 1)
			n++;
		CHECK(r == -1 && n == LOAD_MAX_QUERIES, "%lld arrivals, then %d", (long long)n, r);
		CHECK(strstr(load_errmsg(l), "gives more than the 50000000 queries a run holds") != NULL,
		      "got \"%s\"", load_errmsg(l));
		load_free(l);
	}
}

int main(void)
{
	test_poisson_uniform();
	test_poisson_seeds();
	test_poisson_per_service();
	test_poisson_many();
	test_poisson_args();
	test_trace_good();
	test_trace_bad();
	test_rates_cluster();
	test_rates_small();
	test_rates_bad();
	test_limits();
	test_long_lines();
	bench_poisson();
	if (failures) {
		fprintf(stderr, "test_load: %d checks failed\n", failures);
		return 1;
	}
	printf("test_load: all checks passed\n");
	return 0;
}
