/* stream.h: a run's figures gathered query by query, in memory that does
 * not grow with the number of queries.
 *
 * A run normally keeps every query until it ends and computes its
 * figures from them (metrics.h), exactly. A run of billions of queries
 * (a cluster of a thousand simulated GPUs over hours of load) cannot, so
 * with `stream = true` each query is added here as it completes or is
 * dropped and then forgotten. Counts, sums, the first arrival and the
 * last event are exact; percentiles come from log-linear histograms of
 * 256 buckets an octave, so a percentile is the midpoint of the bucket
 * holding the nearest-rank value: exact below 512 ns, else within 0.2% of
 * it. Latencies past 2^44 ns (4.9 hours) count in the last bucket.
 *
 * Memory: a histogram (74 KiB) per service for the latency and one for
 * latency / QoS (the run's are theirs summed), and one per window (a
 * minute of the load, per_minute) for the latency: flat in the number of
 * queries.
 */
#ifndef ABACUS_STREAM_H
#define ABACUS_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "sched.h"

typedef struct stream stream;

/* svc[0..n_svc): the run's services (their QoS targets). width: the
 * window of per-window figures in ns, 0 for none. NULL out of memory. */
stream *stream_new(const sched_service *svc, int n_svc, int64_t width);
void stream_free(stream *st);
/* The run's start (device time): windows count from it. */
void stream_set_t0(stream *st, int64_t t0);
/* A query that completed or was dropped (service: the run's index); a
 * waiting one counts as waiting. -1 out of memory (a new window). */
int stream_add(stream *st, const sched_query *q);
/* Queries added. */
int64_t stream_count(const stream *st);
/* The figures of metrics.h for all queries (service < 0) or one service,
 * percentiles as above. */
void stream_metrics(const stream *st, int service, metrics *out);
/* Each window's figures, as metrics_windows gives them: owned by the
 * caller (free). 0, or -1 out of memory. */
int stream_windows(const stream *st, metrics **out, size_t *n_out);

#endif
