/* test_metrics.c: selection-based percentiles agree with sorting, and the
 * summary follows the definitions in metrics.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"
#include "rng.h"

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(void)
{
	rng r;
	rng_seed(&r, 7);
	for (int trial = 0; trial < 200; trial++) {
		size_t n = 1 + rng_below(&r, 3000);
		int64_t *v = malloc(n * sizeof *v), *s = malloc(n * sizeof *s);
		uint32_t range = trial % 3 == 0 ? 5 : 1000000; /* many ties, or few */
		for (size_t i = 0; i < n; i++)
			v[i] = s[i] = rng_below(&r, range);
		if (trial % 7 == 0) /* already sorted input */
			qsort(v, n, sizeof *v, cmp64);
		qsort(s, n, sizeof *s, cmp64);
		size_t k = rng_below(&r, (uint32_t)n);
		CHECK_INT(metrics_select(v, n, k), s[k]);
		double p = trial % 2 ? 99.0 : 50.0;
		size_t rank = (size_t)ceil(p / 100.0 * (double)n);
		CHECK_INT(metrics_percentile(v, n, p), s[rank - 1]);
		free(v);
		free(s);
	}

	/* the summary on hand-made queries */
	zoo_model *m = NULL; /* metrics only reads svc[].qos */
	sched_service svc[2] = {{m, 10000000, 0}, {m, 5000000, 0}};
	sched_query q[4];
	memset(q, 0, sizeof q);
	/* done in time (4 ms), done late (7 ms > 5), dropped, done (9 ms) */
	q[0] = (sched_query){0, 10000000, 0, 4000000, 0, 1, 0, 18, SCHED_DONE, 0};
	q[1] = (sched_query){1000000, 6000000, 1000000, 8000000, 1, 1, 0, 19, SCHED_DONE, 0};
	q[2] = (sched_query){2000000, 7000000, -1, -1, 1, 1, 0, 0, SCHED_DROPPED, 0};
	q[3] = (sched_query){3000000, 13000000, 8000000, 12000000, 0, 1, 0, 18, SCHED_DONE, 0};
	metrics s;
	CHECK_INT(metrics_compute(q, 4, svc, &s), 0);
	CHECK_INT(s.completed, 3);
	CHECK_INT(s.dropped, 1);
	CHECK_INT(s.violated, 2);
	CHECK_NEAR(s.violation_ratio, 0.5, 1e-12);
	CHECK_NEAR(s.p50_ms, 7.0, 1e-9);
	CHECK_NEAR(s.p99_ms, 9.0, 1e-9);
	CHECK_NEAR(s.mean_ms, 20.0 / 3, 1e-9);
	CHECK_NEAR(s.duration_ms, 12.0, 1e-9);
	CHECK_NEAR(s.throughput_qps, 2 / 0.012, 1e-6);
	CHECK_NEAR(s.p90_ms, 9.0, 1e-9);
	CHECK_NEAR(s.p95_ms, 9.0, 1e-9);
	CHECK_NEAR(s.p999_ms, 9.0, 1e-9);
	/* per service: 0 has the two in time, 1 the late one and the drop */
	CHECK_INT(metrics_compute_service(q, 4, svc, 0, &s), 0);
	CHECK_INT(s.completed, 2);
	CHECK_INT(s.dropped, 0);
	CHECK_INT(s.violated, 0);
	CHECK_NEAR(s.p50_ms, 4.0, 1e-9);
	CHECK_NEAR(s.p90_ms, 9.0, 1e-9);
	CHECK_NEAR(s.duration_ms, 12.0, 1e-9);
	CHECK_NEAR(s.throughput_qps, 2 / 0.012, 1e-6);
	CHECK_INT(metrics_compute_service(q, 4, svc, 1, &s), 0);
	CHECK_INT(s.completed, 1);
	CHECK_INT(s.dropped, 1);
	CHECK_INT(s.violated, 2);
	CHECK_NEAR(s.violation_ratio, 1.0, 0);
	CHECK_NEAR(s.p50_ms, 7.0, 1e-9);
	CHECK_NEAR(s.p999_ms, 7.0, 1e-9);
	CHECK_NEAR(s.duration_ms, 7.0, 1e-9); /* arrival at 1 ms to the end at 8 */
	CHECK_NEAR(s.throughput_qps, 0.0, 0);
	/* a service with no queries at all */
	CHECK_INT(metrics_compute_service(q, 4, svc, 5, &s), 0);
	CHECK_INT(s.completed + s.dropped, 0);
	CHECK(isnan(s.p99_ms));
	/* nearest rank on 1..1000 ms: p90 is the 900th, p99.9 the 999th */
	{
		enum { N = 1000 };
		sched_query *many = calloc(N, sizeof *many);
		CHECK(many != NULL);
		if (!many)
			return check_report("test_metrics");
		for (int i = 0; i < N; i++)
			many[i] = (sched_query){
			    0, 0, 0, (int64_t)(N - i) * 1000000, 0, 1, 0, 18, SCHED_DONE, 0};
		CHECK_INT(metrics_compute(many, N, svc, &s), 0);
		CHECK_NEAR(s.p50_ms, 500.0, 1e-9);
		CHECK_NEAR(s.p90_ms, 900.0, 1e-9);
		CHECK_NEAR(s.p95_ms, 950.0, 1e-9);
		CHECK_NEAR(s.p99_ms, 990.0, 1e-9);
		CHECK_NEAR(s.p999_ms, 999.0, 1e-9);
		free(many);
	}
	/* nothing completed: no latency to report, not a latency of 0 */
	CHECK_INT(metrics_compute(&q[2], 1, svc, &s), 0);
	CHECK_INT(s.completed, 0);
	CHECK(isnan(s.p50_ms) && isnan(s.p99_ms) && isnan(s.mean_ms));
	CHECK(isnan(s.p90_ms) && isnan(s.p95_ms) && isnan(s.p999_ms));
	CHECK_NEAR(s.violation_ratio, 1.0, 0);
	return check_report("test_metrics");
}
