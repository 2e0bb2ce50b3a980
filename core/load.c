/* load.c: the arrival generators behind load.h (poisson, trace, rates).
 *
 * Every generator keeps its clock as double seconds and converts to int64
 * nanoseconds only when it emits an arrival: summing rounded nanosecond gaps
 * would drift by up to half a nanosecond per arrival, which over a long run
 * is a visible bias in the rate.
 *
 * Poisson and rates generators are a set of "processes": each has its own
 * rng stream, its own rate and the services it picks from uniformly. With a
 * single shared process (the common case) next() is a few rng draws and no
 * branching on the heap; with several, a min-heap (heap.h) of processes keyed
 * by (next time, process index) merges them, so any number of services
 * works and ties break the same way on every run.
 *
 * The trace and rates files are read with csv.h, as every data file is:
 * columns by their header names, rows one at a time (a trace may be longer
 * than memory).
 */
#include "load.h"
#include "buf.h"
#include "csv.h"
#include "heap.h"
#include "text.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- services ----------------------------------------------------------- */

/* The constructors copy the services (lists and names included) so that a
 * caller may build them on the stack or free them right after. */
typedef struct svcset {
	load_service *svc;
	int n;
	int *ints;   /* every batch and seq list, back to back */
	char *names; /* every model name, NUL-terminated, back to back */
} svcset;

static void svcset_free(svcset *s)
{
	free(s->svc);
	free(s->ints);
	free(s->names);
	memset(s, 0, sizeof *s);
}

static const char *svc_name(const load_service *s)
{
	return s->model ? s->model : "(unnamed)";
}

static int check_list(const int *v, int n, const char *what, const char *field, int i,
                      const load_service *s, char *err, size_t errlen)
{
	if (n < 0) {
		text_fail(err, errlen, "service %d (%s): %s is negative (%d)", i, svc_name(s),
		          field, n);
		return -1;
	}
	if (n > 0 && !v) {
		text_fail(err, errlen, "service %d (%s): %s is %d but the %s list is NULL", i,
		          svc_name(s), field, n, what);
		return -1;
	}
	for (int k = 0; k < n; k++) {
		if (v[k] <= 0) {
			text_fail(err, errlen, "service %d (%s): %s %d is not positive", i,
			          svc_name(s), what, v[k]);
			return -1;
		}
	}
	return 0;
}

static int svcset_copy(svcset *out, const load_service *svc, int n, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!svc || n <= 0) {
		text_fail(err, errlen, "no services (n is %d)", n);
		return -1;
	}
	size_t n_ints = 0, n_chars = 0;
	for (int i = 0; i < n; i++) {
		const load_service *s = &svc[i];
		if (s->n_batches <= 0) {
			text_fail(err, errlen, "service %d (%s): no batch sizes (n_batches is %d)",
			          i, svc_name(s), s->n_batches);
			return -1;
		}
		if (check_list(s->batches, s->n_batches, "batch", "n_batches", i, s, err, errlen) ||
		    check_list(s->seqs, s->n_seqs, "seq", "n_seqs", i, s, err, errlen))
			return -1;
		if (!(s->qps >= 0) || isinf(s->qps)) {
			text_fail(err, errlen,
			          "service %d (%s): qps must be a non-negative number, got %g", i,
			          svc_name(s), s->qps);
			return -1;
		}
		n_ints += (size_t)s->n_batches + (size_t)s->n_seqs;
		n_chars += (s->model ? strlen(s->model) : 0) + 1;
	}
	out->svc = malloc((size_t)n * sizeof *out->svc);
	out->ints = malloc(n_ints * sizeof *out->ints);
	out->names = malloc(n_chars);
	if (!out->svc || !out->ints || !out->names) {
		svcset_free(out);
		text_fail(err, errlen, "out of memory copying %d services", n);
		return -1;
	}
	int *ip = out->ints;
	char *cp = out->names;
	for (int i = 0; i < n; i++) {
		load_service *d = &out->svc[i];
		*d = svc[i];
		memcpy(ip, svc[i].batches, (size_t)d->n_batches * sizeof *ip);
		d->batches = ip;
		ip += d->n_batches;
		if (d->n_seqs > 0) {
			memcpy(ip, svc[i].seqs, (size_t)d->n_seqs * sizeof *ip);
			d->seqs = ip;
			ip += d->n_seqs;
		} else {
			d->seqs = NULL;
			d->n_seqs = 0;
		}
		if (svc[i].model) {
			size_t len = strlen(svc[i].model) + 1;
			memcpy(cp, svc[i].model, len);
			d->model = cp;
			cp += len;
		} else {
			d->model = NULL;
		}
	}
	out->n = n;
	return 0;
}

