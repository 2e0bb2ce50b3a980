/* metrics.h: what a run's queries add up to.
 *
 * Definitions (the same for every policy and device):
 *  - latency: end - arrival of a completed query;
 *  - p50, p90, p95, p99, p99.9: nearest-rank percentiles of the completed
 *    queries' latencies; mean likewise; all NaN when no query completed (a
 *    latency of 0 would read as a perfect run; the store keeps NULL);
 *  - violated: dropped, or completed later than arrival + QoS;
 *  - violation_ratio: violated / (completed + dropped);
 *  - duration: from the first arrival to the last event (the last end or
 *    the last arrival, whichever is later);
 *  - throughput_qps (goodput): completed within QoS per second of duration;
 *  - late: completed, but later than arrival + QoS (so violated = late +
 *    dropped);
 *  - p99_qos: nearest-rank p99 over the completed queries of latency / the
 *    query's QoS target: with one target for every service, p99 / QoS,
 *    the Abacus paper's tail measure (NaN when none completed).
 */
#ifndef ABACUS_METRICS_H
#define ABACUS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "sched.h"

typedef struct metrics {
	int64_t completed, dropped, violated, waiting, late;
	double p50_ms, p99_ms, mean_ms, violation_ratio, throughput_qps, duration_ms;
	double p90_ms, p95_ms, p999_ms;
	double p99_qos;
} metrics;

/* 0, or -1 when out of memory. */
int metrics_compute(const sched_query *q, size_t n, const sched_service *svc, metrics *out);
/* The same figures for the queries of one service (sched_query.service);
 * its duration runs from that service's first arrival to its last event. */
int metrics_compute_service(const sched_query *q, size_t n, const sched_service *svc,
                            int service, metrics *out);

/* The figures of each window of `width` ns of arrival time from t0, over
 * the queries that arrived in it (q in arrival order, as a run returns
 * them): *out[k] for arrivals in [t0 + k * width, t0 + (k + 1) * width),
 * up to the last arrival's window; owned by the caller (free). 0, or -1
 * out of memory. */
int metrics_windows(const sched_query *q, size_t n, const sched_service *svc, int64_t t0,
                    int64_t width, metrics **out, size_t *n_out);

/* The k-th smallest (0-based) of v[0..n), reordering v. n > 0. */
int64_t metrics_select(int64_t *v, size_t n, size_t k);
/* Nearest-rank percentile p in (0, 100] of v[0..n), reordering v. */
int64_t metrics_percentile(int64_t *v, size_t n, double p);
/* The nearest rank (1-based, 1 to n) of percentile p of n > 0 values, as
 * metrics_percentile takes it, and of pm thousandths (0 to 1000), as the
 * p90, p95 and p99.9 figures take it. */
size_t metrics_rank(size_t n, double p);
size_t metrics_rank_permille(size_t n, int64_t pm);
/* The figures out's counts give: violation_ratio from completed, dropped
 * and violated; duration_ms from the first arrival to the last event
 * (first < 0: none); throughput_qps from the `good` queries (on time). */
void metrics_rates(metrics *out, int64_t first, int64_t last, int64_t good);

#endif
