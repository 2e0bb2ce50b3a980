/* prof.c: measured solo latencies with interpolation; the roofline where
 * asked for. */
#include "prof.h"
#include "buf.h"
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "data.h"

typedef struct prof_row {
	char model[ZOO_NAME_MAX];
	int op, batch, seq;
	double us;
	long line; /* in the file, for messages */
} prof_row;

struct prof {
	const gpu_spec *gpu;
	char path[1024];
	prof_row *rows;
	size_t n, cap;
	int sms; /* 0: the whole GPU; else a partition's (prof_new_partition) */
	/* Profiles measured inside partitions (prof_add_size), by SMs
	 * ascending; owned. */
	struct prof *sized[PROF_MAX_SIZES];
	int n_sized;
	char origin[96]; /* prof_origin */
};

static size_t find(const prof *p, const char *model, int op);

static int row_cmp(const void *a, const void *b)
{
	const prof_row *x = a, *y = b;
	int c = strcmp(x->model, y->model);
	if (c)
		return c;
	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->batch < y->batch ? -1 : x->batch > y->batch;
}

static int parse_int(const char *s, int *out)
{
	long v;
	if (csv_long(s, &v) || v < 0 || v > 1 << 24)
		return -1;
	*out = (int)v;
	return 0;
}

/* The longest latency a row may give, in us. Latencies become int64_t ns
 * and are summed over ops, batches and a run's queries; 1e15 us would take
 * a few groups past the clock. No op of a served model takes 100 s. */
#define PROF_MAX_US 1e8

enum { PC_MODEL, PC_OP, PC_BATCH, PC_SEQ, PC_MEDIAN, PC_P99, PC_NCOL };

static const csv_col prof_cols[PC_NCOL] = {
    {.name = "model", .required = 1},     {.name = "op", .required = 1},
    {.name = "batch", .required = 1},     {.name = "seq", .required = 1},
    {.name = "median_us", .required = 1}, {.name = "p99_us", .required = 0},
};

/* A latency column: 0, or -1 with the message in err. */
static int parse_us(const csv *c, int k, double *out, char *err, size_t errlen)
{
	const char *v = csv_get(c, k);
	if (csv_double(v, out) || !(*out > 0))
		return csv_fail(c, k, err, errlen, "bad value '%s'", v);
	if (*out > PROF_MAX_US)
		return csv_fail(c, k, err, errlen, "latency %s us is over %g us (100 s) for one op",
		                v, PROF_MAX_US);
	return 0;
}

/* One row into r: 0, or -1 with the message in err. */
static int parse_row(const csv *c, zoo_set *ms, prof_row *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	snprintf(r->model, sizeof r->model, "%s", csv_get(c, PC_MODEL));
	r->line = c->lineno;
	int k = parse_int(csv_get(c, PC_OP), &r->op)                         ? PC_OP
	        : parse_int(csv_get(c, PC_BATCH), &r->batch) || r->batch < 1 ? PC_BATCH
	        : parse_int(csv_get(c, PC_SEQ), &r->seq)                     ? PC_SEQ
	                                                                     : -1;
	if (k >= 0)
		return csv_fail(c, k, err, errlen, "bad value '%s'", csv_get(c, k));
	if (parse_us(c, PC_MEDIAN, &r->us, err, errlen))
		return -1;
	/* p99_us is not looked up, but a file that holds 1e300 there is not a
	 * measurement either */
	double p99;
	if (csv_get(c, PC_P99) && parse_us(c, PC_P99, &p99, err, errlen))
		return -1;
	/* A row the lookups would never find is a mistake in the file, not a
	 * model to estimate. */
	char zerr[256];
	const zoo_model *zm = zoo_set_get(ms, r->model, zerr, sizeof zerr);
	if (!zm)
		return csv_fail(c, PC_MODEL, err, errlen, "%s", zerr);
	if (r->op > zm->n_ops)
		return csv_fail(c, PC_OP, err, errlen,
		                "op %d is out of range for %s (ops 0 to %d, and %d for the whole "
		                "model)",
		                r->op, zm->name, zm->n_ops - 1, zm->n_ops);
	/* A lookup of a model without a seq interpolates over all its rows of
	 * an op, so a stray seq would be taken as another batch's row. */
	if (!zm->has_seq && r->seq != 0)
		return csv_fail(c, PC_SEQ, err, errlen,
		                "%s has no sequence length, but seq is %d (write 0)", zm->name,
		                r->seq);
	if (zm->has_seq && (r->seq < zm->seq_min || r->seq > zm->seq_max))
		return csv_fail(c, PC_SEQ, err, errlen, "%s seq %d is not between %d and %d",
		                zm->name, r->seq, zm->seq_min, zm->seq_max);
	return 0;
}