/* "resnet50, bert, vgg16" for messages that must say what was expected. */
static void svcset_names(const svcset *s, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < s->n && used + 1 < len; i++) {
		int w =
		    snprintf(buf + used, len - used, "%s%s", i ? ", " : "", svc_name(&s->svc[i]));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* An arrival at t seconds past LOAD_MAX_MS fails the load (load.h). */
static int past_horizon(load *l, double t)
{
	if (t * 1e3 <= LOAD_MAX_MS)
		return 0;
	text_fail(l->err, sizeof l->err,
	          "the %s load's next arrival is at %.3g ms, past the %.0f ms a run's clock "
	          "holds: the rate is too low or the time scale too small",
	          l->iface->kind, t * 1e3, LOAD_MAX_MS);
	return 1;
}

static int64_t sec_to_ns(double t)
{
	/* t >= 0 always, so adding a half rounds to nearest. */
	return (int64_t)(t * 1e9 + 0.5);
}

/* ---- processes (poisson, rates) ----------------------------------------- */

typedef struct proc {
	rng r;
	double rate;    /* arrivals per second; 0 = none (rates' idle minutes) */
	double t;       /* time of this process's next arrival, seconds */
	const int *who; /* services it picks from uniformly */
	int n_who;
} proc;

static void draw_query(proc *p, const load_service *svc, load_arrival *out)
{
	int s = p->n_who == 1 ? p->who[0] : p->who[rng_below(&p->r, (uint32_t)p->n_who)];
	const load_service *d = &svc[s];
	out->service = s;
	out->batch = d->n_batches == 1 ? d->batches[0]
	                               : d->batches[rng_below(&p->r, (uint32_t)d->n_batches)];
	out->seq = d->n_seqs == 0 ? 0 : d->seqs[rng_below(&p->r, (uint32_t)d->n_seqs)];
}

/* ---- poisson ------------------------------------------------------------ */

typedef struct poisson {
	load base;
	svcset s;
	proc *procs;
	int *heap; /* process indices; heap[0] has the earliest next time */
	int n_procs;
	int *who; /* backing store for every process's `who` */
	int64_t left;
} poisson;

/* Process a's next arrival before process b's: by time, ties to the
 * lower index. */
static int proc_before(const void *x, const void *y, const void *ctx)
{
	const proc *ps = ctx;
	int a = *(const int *)x, b = *(const int *)y;
	return ps[a].t < ps[b].t || (ps[a].t == ps[b].t && a < b);
}

static void procs_down(poisson *p, int i)
{
	heap_down(p->heap, sizeof *p->heap, (size_t)p->n_procs, (size_t)i, proc_before, p->procs);
}

static int poisson_next(load *l, load_arrival *out)
{
	poisson *p = (poisson *)l;
	if (p->left <= 0)
		return 0;
	p->left--;
	proc *pr = &p->procs[p->heap[0]];
	if (past_horizon(l, pr->t))
		return -1;
	out->t = sec_to_ns(pr->t);
	draw_query(pr, p->s.svc, out);
	pr->t += rng_exp(&pr->r, pr->rate);
	if (p->n_procs > 1)
		procs_down(p, 0);
	return 1;
}

static void poisson_free(load *l)
{
	poisson *p = (poisson *)l;
	svcset_free(&p->s);
	free(p->procs);
	free(p->heap);
	free(p->who);
	free(p);
}

static const load_iface poisson_iface = {
    .kind = "poisson",
    .next = poisson_next,
    .free = poisson_free,
};

load *load_poisson_new(const load_service *svc, int n, double qps, int64_t limit, uint64_t seed,
                       char *err, size_t errlen)
{
	if (limit <= 0) {
		text_fail(err, errlen, "limit must be positive for a poisson load, got %lld",
		          (long long)limit);
		return NULL;
	}
	poisson *p = calloc(1, sizeof *p);
	if (!p) {
		text_fail(err, errlen, "out of memory");
		return NULL;
	}
	p->base.iface = &poisson_iface;
	p->left = limit;
	if (svcset_copy(&p->s, svc, n, err, errlen)) {
		free(p);
		return NULL;
	}
	/* Services with their own rate get a process each; the rest share one
	 * process at the total rate (which is then required). */
	int n_shared = 0;
	for (int i = 0; i < n; i++)
		n_shared += p->s.svc[i].qps == 0;
	if (n_shared > 0 && !(qps > 0 && isfinite(qps))) {
		text_fail(err, errlen, "qps must be a positive number, got %g", qps);
		poisson_free(&p->base);
		return NULL;
	}
	int n_procs = (n - n_shared) + (n_shared > 0);
	p->procs = calloc((size_t)n_procs, sizeof *p->procs);
	p->heap = malloc((size_t)n_procs * sizeof *p->heap);
	p->who = malloc((size_t)n * sizeof *p->who);
	if (!p->procs || !p->heap || !p->who) {
		text_fail(err, errlen, "out of memory for %d arrival processes", n_procs);
		poisson_free(&p->base);
		return NULL;
	}
	rng root;
	rng_seed(&root, seed);
	int k = 0, w = 0;
	if (n_shared > 0) {
		proc *pr = &p->procs[k++];
		pr->who = &p->who[w];
		for (int i = 0; i < n; i++)
			if (p->s.svc[i].qps == 0)
				p->who[w++] = i;
		pr->n_who = n_shared;
		pr->rate = qps;
	}
	for (int i = 0; i < n; i++) {
		if (p->s.svc[i].qps == 0)
			continue;
		proc *pr = &p->procs[k++];
		p->who[w] = i;
		pr->who = &p->who[w++];
		pr->n_who = 1;
		pr->rate = p->s.svc[i].qps;
	}
	p->n_procs = n_procs;
	for (int i = 0; i < n_procs; i++) {
		p->procs[i].r = rng_split(&root);
		p->procs[i].t = rng_exp(&p->procs[i].r, p->procs[i].rate);
		p->heap[i] = i;
	}
	for (int i = (n_procs - 2) / HEAP_D; i >= 0; i--)
		procs_down(p, i);
	return &p->base;
}

/* ---- fields ------------------------------------------------------------ */

static int parse_positive_int(const char *s, int *out)
{
	long v;
	if (csv_long(s, &v) || v <= 0 || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

/* ---- trace -------------------------------------------------------------- */

enum { TR_TIME, TR_MODEL, TR_BATCH, TR_SEQ, TR_NCOL };

static const csv_col trace_cols[TR_NCOL] = {
    {.name = "time_ms", .required = 1},
    {.name = "model", .required = 1},
    {.name = "batch", .required = 1},
    {.name = "seq", .required = 0},
};

typedef struct trace {
	load base;
	svcset s;
	csv c;
	int strict;
	int failed; /* a row was bad: stay failed rather than skip it */
	double last_ms;
	long last_line;
	int64_t left; /* < 0: no limit */
} trace;

static int in_list(int v, const int *list, int n)
{
	for (int i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

/* n >= 1: the service's lists are never empty where these are asked */
static int max_of(const int *v, int n)
{
	int m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static int min_of(const int *v, int n)
{
	int m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static void list_str(const int *v, int n, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && used + 1 < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%d", i ? ", " : "", v[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int trace_service(trace *t, const char *m, int col, int *out)
{
	for (int i = 0; i < t->s.n; i++) {
		if (t->s.svc[i].model && strcmp(t->s.svc[i].model, m) == 0) {
			*out = i;
			return 0;
		}
	}
	char names[256];
	svcset_names(&t->s, names, sizeof names);
	long idx;
	if (m[0] >= '0' && m[0] <= '9' && csv_long(m, &idx) == 0) {
		if (idx < t->s.n) {
			*out = (int)idx;
			return 0;
		}
		text_fail(t->base.err, sizeof t->base.err,
		          "%s:%ld:%d: service index %ld is out of range (%d services: %s)",
		          t->c.path, t->c.lineno, col, idx, t->s.n, names);
		return -1;
	}
	text_fail(t->base.err, sizeof t->base.err,
	          "%s:%ld:%d: unknown model '%s' (services: %s; or a 0-based service index)",
	          t->c.path, t->c.lineno, col, m, names);
	return -1;
}

static int trace_row(trace *t, load_arrival *out)
{
	csv *c = &t->c;
	char *err = t->base.err;
	size_t errlen = sizeof t->base.err;
	const char *f[TR_NCOL];
	for (int k = 0; k < TR_NCOL; k++)
		f[k] = csv_get(c, k);
	int col_time = csv_colno(c, TR_TIME), col_batch = csv_colno(c, TR_BATCH);
	double ms;
	if (csv_double(f[TR_TIME], &ms)) {
		text_fail(err, errlen, "%s:%ld:%d: time '%s' is not a number", c->path, c->lineno,
		          col_time, f[TR_TIME]);
		return -1;
	}
	if (ms < 0) {
		text_fail(err, errlen, "%s:%ld:%d: time %s ms is negative", c->path, c->lineno,
		          col_time, f[TR_TIME]);
		return -1;
	}
	if (ms > LOAD_MAX_MS) {
		text_fail(err, errlen,
		          "%s:%ld:%d: time %s ms is past the %.0f ms a run's clock holds", c->path,
		          c->lineno, col_time, f[TR_TIME], LOAD_MAX_MS);
		return -1;
	}
	if (ms < t->last_ms) {
		text_fail(
		    err, errlen,
		    "%s:%ld:%d: time %s ms goes backwards (line %ld was at %g ms; rows must be "
		    "in time order)",
		    c->path, c->lineno, col_time, f[TR_TIME], t->last_line, t->last_ms);
		return -1;
	}
	int svc;
	if (trace_service(t, f[TR_MODEL], csv_colno(c, TR_MODEL), &svc))
		return -1;
	const load_service *d = &t->s.svc[svc];
	char list[128];
	int batch;
	if (parse_positive_int(f[TR_BATCH], &batch)) {
		text_fail(err, errlen, "%s:%ld:%d: batch '%s' is not a positive integer", c->path,
		          c->lineno, col_batch, f[TR_BATCH]);
		return -1;
	}
	if (t->strict && !in_list(batch, d->batches, d->n_batches)) {
		list_str(d->batches, d->n_batches, list, sizeof list);
		text_fail(err, errlen, "%s:%ld:%d: batch %d is not one %s allows (%s)", c->path,
		          c->lineno, col_batch, batch, svc_name(d), list);
		return -1;
	}
	int most = max_of(d->batches, d->n_batches);
	if (batch > most) {
		text_fail(err, errlen, "%s:%ld:%d: batch %d is over %s's largest batch, %d",
		          c->path, c->lineno, col_batch, batch, svc_name(d), most);
		return -1;
	}
	int seq = 0;
	int col_seq = csv_colno(c, TR_SEQ);
	if (f[TR_SEQ] && d->n_seqs == 0) {
		text_fail(err, errlen, "%s:%ld:%d: seq given for %s, which has no sequence length",
		          c->path, c->lineno, col_seq, svc_name(d));
		return -1;
	}
	if (d->n_seqs > 0) {
		if (!f[TR_SEQ]) {
			text_fail(err, errlen,
			          "%s:%ld:%d: missing field 'seq' (%s takes a sequence length)",
			          c->path, c->lineno, col_seq, svc_name(d));
			return -1;
		}
		if (parse_positive_int(f[TR_SEQ], &seq)) {
			text_fail(err, errlen, "%s:%ld:%d: seq '%s' is not a positive integer",
			          c->path, c->lineno, col_seq, f[TR_SEQ]);
			return -1;
		}
		if (t->strict && !in_list(seq, d->seqs, d->n_seqs)) {
			list_str(d->seqs, d->n_seqs, list, sizeof list);
			text_fail(err, errlen, "%s:%ld:%d: seq %d is not one %s allows (%s)",
			          c->path, c->lineno, col_seq, seq, svc_name(d), list);
			return -1;
		}
		int lo = min_of(d->seqs, d->n_seqs), hi = max_of(d->seqs, d->n_seqs);
		if (seq < lo || seq > hi) {
			text_fail(err, errlen,
			          "%s:%ld:%d: seq %d is outside %s's sequence lengths, %d to %d",
			          c->path, c->lineno, col_seq, seq, svc_name(d), lo, hi);
			return -1;
		}
	}
	t->last_ms = ms;
	t->last_line = c->lineno;
	/* ms >= 0, so adding a half rounds to nearest. */
	out->t = (int64_t)(ms * 1e6 + 0.5);
	out->service = svc;
	out->batch = batch;
	out->seq = seq;
	return 0;
}

static int trace_next(load *l, load_arrival *out)
{
	trace *t = (trace *)l;
	if (t->failed)
		return -1;
	if (t->left == 0)
		return 0;
	int r = csv_next(&t->c, t->base.err, sizeof t->base.err);
	if (r == 0)
		return 0;
	if (r < 0 || trace_row(t, out)) {
		t->failed = 1;
		return -1;
	}
	if (t->left > 0)
		t->left--;
	return 1;
}

static void trace_free(load *l)
{
	trace *t = (trace *)l;
	csv_close(&t->c);
	svcset_free(&t->s);
	free(t);
}

static const load_iface trace_iface = {
    .kind = "trace",
    .next = trace_next,
    .free = trace_free,
};

static load *trace_new(const char *path, const load_service *svc, int n, int64_t limit, int strict,
                       char *err, size_t errlen)
{
	if (limit < 0) {
		text_fail(err, errlen, "limit must be 0 (every row) or positive, got %lld",
		          (long long)limit);
		return NULL;
	}
	trace *t = calloc(1, sizeof *t);
	if (!t) {
		text_fail(err, errlen, "out of memory");
		return NULL;
	}
	t->base.iface = &trace_iface;
	t->strict = strict;
	t->left = limit > 0 ? limit : -1;
	if (svcset_copy(&t->s, svc, n, err, errlen)) {
		free(t);
		return NULL;
	}
	if (csv_open(&t->c, path, trace_cols, TR_NCOL, err, errlen)) {
		trace_free(&t->base);
		return NULL;
	}
	return &t->base;
}

load *load_trace_new(const char *path, const load_service *svc, int n, int64_t limit, char *err,
                     size_t errlen)
{
	return trace_new(path, svc, n, limit, 0, err, errlen);
}

load *load_trace_strict_new(const char *path, const load_service *svc, int n, int64_t limit,
                            char *err, size_t errlen)
{
	return trace_new(path, svc, n, limit, 1, err, errlen);
}

/* ---- rates -------------------------------------------------------------- */

typedef struct rates {
	load base;
	svcset s;
	proc p;
	int *who;
	double *qps; /* per minute, already multiplied by qps_scale */
	int n_min;
	int minute;     /* the minute p.t lies in */
	double min_sec; /* run seconds per minute of the file */
	int64_t left;   /* < 0: no limit */
} rates;

/* Moves p.t to the next arrival at or after its current value, crossing
 * minute boundaries as needed. The exponential is memoryless, so dropping
 * a gap that crosses a boundary and drawing afresh from the boundary with
 * the new minute's rate gives the right piecewise-constant process. */
static void rates_advance(rates *r)
{
	while (r->minute < r->n_min) {
		double end = (double)(r->minute + 1) * r->min_sec;
		double rate = r->qps[r->minute];
		if (rate > 0) {
			double t = r->p.t + rng_exp(&r->p.r, rate);
			if (t < end) {
				r->p.t = t;
				return;
			}
		}
		r->p.t = end;
		r->minute++;
	}
}

static int rates_next(load *l, load_arrival *out)
{
	rates *r = (rates *)l;
	if (r->left == 0 || r->minute >= r->n_min)
		return 0;
	if (past_horizon(l, r->p.t))
		return -1;
	out->t = sec_to_ns(r->p.t);
	draw_query(&r->p, r->s.svc, out);
	if (r->left > 0)
		r->left--;
	rates_advance(r);
	return 1;
}

static void rates_free(load *l)
{
	rates *r = (rates *)l;
	svcset_free(&r->s);
	free(r->who);
	free(r->qps);
	free(r);
}

static const load_iface rates_iface = {
    .kind = "rates",
    .next = rates_next,
    .free = rates_free,
};

enum { RT_MINUTE, RT_QPS, RT_NCOL };

static const csv_col rates_cols[RT_NCOL] = {
    {.name = "minute", .required = 1},
    {.name = "qps", .required = 1},
};

/* Reads the whole rate file up front: it is small (a row per minute) and a
 * bad row should fail the constructor, not a run halfway through. */
static int rates_read(rates *r, const char *path, double qps_scale, char *err, size_t errlen)
{
	csv c;
	if (csv_open(&c, path, rates_cols, RT_NCOL, err, errlen))
		return -1;
	size_t cap = 0;
	int row;
	while ((row = csv_next(&c, err, errlen)) == 1) {
		const char *fm = csv_get(&c, RT_MINUTE), *fq = csv_get(&c, RT_QPS);
		long m;
		if (csv_long(fm, &m) || m < 0) {
			text_fail(err, errlen,
			          "%s:%ld:%d: minute '%s' is not a non-negative integer", c.path,
			          c.lineno, csv_colno(&c, RT_MINUTE), fm);
			goto fail;
		}
		if (m != r->n_min) {
			text_fail(err, errlen,
			          "%s:%ld:%d: minute %ld where %d was expected (minutes go up by 1 "
			          "from 0)",
			          c.path, c.lineno, csv_colno(&c, RT_MINUTE), m, r->n_min);
			goto fail;
		}
		double q;
		if (csv_double(fq, &q) || q < 0) {
			text_fail(err, errlen, "%s:%ld:%d: qps '%s' is not a non-negative number",
			          c.path, c.lineno, csv_colno(&c, RT_QPS), fq);
			goto fail;
		}
		if (buf_grow(&r->qps, &cap, (size_t)r->n_min + 1, sizeof *r->qps)) {
			text_fail(err, errlen, "out of memory reading %s", c.path);
			goto fail;
		}
		r->qps[r->n_min++] = q * qps_scale;
	}
	if (row < 0)
		goto fail;
	if (r->n_min == 0) {
		text_fail(err, errlen, "%s:%ld:1: no minutes after the header", c.path,
		          c.lineno + 1);
		goto fail;
	}
	csv_close(&c);
	return 0;
fail:
	csv_close(&c);
	return -1;
}

load *load_rates_new(const char *path, const load_service *svc, int n, double time_scale,
                     double qps_scale, int64_t limit, uint64_t seed, char *err, size_t errlen)
{
	return load_rates_capped(path, svc, n, time_scale, qps_scale, limit, 0, seed, err, errlen);
}

load *load_rates_capped(const char *path, const load_service *svc, int n, double time_scale,
                        double qps_scale, int64_t limit, int64_t cap, uint64_t seed, char *err,
                        size_t errlen)
{
	if (!(time_scale > 0) || isinf(time_scale)) {
		text_fail(err, errlen, "time_scale must be a positive number, got %g", time_scale);
		return NULL;
	}
	if (!(qps_scale > 0) || isinf(qps_scale)) {
		text_fail(err, errlen, "qps_scale must be a positive number, got %g", qps_scale);
		return NULL;
	}
	if (limit < 0) {
		text_fail(err, errlen,
		          "limit must be 0 (until the last minute) or positive, got %lld",
		          (long long)limit);
		return NULL;
	}
	rates *r = calloc(1, sizeof *r);
	if (!r) {
		text_fail(err, errlen, "out of memory");
		return NULL;
	}
	r->base.iface = &rates_iface;
	r->left = limit > 0 ? limit : -1;
	r->min_sec = 60.0 / time_scale;
	if (svcset_copy(&r->s, svc, n, err, errlen)) {
		free(r);
		return NULL;
	}
	r->who = malloc((size_t)n * sizeof *r->who);
	if (!r->who) {
		text_fail(err, errlen, "out of memory");
		rates_free(&r->base);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		r->who[i] = i;
	if (rates_read(r, path, qps_scale, err, errlen)) {
		rates_free(&r->base);
		return NULL;
	}
	/* refused up front rather than after millions of queries */
	double expect = 0;
	for (int m = 0; m < r->n_min; m++)
		expect += r->qps[m] * r->min_sec;
	int64_t most = cap > 0 ? cap : LOAD_MAX_QUERIES;
	if (limit == 0 && expect > (double)most) {
		text_fail(
		    err, errlen,
		    "%s at qps_scale %g makes about %.3g queries, more than the %lld a run holds: "
		    "lower qps_scale or set queries",
		    path, qps_scale, expect, (long long)most);
		rates_free(&r->base);
		return NULL;
	}
	rng root;
	rng_seed(&root, seed);
	r->p.r = rng_split(&root);
	r->p.who = r->who;
	r->p.n_who = n;
	r->p.t = 0;
	r->minute = 0;
	rates_advance(r);
	return &r->base;
}

/* ---- the interface ------------------------------------------------------ */

int load_next(load *l, load_arrival *out)
{
	int rc = l->iface->next(l, out);
	int64_t most = l->cap > 0 ? l->cap : LOAD_MAX_QUERIES;
	if (rc == 1 && ++l->given > most) {
		text_fail(l->err, sizeof l->err,
		          "the %s load gives more than the %lld queries a run holds: set queries, or "
		          "replay a shorter part",
		          l->iface->kind, (long long)most);
		return -1;
	}
	return rc;
}

const char *load_errmsg(const load *l)
{
	if (!l)
		return "no load";
	return l->err[0] ? l->err : "no error";
}

void load_free(load *l)
{
	if (l)
		l->iface->free(l);
}
