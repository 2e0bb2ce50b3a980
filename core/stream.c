/* stream.c: the streaming figures of stream.h. */
#include "stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Buckets: v < 512 one each; then 256 an octave from 2^9 to 2^44. */
#define EXACT 512
#define SUB 256
#define TOP_OCTAVE 44
#define NB (EXACT + (TOP_OCTAVE - 9) * SUB)

typedef struct acc {
	int64_t completed, dropped, waiting, late, good;
	double sum; /* ns of the completed */
	int64_t first, last;
	/* NB buckets each; rel NULL for windows, both NULL for the run's
	 * (all): its histograms are the services' summed, bucket by bucket,
	 * when its figures are asked (counts add exactly), which spares two
	 * scattered increments a query */
	uint64_t *lat, *rel;
} acc;

struct stream {
	const sched_service *svc;
	int n_svc;
	int64_t width, t0, count;
	acc all, *per; /* per[n_svc] */
	acc *win;
	size_t n_win, cap_win;
};

static int bucket(int64_t v)
{
	if (v < EXACT)
		return v < 0 ? 0 : (int)v;
	if (v >= (int64_t)1 << TOP_OCTAVE)
		return NB - 1;
	int e = 63 - __builtin_clzll((unsigned long long)v);
	return EXACT + (e - 9) * SUB + (int)((v >> (e - 8)) & (SUB - 1));
}

/* The middle of bucket i. */
static int64_t bucket_mid(int i)
{
	if (i < EXACT)
		return i;
	int e = 9 + (i - EXACT) / SUB, sub = (i - EXACT) % SUB;
	int64_t lo = (int64_t)(SUB + sub) << (e - 8);
	return lo + ((int64_t)1 << (e - 8)) / 2;
}

/* hist: 0 none, 1 latency, 2 latency and latency / QoS */
static int acc_init(acc *a, int hist)
{
	memset(a, 0, sizeof *a);
	a->first = a->last = -1;
	a->lat = hist ? calloc(NB, sizeof *a->lat) : NULL;
	a->rel = hist > 1 ? calloc(NB, sizeof *a->rel) : NULL;
	return (hist && !a->lat) || (hist > 1 && !a->rel) ? -1 : 0;
}

static void acc_free(acc *a)
{
	free(a->lat);
	free(a->rel);
}

/* A query's latency bucket and its latency-over-QoS bucket, worked out
 * once for the accumulators it goes to. */
typedef struct qbuckets {
	int lat, rel;
} qbuckets;

static qbuckets query_buckets(const sched_query *q, int64_t qos)
{
	qbuckets b = {0, 0};
	if (q->state == SCHED_DONE) {
		int64_t l = q->end - q->arrival;
		b.lat = bucket(l);
		b.rel = bucket(qos > 0 ? (int64_t)((double)l / (double)qos * 1e9) : INT64_MAX);
	}
	return b;
}

static void acc_add(acc *a, const sched_query *q, int64_t qos, qbuckets b)
{
	if (a->first < 0 || q->arrival < a->first)
		a->first = q->arrival;
	if (q->arrival > a->last)
		a->last = q->arrival;
	if (q->state == SCHED_DONE) {
		int64_t l = q->end - q->arrival;
		a->completed++;
		a->sum += (double)l;
		if (a->lat)
			a->lat[b.lat]++;
		if (a->rel)
			a->rel[b.rel]++;
		if (q->end > a->last)
			a->last = q->end;
		if (l > qos)
			a->late++;
		else
			a->good++;
	} else if (q->state == SCHED_DROPPED) {
		a->dropped++;
	} else {
		a->waiting++;
	}
}

/* The value of nearest rank `rank` (1-based) in the histogram that is
 * the sum of h[0..n) (rel: their latency / QoS ones), bucket by bucket. */
static int64_t at_rank(const acc *h, int n, int rel, size_t rank)
{
	uint64_t seen = 0;
	for (int i = 0; i < NB; i++) {
		for (int k = 0; k < n; k++)
			seen += (rel ? h[k].rel : h[k].lat)[i];
		if (seen >= rank)
			return bucket_mid(i);
	}
	return bucket_mid(NB - 1);
}