static int load_csv(prof *p, const char *path, char *err, size_t errlen)
{
	csv c;
	if (csv_open(&c, path, prof_cols, PC_NCOL, err, errlen)) {
		/* the reader's own messages name the file; a failed open gets
		 * what it was for */
		if (strncmp(err, "cannot open ", 12) == 0) {
			char why[512];
			snprintf(why, sizeof why, "%s", err + 12);
			snprintf(err, errlen, "cannot open profile %s", why);
		}
		return -1;
	}
	int rc = 0, got;
	zoo_set ms = {{NULL}, 0};
	while ((got = csv_next(&c, err, errlen)) == 1) {
		prof_row r;
		if (parse_row(&c, &ms, &r, err, errlen)) {
			rc = -1;
			break;
		}
		if (buf_grow(&p->rows, &p->cap, p->n + 1, sizeof *p->rows)) {
			snprintf(err, errlen, "out of memory reading %s", path);
			rc = -1;
			break;
		}
		p->rows[p->n++] = r;
	}
	if (got < 0)
		rc = -1;
	csv_close(&c);
	zoo_set_free(&ms);
	/* An empty file would silently run every model on roofline guesses. */
	if (rc == 0 && p->n == 0) {
		snprintf(err, errlen,
		         "profile %s has no rows (model,op,batch,seq,median_us[,p99_us]): the file "
		         "is empty or only a header",
		         path);
		rc = -1;
	}
	if (rc)
		return rc;
	qsort(p->rows, p->n, sizeof *p->rows, row_cmp);
	/* Two rows of one key would leave the lookup to whichever sorted
	 * first: a file measured twice and joined, most likely. */
	for (size_t i = 1; i < p->n; i++) {
		const prof_row *a = &p->rows[i - 1], *b = &p->rows[i];
		if (row_cmp(a, b) == 0) {
			long first = a->line < b->line ? a->line : b->line;
			long second = a->line < b->line ? b->line : a->line;
			snprintf(
			    err, errlen,
			    "%s:%ld:1: duplicate row: %s op %d batch %d seq %d is also on line %ld",
			    path, second, a->model, a->op, a->batch, a->seq, first);
			return -1;
		}
	}
	return 0;
}

prof *prof_new_file(const char *gpu, const char *path, char *err, size_t errlen)
{
	const gpu_spec *g = gpu_find(gpu);
	if (!g) {
		char names[128];
		gpu_names_join(names, sizeof names);
		snprintf(err, errlen, "unknown gpu '%s' (known: %s)", gpu, names);
		return NULL;
	}
	prof *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->gpu = g;
	if (path) {
		snprintf(p->path, sizeof p->path, "%s", path);
		if (load_csv(p, path, err, errlen)) {
			prof_free(p);
			return NULL;
		}
	}
	return p;
}

