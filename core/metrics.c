/* metrics.c: percentiles by selection (linear time: a million latencies
 * need no sort). */
#include "metrics.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

int64_t metrics_select(int64_t *v, size_t n, size_t k)
{
	/* Wirth's selection: Hoare partitions around v[k], keeping the side
	 * that holds k. Signed indices: j may step below lo. */
	int64_t lo = 0, hi = (int64_t)n - 1, kk = (int64_t)k;
	while (lo < hi) {
		int64_t pivot = v[kk], i = lo, j = hi;
		do {
			while (v[i] < pivot)
				i++;
			while (pivot < v[j])
				j--;
			if (i <= j) {
				int64_t t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			lo = i;
		if (kk < i)
			hi = j;
	}
	return v[kk];
}

size_t metrics_rank(size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return rank;
}

int64_t metrics_percentile(int64_t *v, size_t n, double p)
{
	return metrics_select(v, n, metrics_rank(n, p) - 1);
}

/* In integers: 99.9 / 100 * 1000 is 999.0000000000001 in doubles, whose
 * ceiling is rank 1000, not 999. */
size_t metrics_rank_permille(size_t n, int64_t pm)
{
	size_t rank = (size_t)(((int64_t)n * pm + 999) / 1000);
	return rank < 1 ? 1 : rank;
}

static int64_t rank_permille(int64_t *v, size_t n, int64_t pm)
{
	return metrics_select(v, n, metrics_rank_permille(n, pm) - 1);
}

void metrics_rates(metrics *out, int64_t first, int64_t last, int64_t good)
{
	int64_t finished = out->completed + out->dropped;
	out->violation_ratio = finished ? (double)out->violated / (double)finished : 0.0;
	out->duration_ms = first >= 0 ? (double)(last - first) / 1e6 : 0.0;
	out->throughput_qps = out->duration_ms > 0 ? (double)good / (out->duration_ms / 1e3) : 0.0;
}

/* The figures of the queries of service `only`, or of all when only < 0. */
static int metrics_of(const sched_query *q, size_t n, const sched_service *svc, int only,
                      metrics *out)
{
	*out = (metrics){0};
	int64_t *lat = malloc((n ? n : 1) * sizeof *lat);
	/* latency / QoS in billionths: a late query's ratio of a million still
	 * fits */
	int64_t *rel = malloc((n ? n : 1) * sizeof *rel);
	if (!lat || !rel) {
		free(lat);
		free(rel);
		return -1;
	}
	size_t nl = 0;
	int64_t first = -1, last = -1, good = 0;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		const sched_query *x = &q[i];
		if (only >= 0 && x->service != only)
			continue;
		if (first < 0 || x->arrival < first)
			first = x->arrival;
		if (x->arrival > last)
			last = x->arrival;
		if (x->state == SCHED_DONE) {
			int64_t l = x->end - x->arrival;
			int64_t qos = svc[x->service].qos;
			rel[nl] = qos > 0 ? (int64_t)((double)l / (double)qos * 1e9) : INT64_MAX;
			lat[nl++] = l;
			sum += (double)l;
			out->completed++;
			if (x->end > last)
				last = x->end;
			if (l > qos) {
				out->violated++;
				out->late++;
			} else {
				good++;
			}
		} else if (x->state == SCHED_DROPPED) {
			out->dropped++;
			out->violated++;
		} else {
			out->waiting++;
		}
	}
	out->mean_ms = out->p99_ms = out->p50_ms = NAN;
	out->p90_ms = out->p95_ms = out->p999_ms = out->p99_qos = NAN;
	if (nl) {
		out->p99_qos = (double)metrics_percentile(rel, nl, 99.0) / 1e9;
		out->mean_ms = sum / (double)nl / 1e6;
		out->p99_ms = (double)metrics_percentile(lat, nl, 99.0) / 1e6;
		out->p50_ms = (double)metrics_percentile(lat, nl, 50.0) / 1e6;
		out->p90_ms = (double)rank_permille(lat, nl, 900) / 1e6;
		out->p95_ms = (double)rank_permille(lat, nl, 950) / 1e6;
		out->p999_ms = (double)rank_permille(lat, nl, 999) / 1e6;
	}
	metrics_rates(out, first, last, good);
	free(lat);
	free(rel);
	return 0;
}

int metrics_compute(const sched_query *q, size_t n, const sched_service *svc, metrics *out)
{
	return metrics_of(q, n, svc, -1, out);
}

int metrics_compute_service(const sched_query *q, size_t n, const sched_service *svc,
                            int service, metrics *out)
{
	return metrics_of(q, n, svc, service, out);
}

int metrics_windows(const sched_query *q, size_t n, const sched_service *svc, int64_t t0,
                    int64_t width, metrics **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (n == 0 || width <= 0)
		return 0;
	int64_t last = q[n - 1].arrival - t0;
	size_t nw = (size_t)((last > 0 ? last : 0) / width) + 1;
	metrics *w = calloc(nw, sizeof *w);
	if (!w)
		return -1;
	size_t lo = 0;
	for (size_t k = 0; k < nw; k++) {
		size_t hi = lo;
		int64_t end = t0 + (int64_t)(k + 1) * width;
		while (hi < n && q[hi].arrival < end) {
			assert(hi == 0 || q[hi].arrival >= q[hi - 1].arrival);
			hi++;
		}
		if (metrics_of(q + lo, hi - lo, svc, -1, &w[k])) {
			free(w);
			return -1;
		}
		lo = hi;
	}
	*out = w;
	*n_out = nw;
	return 0;
}