/* The figures of a, its histograms those of parts[0..n_parts) summed
 * (a itself: parts = a, n_parts = 1). */
static void acc_metrics(const acc *a, const acc *parts, int n_parts, metrics *out)
{
	*out = (metrics){0};
	out->completed = a->completed;
	out->dropped = a->dropped;
	out->waiting = a->waiting;
	out->late = a->late;
	out->violated = a->late + a->dropped;
	out->mean_ms = out->p99_ms = out->p50_ms = NAN;
	out->p90_ms = out->p95_ms = out->p999_ms = out->p99_qos = NAN;
	size_t n = (size_t)a->completed;
	if (n) {
		if (parts[0].rel)
			out->p99_qos = (double)at_rank(parts, n_parts, 1, metrics_rank(n, 99.0)) / 1e9;
		out->mean_ms = a->sum / (double)n / 1e6;
		out->p99_ms = (double)at_rank(parts, n_parts, 0, metrics_rank(n, 99.0)) / 1e6;
		out->p50_ms = (double)at_rank(parts, n_parts, 0, metrics_rank(n, 50.0)) / 1e6;
		out->p90_ms = (double)at_rank(parts, n_parts, 0, metrics_rank_permille(n, 900)) / 1e6;
		out->p95_ms = (double)at_rank(parts, n_parts, 0, metrics_rank_permille(n, 950)) / 1e6;
		out->p999_ms = (double)at_rank(parts, n_parts, 0, metrics_rank_permille(n, 999)) / 1e6;
	}
	metrics_rates(out, a->first, a->last, a->good);
}

stream *stream_new(const sched_service *svc, int n_svc, int64_t width)
{
	stream *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->svc = svc;
	st->n_svc = n_svc;
	st->width = width;
	st->per = calloc((size_t)n_svc, sizeof *st->per);
	int bad = !st->per || acc_init(&st->all, 0);
	for (int i = 0; !bad && i < n_svc; i++)
		bad = acc_init(&st->per[i], 2);
	if (bad) {
		stream_free(st);
		return NULL;
	}
	return st;
}

void stream_free(stream *st)
{
	if (!st)
		return;
	acc_free(&st->all);
	for (int i = 0; st->per && i < st->n_svc; i++)
		acc_free(&st->per[i]);
	free(st->per);
	for (size_t k = 0; k < st->n_win; k++)
		acc_free(&st->win[k]);
	free(st->win);
	free(st);
}

void stream_set_t0(stream *st, int64_t t0)
{
	st->t0 = t0;
}

int stream_add(stream *st, const sched_query *q)
{
	int64_t qos = st->svc[q->service].qos;
	qbuckets b = query_buckets(q, qos);
	if (st->width > 0) {
		int64_t d = q->arrival - st->t0;
		size_t k = (size_t)((d > 0 ? d : 0) / st->width);
		if (k >= st->n_win) {
			if (buf_grow(&st->win, &st->cap_win, k + 1, sizeof *st->win))
				return -1;
			for (; st->n_win <= k; st->n_win++)
				if (acc_init(&st->win[st->n_win], 1)) {
					acc_free(&st->win[st->n_win]);
					return -1;
				}
		}
		acc_add(&st->win[k], q, qos, b);
	}
	acc_add(&st->all, q, qos, b);
	acc_add(&st->per[q->service], q, qos, b);
	st->count++;
	return 0;
}

int64_t stream_count(const stream *st)
{
	return st->count;
}

void stream_metrics(const stream *st, int service, metrics *out)
{
	if (service < 0)
		acc_metrics(&st->all, st->per, st->n_svc, out);
	else
		acc_metrics(&st->per[service], &st->per[service], 1, out);
}

int stream_windows(const stream *st, metrics **out, size_t *n_out)
{
	*out = calloc(st->n_win ? st->n_win : 1, sizeof **out);
	*n_out = 0;
	if (!*out)
		return -1;
	for (size_t k = 0; k < st->n_win; k++)
		acc_metrics(&st->win[k], &st->win[k], 1, &(*out)[k]);
	*n_out = st->n_win;
	return 0;
}