prof *prof_new(const char *gpu, const char *data_dir, char *err, size_t errlen)
{
	char path[1100];
	struct stat st;
	data_where w;
	const char *how = "";
	if (!data_dir) {
		if (data_find(&w, err, errlen))
			return NULL;
		data_dir = w.dir;
		how = w.why;
	}
	if (!gpu_find(gpu))
		return prof_new_file(gpu, NULL, err, errlen); /* says which GPUs are known */
	snprintf(path, sizeof path, "%s/%s/ops.csv", data_dir, gpu);
	if (stat(path, &st) == 0) {
		prof *p = prof_new_file(gpu, path, err, errlen);
		snprintf(path, sizeof path, "%s/%s", data_dir, gpu);
		if (p && prof_load_sizes(p, path, err, errlen)) {
			prof_free(p);
			return NULL;
		}
		return p;
	}
	/* Running on roofline estimates instead is a result nobody asked
	 * for: a scenario that wants them says profile = "roofline". */
	if (stat(data_dir, &st) != 0)
		snprintf(err, errlen, "data folder %s: %s", data_dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		snprintf(err, errlen, "data folder %s is not a folder", data_dir);
	else
		snprintf(err, errlen,
		         "no measured profile of gpu %s: %s is missing (data folder %s%s%s; measure "
		         "one with abacus profile, or ask for profile = \"roofline\")",
		         gpu, path, data_dir, how[0] ? ", " : "", how);
	return NULL;
}

int prof_check_model(const prof *p, const zoo_model *m, char *err, size_t errlen)
{
	if (!p->path[0])
		return 0; /* the roofline, asked for: every op is estimated */
	for (int op = 0; op < m->n_ops; op++)
		if (find(p, m->name, op) == p->n) {
			if (op == 0 || find(p, m->name, 0) == p->n)
				snprintf(err, errlen,
				         "%s has no rows for %s: it is not measured on gpu %s (measure it "
				         "with abacus profile --models %s, or ask for profile = "
				         "\"roofline\")",
				         p->path, m->name, p->gpu->name, m->name);
			else
				snprintf(err, errlen, "%s has no rows for %s op %d (of ops 0 to %d)", p->path,
				         m->name, op, m->n_ops - 1);
			return -1;
		}
	return 0;
}

void prof_free(prof *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n_sized; i++)
		prof_free(p->sized[i]);
	free(p->rows);
	free(p);
}

const gpu_spec *prof_gpu(const prof *p)
{
	return p->gpu;
}

const char *prof_path(const prof *p)
{
	return p->path;
}

/* First row of (model, op), or n. */
static size_t find(const prof *p, const char *model, int op)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(p->rows[mid].model, model);
		if (c < 0 || (c == 0 && p->rows[mid].op < op))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->n && strcmp(p->rows[lo].model, model) == 0 && p->rows[lo].op == op)
		return lo;
	return p->n;
}

int prof_measured(const prof *p, const char *model)
{
	return find(p, model, 0) < p->n;
}

/* Linear through (x0,y0),(x1,y1) at x; beyond the ends, the same line.
 * Never below a tenth of the nearest point: a line extrapolated down
 * to tiny batches must not reach zero. */
static double lerp(double x0, double y0, double x1, double y1, double x)
{
	if (x1 == x0)
		return y0;
	double y = y0 + (y1 - y0) * (x - x0) / (x1 - x0);
	double floor = 0.1 * (fabs(x - x0) < fabs(x - x1) ? y0 : y1);
	return y > floor ? y : floor;
}

/* Latency at `batch` among rows [a, b), which share one seq and are sorted
 * by batch. */
static double at_batch(const prof_row *r, size_t a, size_t b, int batch)
{
	if (b - a == 1)
		return r[a].us * batch / r[a].batch; /* one point: proportional */
	size_t i = a;
	while (i + 2 < b && r[i + 1].batch < batch)
		i++;
	return lerp(r[i].batch, r[i].us, r[i + 1].batch, r[i + 1].us, batch);
}

/* The end of the run of rows [i, end) that share row i's seq. */
static size_t run_end(const prof_row *r, size_t i, size_t end)
{
	size_t j = i + 1;
	while (j < end && r[j].seq == r[i].seq)
		j++;
	return j;
}

