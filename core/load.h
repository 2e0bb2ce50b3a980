/* load.h: where queries come from.
 *
 * A load is an open-loop stream of arrivals in time order, read one at a
 * time (a million-query run never holds them all). Kinds, each a
 * constructor behind the same interface:
 *
 *  - poisson: one Poisson process at `qps` over all services, each arrival
 *    picking a service uniformly; or, when every service has its own rate,
 *    one process per service merged in time order.
 *  - trace:   a CSV of arrivals, header required, columns
 *             time_ms,model,batch[,seq]  (`model` may be a model name or a
 *             0-based service index; rows must be in time order).
 *  - rates:   a per-minute rate file (header `minute,qps`, as
 *             cluster-load-per-minute.csv): a Poisson process whose rate is
 *             constant within each minute; time_scale = 60 plays a minute of
 *             the file in one second, qps_scale multiplies every rate.
 *
 * Batch and sequence length are drawn uniformly from the service's lists
 * (poisson, rates), or taken from the trace row: with `strict` it must be
 * one of the service's; otherwise any batch from 1 to the service's
 * largest, and any seq from its smallest to its largest, is taken (what
 * the service's executors are sized for, and within the model's range,
 * since the service's lists are checked against the zoo).
 *
 * Errors are reported with the file, line and column: "x.csv:7:3: batch
 * 'abc' is not a positive integer".
 *
 * Kinds. A load_kind names one of these, declares the run fields it reads
 * (kind.h) and checks and opens it from a load_params; load_kinds.c holds
 * the table a run's `load.kind` is looked up in.
 *
 * Limits, so that a run's clock and memory stay sound whatever the input:
 * no arrival later than LOAD_MAX_MS after the start (times are int64_t
 * nanoseconds, and deadlines add a QoS target to them), and no more than
 * LOAD_MAX_QUERIES arrivals from one load (a run keeps every query it was
 * given, about 50 bytes each, until it stores them). Passing either is an
 * error, not a clamp.
 *
 * More precisely:
 *  - The constructors copy `svc` (lists and names included); the caller's
 *    arrays need not outlive the load.
 *  - poisson with some services at qps > 0 and others at 0: each service
 *    with a rate is its own process, and those at 0 share one process at
 *    the total `qps`, picking among themselves uniformly. Each process has
 *    its own rng stream split from `seed`.
 *  - CSV files: header row first; columns in any order, mapped by name;
 *    fields split on commas (no quoting) with whitespace trimmed; blank
 *    lines and lines starting with '#' skipped. An empty field counts as
 *    missing. Column numbers in messages are 1-based field numbers.
 *  - trace: `time_ms` is absolute (ms since the run start, >= 0, never
 *    going backwards); `model` matches the first service with that model
 *    name, else is read as a 0-based index; `seq` is required for a service
 *    with seqs and refused for one without. Rows are read as next() asks,
 *    so a bad row fails next() (-1, message in l->err) and every later call.
 *  - rates: minutes must be 0, 1, 2, ... in order; qps >= 0; the file is
 *    read and checked by the constructor. Arrivals pick a service uniformly
 *    over all services (per-service qps is not used).
 */
#ifndef ABACUS_LOAD_H
#define ABACUS_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "kind.h"
#include "rng.h"

#define LOAD_MAX_MS 1e12 /* about 31.7 years */
#define LOAD_MAX_QUERIES 50000000
/* The most arrivals of a streaming run (stream.h), which keeps only the
 * queries in flight: a controller numbers its queries in 32 bits. */
#define LOAD_STREAM_MAX_QUERIES 4000000000LL

typedef struct load_service {
	const char *model; /* name, for matching trace rows */
	const int *batches;
	int n_batches;
	const int *seqs; /* NULL / 0 when the model has no sequence length */
	int n_seqs;
	double qps; /* per-service rate, poisson only; 0 = share the total */
} load_service;

typedef struct load_arrival {
	int64_t t; /* ns since the start of the run */
	int service;
	int batch, seq;
} load_arrival;

typedef struct load load;

typedef struct load_iface {
	const char *kind;
	/* 1: wrote the next arrival; 0: no more; -1: error (load_errmsg). */
	int (*next)(load *l, load_arrival *out);
	void (*free)(load *l);
} load_iface;

struct load {
	const load_iface *iface;
	char err[512];
	int64_t given; /* arrivals load_next has returned */
	int64_t cap;   /* the most it may return; 0: LOAD_MAX_QUERIES */
};

/* qps > 0 is the total rate over all services; it is ignored when every
 * service has qps > 0. limit: the number of arrivals (> 0). */
load *load_poisson_new(const load_service *svc, int n, double qps, int64_t limit, uint64_t seed,
                       char *err, size_t errlen);
/* limit 0: every row. */
load *load_trace_new(const char *path, const load_service *svc, int n, int64_t limit, char *err,
                     size_t errlen);
/* load_trace_new, but a row's batch (and seq) must be in its service's
 * lists ("strict" above). */
load *load_trace_strict_new(const char *path, const load_service *svc, int n, int64_t limit,
                            char *err, size_t errlen);
/* limit 0: until the file's last minute ends. time_scale > 0, qps_scale > 0. */
load *load_rates_new(const char *path, const load_service *svc, int n, double time_scale,
                     double qps_scale, int64_t limit, uint64_t seed, char *err, size_t errlen);
/* load_rates_new for a run that holds up to cap arrivals (load_params.cap;
 * 0: LOAD_MAX_QUERIES), a file that would give more refused up front. */
load *load_rates_capped(const char *path, const load_service *svc, int n, double time_scale,
                        double qps_scale, int64_t limit, int64_t cap, uint64_t seed, char *err,
                        size_t errlen);

/* What a load kind may read of a run. Fields the kind does not read hold
 * their defaults. */
typedef struct load_params {
	double qps;       /* total rate (poisson); per-service rates are in the services */
	const char *file; /* the CSV file a kind reads; NULL when not given */
	double time_scale, qps_scale;
	int64_t limit; /* the run's `queries` */
	int64_t cap;   /* the most arrivals the run holds; 0: LOAD_MAX_QUERIES */
	uint64_t seed;
	unsigned given; /* the KIND_* fields the scenario gave */
} load_params;

typedef struct load_kind {
	const char *name; /* what `load.kind` says */
	const char *what; /* one line for listings */
	unsigned reads;   /* KIND_* fields it reads ... */
	unsigned needs;   /* ... and those it cannot do without */
	/* The run's `queries` when the scenario gives none: a count of
	 * arrivals, or 0 (every arrival its file holds). */
	int64_t queries;
	/* Checks the values it reads before anything is built. */
	int (*check)(const load_params *p, const load_service *svc, int n, char *err, size_t errlen);
	load *(*open)(const load_params *p, const load_service *svc, int n, char *err,
	              size_t errlen);
} load_kind;

/* NULL-terminated: poisson (the default), trace, rates. */
extern const load_kind *const load_kinds[];
/* The kind called name, or NULL. */
const load_kind *load_kind_find(const char *name);
/* "poisson, trace, rates". */
void load_kind_names(char *buf, size_t len);

int load_next(load *l, load_arrival *out);
const char *load_errmsg(const load *l);
void load_free(load *l);

#endif