/* Interpolated latency of (model, op) in us; -1 when the model has no rows
 * for that op. */
static double lookup(const prof *p, const zoo_model *m, int op, int batch, int seq)
{
	size_t a = find(p, m->name, op);
	if (a == p->n)
		return -1;
	size_t end = a;
	while (end < p->n && p->rows[end].op == op && strcmp(p->rows[end].model, m->name) == 0)
		end++;
	if (!m->has_seq)
		return at_batch(p->rows, a, end, batch);
	/* Rows are sorted by seq, then batch: walk the runs of one seq to the
	 * two around `seq` (the first two or the last two beyond the ends) and
	 * interpolate between them. A file may measure every seq of the
	 * model's range: the walk keeps no table of runs to outgrow. */
	size_t b = run_end(p->rows, a, end);
	if (b == end)
		return at_batch(p->rows, a, end, batch);
	size_t c = run_end(p->rows, b, end);
	while (c < end && p->rows[b].seq < seq) {
		a = b;
		b = c;
		c = run_end(p->rows, b, end);
	}
	double y0 = at_batch(p->rows, a, b, batch);
	double y1 = at_batch(p->rows, b, c, batch);
	return lerp(p->rows[a].seq, y0, p->rows[b].seq, y1, seq);
}

/* prof.h's partition model: how much longer op takes on sms of the GPU's
 * SMs than the ns it takes on all of them. */
static double partition_ns(const gpu_spec *g, int sms, const zoo_model *m, int op, int batch,
                           int seq, double ns)
{
	zoo_cost c;
	zoo_op_cost(m, op, batch, seq, &c);
	double tc = c.flops / (g->tf32_tflops * 1e3 * g->eff_compute); /* ns */
	double tm = c.bytes / (g->mem_tbs * 1e3 * g->eff_mem);
	double base = fmax(tc, tm);
	if (!(base > 0))
		return ns;
	double ratio = fmax(tc * (double)g->sms / (double)sms, tm) / base;
	double fixed = fmin(ns, g->launch_ns);
	return fixed + (ns - fixed) * ratio;
}

/* A looked-up latency (us > 0) in ns, at least 1: a row measured at a
 * large batch scales down in proportion, and a line beyond the measured
 * points is floored at a tenth of the nearest one, so a lookup may give
 * well under a nanosecond, which must not round to an op that is free. */
static int64_t us_to_ns(double us)
{
	int64_t ns = (int64_t)(us * 1e3 + 0.5);
	return ns > 0 ? ns : 1;
}

static int64_t op_ns_whole_gpu(const prof *p, const zoo_model *m, int op, int batch, int seq)
{
	double us = lookup(p, m, op, batch, seq);
	if (us < 0)
		return gpu_roofline_op_ns(p->gpu, m, op, batch, seq);
	return us_to_ns(us);
}

int64_t prof_op_ns(const prof *p, const zoo_model *m, int op, int batch, int seq)
{
	int64_t ns = op_ns_whole_gpu(p, m, op, batch, seq);
	if (!p->sms)
		return ns;
	/* the roofline has no rows to scale at load: scaled here, as a row is */
	if (lookup(p, m, op, batch, seq) < 0)
		return (int64_t)(partition_ns(p->gpu, p->sms, m, op, batch, seq, (double)ns) + 0.5);
	return ns;
}

/* The largest batch (seq 0) or sequence length (seq 1) among the model's
 * rows. */
static int most_of(const prof *p, const zoo_model *m, int seq)
{
	int most = 0;
	for (size_t i = find(p, m->name, 0); i < p->n && strcmp(p->rows[i].model, m->name) == 0;
	     i++) {
		int v = seq ? p->rows[i].seq : p->rows[i].batch;
		most = v > most ? v : most;
	}
	return most;
}

int prof_max_batch(const prof *p, const zoo_model *m)
{
	return most_of(p, m, 0);
}

int prof_max_seq(const prof *p, const zoo_model *m)
{
	return most_of(p, m, 1);
}

int prof_sms(const prof *p)
{
	return p->sms ? p->sms : p->gpu->sms;
}

int prof_add_size(prof *p, int sms, const char *path, char *err, size_t errlen)
{
	if (p->sms || sms < 1 || sms > p->gpu->sms) {
		snprintf(err, errlen, "%s: a profile of a partition of %s has 1 to %d SMs, got %d", path,
		         p->gpu->name, p->gpu->sms, sms);
		return -1;
	}
	if (p->n_sized == PROF_MAX_SIZES) {
		snprintf(err, errlen, "%s: at most %d partition sizes per GPU", path, PROF_MAX_SIZES);
		return -1;
	}
	for (int i = 0; i < p->n_sized; i++)
		if (p->sized[i]->sms == sms) {
			snprintf(err, errlen, "%s: a profile of %d SMs is already loaded (%s)", path, sms,
			         p->sized[i]->path);
			return -1;
		}
	prof *q = prof_new_file(p->gpu->name, path, err, errlen);
	if (!q)
		return -1;
	q->sms = sms;
	int k = p->n_sized++;
	while (k > 0 && p->sized[k - 1]->sms > sms) {
		p->sized[k] = p->sized[k - 1];
		k--;
	}
	p->sized[k] = q;
	return 0;
}

int prof_load_sizes(prof *p, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0; /* no folder, no sizes */
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		int n = 0, used = 0;
		if (sscanf(e->d_name, "sms%d%n", &n, &used) != 1 || e->d_name[used] != '\0')
			continue;
		char path[1400];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s/ops.csv", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		rc = prof_add_size(p, n, path, err, errlen);
	}
	closedir(d);
	return rc;
}

int prof_sizes(const prof *p, int *sms, int max)
{
	int n = 0;
	for (int i = 0; i < p->n_sized && n < max; i++)
		sms[n++] = p->sized[i]->sms;
	return p->n_sized;
}

const char *prof_origin(const prof *p)
{
	return p->origin[0] ? p->origin : "the whole GPU's profile";
}

/* The measured time of exactly this row, in us, or -1. */
static double exact_us(const prof *p, const char *model, int op, int batch, int seq)
{
	for (size_t i = find(p, model, op); i < p->n; i++) {
		const prof_row *r = &p->rows[i];
		if (r->op != op || strcmp(r->model, model) != 0)
			break;
		if (r->batch == batch && r->seq == seq)
			return r->us;
	}
	return -1;
}

/* The model's time of row r (us, measured t on the whole GPU) at sms. */
static double model_us(const prof *p, const zoo_model *m, const prof_row *r, int sms)
{
	double ns = r->us * 1e3;
	if (r->op < m->n_ops)
		return partition_ns(p->gpu, sms, m, r->op, r->batch, r->seq, ns) / 1e3;
	/* the whole model: as the sum of its ops scales */
	double sum = 0, scaled = 0;
	for (int op = 0; op < m->n_ops; op++) {
		double t = (double)op_ns_whole_gpu(p, m, op, r->batch, r->seq);
		sum += t;
		scaled += partition_ns(p->gpu, sms, m, op, r->batch, r->seq, t);
	}
	return sum > 0 ? ns * scaled / sum / 1e3 : ns / 1e3;
}

/* Row r of the whole GPU's profile at sms SMs (prof.h): measured there,
 * interpolated in 1/sms between the measured sizes around it (the whole
 * GPU being one: its sms<total> profile where there is one, measured with
 * the partitions' engine, else its ops.csv row), or below the smallest measured size, that size's time
 * scaled as the model scales; the model alone where nothing is measured
 * for the row. *how: 0 model, 1 measured, 2 interpolated, 3 scaled from a
 * measured size. */
static double sized_us(const prof *p, const zoo_model *m, const prof_row *r, int sms, int *how)
{
	int lo = -1, hi = -1; /* indices into sized, -1; hi == n_sized: the whole GPU */
	double t_lo = -1, t_hi = r->us;
	for (int i = 0; i < p->n_sized; i++) {
		double t = exact_us(p->sized[i], r->model, r->op, r->batch, r->seq);
		if (t < 0)
			continue;
		int n = p->sized[i]->sms;
		if (n == sms) {
			*how = 1;
			return t;
		}
		if (n < sms)
			lo = i, t_lo = t;
		else if (hi < 0)
			hi = i, t_hi = t;
	}
	if (lo >= 0) {
		double a = 1.0 / p->sized[lo]->sms;
		double b = 1.0 / (hi >= 0 ? p->sized[hi]->sms : p->gpu->sms);
		*how = 2;
		return t_lo + (t_hi - t_lo) * (1.0 / sms - a) / (b - a);
	}
	if (hi >= 0) {
		int n = p->sized[hi]->sms;
		*how = 3;
		return t_hi * model_us(p, m, r, sms) / model_us(p, m, r, n);
	}
	*how = 0;
	return model_us(p, m, r, sms);
}

prof *prof_new_partition(const prof *p, int sms, char *err, size_t errlen)
{
	if (p->sms || sms < 1 || sms > p->gpu->sms) {
		snprintf(err, errlen, "a partition of %s has 1 to %d SMs, got %d%s", p->gpu->name,
		         p->gpu->sms, sms, p->sms ? " (of a partition already)" : "");
		return NULL;
	}
	prof *q = calloc(1, sizeof *q);
	if (!q || (p->n && !(q->rows = malloc(p->n * sizeof *q->rows)))) {
		free(q);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->gpu = p->gpu;
	snprintf(q->path, sizeof q->path, "%s", p->path);
	q->n = q->cap = p->n;
	if (p->n)
		memcpy(q->rows, p->rows, p->n * sizeof *q->rows);
	if (sms == p->gpu->sms)
		return q;
	/* Rows ops.csv lacks (whole-model rows, most often) but the whole GPU's
	 * sms<total> profile has: taken from it, then scaled as the others. */
	const prof *top = p->n_sized ? p->sized[p->n_sized - 1] : NULL;
	if (top && top->sms == p->gpu->sms)
		for (size_t i = 0; i < top->n; i++) {
			const prof_row *t = &top->rows[i];
			if (exact_us(p, t->model, t->op, t->batch, t->seq) >= 0)
				continue;
			if (buf_grow(&q->rows, &q->cap, q->n + 1, sizeof *q->rows)) {
				prof_free(q);
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
			q->rows[q->n++] = *t;
		}
	zoo_set ms = {{NULL}, 0};
	int rc = 0, count[4] = {0};
	for (size_t i = 0; rc == 0 && i < q->n; i++) {
		prof_row *r = &q->rows[i];
		const zoo_model *m = zoo_set_get(&ms, r->model, err, errlen);
		if (!m) {
			rc = -1;
			break;
		}
		int how;
		prof_row base = *r;
		r->us = sized_us(p, m, &base, sms, &how);
		count[how]++;
	}
	if (q->n) /* rows is NULL when none were kept, and qsort must not get NULL */
		qsort(q->rows, q->n, sizeof *q->rows, row_cmp);
	zoo_set_free(&ms);
	if (rc) {
		prof_free(q);
		return NULL;
	}
	q->sms = sms;
	snprintf(q->origin, sizeof q->origin,
	         "%d SMs: %d rows measured, %d interpolated, %d scaled from a size, %d modelled",
	         sms, count[1], count[2], count[3], count[0]);
	return q;
}

int64_t prof_whole_ns(const prof *p, const zoo_model *m, int batch, int seq)
{
	double us = lookup(p, m, m->n_ops, batch, seq);
	return us < 0 ? 0 : us_to_ns(us);
}

typedef struct table_entry {
	int batch, seq;
	int64_t *prefix;
	int64_t whole; /* prof_whole_ns, or prefix[n_ops] when not measured */
	double *flops, *bytes; /* filled on first prof_table_work */
} table_entry;

struct prof_table {
	const prof *p;
	const zoo_model *m;
	table_entry *e;
	int n;
	size_t cap;
	int last;      /* the entry found last */
	int slot[256]; /* by (batch, seq), an entry + 1 that may be it; 0: none */
};

/* Spread by multiplying: the few keys of a run rarely share a slot (a
 * sum of batch * 31 and seq put bert's 12 keys of a cluster run in 10 slots of 64) */
static int table_slot(int batch, int seq)
{
	return (int)(((unsigned)batch * 0x9e3779b1u ^ (unsigned)seq * 0x85ebca77u) >> 24);
}

prof_table *prof_table_new(const prof *p, const zoo_model *m)
{
	prof_table *t = calloc(1, sizeof *t);
	if (t) {
		t->p = p;
		t->m = m;
	}
	return t;
}

void prof_table_free(prof_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++) {
		free(t->e[i].prefix);
		free(t->e[i].flops);
		free(t->e[i].bytes);
	}
	free(t->e);
	free(t);
}

const int64_t *prof_table_prefix(prof_table *t, int batch, int seq)
{
	if (!t->m->has_seq)
		seq = 0;
	int *slot = &t->slot[table_slot(batch, seq)];
	if (*slot && t->e[*slot - 1].batch == batch && t->e[*slot - 1].seq == seq) {
		t->last = *slot - 1;
		return t->e[t->last].prefix;
	}
	for (int i = 0; i < t->n; i++)
		if (t->e[i].batch == batch && t->e[i].seq == seq) {
			t->last = i;
			*slot = i + 1;
			return t->e[i].prefix;
		}
	if (buf_grow(&t->e, &t->cap, (size_t)t->n + 1, sizeof *t->e))
		return NULL;
	int64_t *prefix = malloc((size_t)(t->m->n_ops + 1) * sizeof *prefix);
	if (!prefix)
		return NULL;
	prefix[0] = 0;
	for (int op = 0; op < t->m->n_ops; op++)
		prefix[op + 1] = prefix[op] + prof_op_ns(t->p, t->m, op, batch, seq);
	int64_t whole = prof_whole_ns(t->p, t->m, batch, seq);
	t->e[t->n] = (table_entry){batch, seq, prefix, whole > 0 ? whole : prefix[t->m->n_ops],
	                           NULL, NULL};
	t->last = t->n++;
	*slot = t->n;
	return prefix;
}

int prof_table_key(prof_table *t, int batch, int seq)
{
	return prof_table_prefix(t, batch, seq) ? t->last : -1;
}

int64_t prof_table_seg_ns(prof_table *t, int batch, int seq, int start, int end)
{
	const int64_t *pre = prof_table_prefix(t, batch, seq);
	if (!pre)
		return -1;
	if (start == 0 && end == t->m->n_ops)
		return t->e[t->last].whole;
	return pre[end] - pre[start];
}

int prof_table_work(prof_table *t, int batch, int seq, const double **flops,
                    const double **bytes)
{
	if (!prof_table_prefix(t, batch, seq))
		return -1;
	table_entry *e = &t->e[t->last];
	if (!e->flops) {
		int n = t->m->n_ops;
		double *f = malloc((size_t)(n + 1) * sizeof *f), *b = malloc((size_t)(n + 1) * sizeof *b);
		if (!f || !b) {
			free(f);
			free(b);
			return -1;
		}
		f[0] = b[0] = 0;
		for (int op = 0; op < n; op++) {
			zoo_cost c;
			zoo_op_cost(t->m, op, batch, e->seq, &c);
			f[op + 1] = f[op] + c.flops;
			b[op + 1] = b[op] + c.bytes;
		}
		e->flops = f;
		e->bytes = b;
	}
	*flops = e->flops;
	*bytes = e->bytes;
	return 0;
}
