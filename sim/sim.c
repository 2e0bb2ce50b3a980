/* sim.c: virtual clock, solo tables and the contention model of sim.h. */
#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "data.h"
#include "rng.h"

typedef struct sim_service {
	const zoo_model *model;
	prof_table *table;
	int borrowed; /* the table is the first partition's (sim_setup) */
} sim_service;

/* One active segment of a multi-segment group. */
typedef struct lane {
	const zoo_model *m;
	int batch, seq, op, end;
	const int64_t *prefix;
	const double *flops, *bytes; /* cumulative work per op */
	double scale;  /* noise factor */
	double left;   /* solo ns left of the current op */
	double c, mem; /* demands of the current op */
} lane;

/* The virtual clock, shared by the partitions of one GPU (open_parts). */
typedef struct sim_clock {
	int64_t now;
	int refs;
} sim_clock;

typedef struct sim {
	const prof *p;
	sim_options opt;
	sim_clock *clock;
	/* the first of the devices opened together (open_parts), NULL for it:
	 * a device replaying the same profile borrows its solo tables, so a
	 * thousand simulated GPUs build and cache them once */
	const struct sim *first;
	/* the group launched and not yet waited for: it ends at pend_end,
	 * its segments at pend_seg[] */
	int inflight, pend_n;
	int64_t pend_end, *pend_seg;
	sim_service *svc;
	int n_svc;
	lane *lanes;
	rng noise;
	double peak_flops, peak_bytes; /* per ns, at the spec's efficiency */
	char err[256];
} sim;

void sim_options_default(sim_options *o)
{
	o->noise = 0.0;
	o->kappa = 0.10;
	o->scale_c = 1.0;
	o->scale_m = 1.0;
	o->seed = 1;
}

static int64_t sim_now(void *ctx)
{
	return ((sim *)ctx)->clock->now;
}

static int sim_wait_until(void *ctx, int64_t t)
{
	sim *s = ctx;
	if (s->inflight && t > s->pend_end) {
		snprintf(s->err, sizeof s->err, "sim: waiting past the end of the group in flight");
		return -1;
	}
	if (t > s->clock->now)
		s->clock->now = t;
	return 0;
}

static void sim_free(void *ctx)
{
	sim *s = ctx;
	if (!s)
		return;
	for (int i = 0; i < s->n_svc; i++)
		if (!s->svc[i].borrowed)
			prof_table_free(s->svc[i].table);
	free(s->svc);
	free(s->lanes);
	free(s->pend_seg);
	if (s->clock && --s->clock->refs == 0)
		free(s->clock);
	free(s);
}

static int sim_setup(void *ctx, const dev_service *svc, int n)
{
	sim *s = ctx;
	s->svc = calloc((size_t)n, sizeof *s->svc);
	s->lanes = calloc((size_t)n, sizeof *s->lanes);
	s->pend_seg = calloc((size_t)n, sizeof *s->pend_seg);
	if (!s->svc || !s->lanes || !s->pend_seg) {
		snprintf(s->err, sizeof s->err, "out of memory setting up the simulator");
		return -1;
	}
	s->n_svc = n;
	for (int i = 0; i < n; i++) {
		s->svc[i].model = svc[i].model;
		const sim *f = s->first;
		for (int k = 0; f && f->p == s->p && k < f->n_svc; k++)
			if (f->svc[k].model == svc[i].model && f->svc[k].table) {
				s->svc[i].table = f->svc[k].table;
				s->svc[i].borrowed = 1;
			}
		if (!s->svc[i].table && !(s->svc[i].table = prof_table_new(s->p, svc[i].model))) {
			snprintf(s->err, sizeof s->err, "out of memory setting up the simulator");
			return -1;
		}
	}
	return 0;
}

static double noise_factor(sim *s)
{
	if (s->opt.noise <= 0)
		return 1.0;
	double sg = s->opt.noise;
	return exp(sg * rng_normal(&s->noise) - 0.5 * sg * sg);
}

/* fmin and fmax where neither argument is NaN, as the compiler inlines
 * them (the library's calls were a tenth of a cluster run's loop) */
static double dmin(double a, double b)
{
	return b < a ? b : a;
}

static double dmax(double a, double b)
{
	return b > a ? b : a;
}

static void lane_load_op(sim *s, lane *ln)
{
	double t = (double)(ln->prefix[ln->op + 1] - ln->prefix[ln->op]) * ln->scale;
	double flops = ln->flops[ln->op + 1] - ln->flops[ln->op];
	double bytes = ln->bytes[ln->op + 1] - ln->bytes[ln->op];
	ln->left = t;
	double tt = t > 1.0 ? t : 1.0;
	ln->c = dmin(1.0, s->opt.scale_c * flops / s->peak_flops / tt);
	ln->mem = dmin(1.0, s->opt.scale_m * bytes / s->peak_bytes / tt);
}

/* The group g started at the clock's time: fills seg_end and returns when
 * the group ends (-1 on error), without moving the clock. */
static int64_t simulate(sim *s, const dev_group *g, int64_t *seg_end)
{
	int64_t start = s->clock->now;
	if (g->n == 1) { /* the common case for time sharing: no contention */
		const dev_segment *seg = &g->seg[0];
		int64_t solo = prof_table_seg_ns(s->svc[seg->service].table, seg->batch, seg->seq,
		                                 seg->start, seg->end);
		if (solo < 0) {
			snprintf(s->err, sizeof s->err, "out of memory in the simulator");
			return -1;
		}
		double dur = (double)solo * noise_factor(s);
		seg_end[0] = start + (int64_t)(dur + 0.5);
		return seg_end[0];
	}
	int active = 0;
	for (int k = 0; k < g->n; k++) {
		const dev_segment *seg = &g->seg[k];
		lane *ln = &s->lanes[k];
		ln->m = s->svc[seg->service].model;
		ln->batch = seg->batch;
		ln->seq = seg->seq;
		ln->op = seg->start;
		ln->end = seg->end;
		prof_table *t = s->svc[seg->service].table;
		ln->prefix = prof_table_prefix(t, seg->batch, seg->seq);
		if (!ln->prefix || prof_table_work(t, seg->batch, seg->seq, &ln->flops, &ln->bytes)) {
			snprintf(s->err, sizeof s->err, "out of memory in the simulator");
			return -1;
		}
		ln->scale = noise_factor(s);
		/* a whole run costs what the profile measured for it (prof.h),
		 * spread over its ops in proportion to their solo times */
		int64_t solo = prof_table_seg_ns(t, seg->batch, seg->seq, seg->start, seg->end);
		int64_t sum = ln->prefix[seg->end] - ln->prefix[seg->start];
		if (solo > 0 && sum > 0 && solo != sum)
			ln->scale *= (double)solo / (double)sum;
		if (ln->op < ln->end) {
			lane_load_op(s, ln);
			active++;
		} else {
			seg_end[k] = start;
		}
	}
	double t = (double)start;
	while (active > 0) {
		double sc = 0, sm = 0;
		for (int k = 0; k < g->n; k++)
			if (s->lanes[k].op < s->lanes[k].end) {
				sc += s->lanes[k].c;
				sm += s->lanes[k].mem;
			}
		double S = dmax(1.0, dmax(sc, sm)) + s->opt.kappa * (active - 1);
		double step = INFINITY; /* solo ns until the first active op ends */
		for (int k = 0; k < g->n; k++)
			if (s->lanes[k].op < s->lanes[k].end && s->lanes[k].left < step)
				step = s->lanes[k].left;
		t += step * S;
		for (int k = 0; k < g->n; k++) {
			lane *ln = &s->lanes[k];
			if (ln->op >= ln->end)
				continue;
			ln->left -= step;
			if (ln->left <= 1e-9) {
				if (++ln->op < ln->end) {
					lane_load_op(s, ln);
				} else {
					seg_end[k] = (int64_t)(t + 0.5);
					active--;
				}
			}
		}
	}
	int64_t last = start;
	for (int k = 0; k < g->n; k++)
		if (seg_end[k] > last)
			last = seg_end[k];
	return last;
}

static int sim_run_group(void *ctx, const dev_group *g, int64_t *seg_end)
{
	sim *s = ctx;
	if (s->inflight) {
		snprintf(s->err, sizeof s->err, "sim: a group is already in flight");
		return -1;
	}
	int64_t end = simulate(s, g, seg_end);
	if (end < 0)
		return -1;
	s->clock->now = end;
	return 0;
}

/* A virtual clock knows a group's end when it starts: launch works it out
 * and wait_group moves the clock there. */
static int sim_launch(void *ctx, const dev_group *g)
{
	sim *s = ctx;
	if (s->inflight) {
		snprintf(s->err, sizeof s->err, "sim: a group is already in flight");
		return -1;
	}
	int64_t end = simulate(s, g, s->pend_seg);
	if (end < 0)
		return -1;
	s->inflight = 1;
	s->pend_n = g->n;
	s->pend_end = end;
	return 0;
}

static int sim_wait_group(void *ctx, int64_t t, int64_t *seg_end)
{
	sim *s = ctx;
	if (!s->inflight) {
		snprintf(s->err, sizeof s->err, "sim: no group in flight to wait for");
		return -1;
	}
	if (s->pend_end > t) {
		if (t > s->clock->now)
			s->clock->now = t;
		return 0;
	}
	if (s->pend_end > s->clock->now)
		s->clock->now = s->pend_end;
	memcpy(seg_end, s->pend_seg, (size_t)s->pend_n * sizeof *seg_end);
	s->inflight = 0;
	return 1;
}

static int64_t sim_group_end(void *ctx)
{
	sim *s = ctx;
	return s->inflight ? s->pend_end : -1;
}

static void sim_info(void *ctx, dev_info *out)
{
	sim *s = ctx;
	snprintf(out->gpu, sizeof out->gpu, "%s", prof_gpu(s->p)->name);
}

static const char *sim_errmsg(void *ctx)
{
	return ((sim *)ctx)->err;
}

/* Solo op latencies as the profile gives them, each with its own noise
 * draw, as a GPU timing ops one by one would see. The clock advances by
 * their sum. */
static int sim_time_ops(void *ctx, const dev_segment *seg, int64_t *op_ns)
{
	sim *s = ctx;
	const int64_t *pre = prof_table_prefix(s->svc[seg->service].table, seg->batch, seg->seq);
	if (!pre) {
		snprintf(s->err, sizeof s->err, "out of memory in the simulator");
		return -1;
	}
	for (int op = seg->start; op < seg->end; op++) {
		double t = (double)(pre[op + 1] - pre[op]) * noise_factor(s);
		op_ns[op - seg->start] = (int64_t)(t + 0.5);
		s->clock->now += op_ns[op - seg->start];
	}
	return 0;
}

static const dev_iface sim_iface = {
	.name = "sim",
	.setup = sim_setup,
	.now = sim_now,
	.wait_until = sim_wait_until,
	.run_group = sim_run_group,
	.info = sim_info,
	.errmsg = sim_errmsg,
	.free = sim_free,
	.time_ops = sim_time_ops,
	.launch = sim_launch,
	.wait_group = sim_wait_group,
	.group_end = sim_group_end,
};

int sim_device_open(device *out, const prof *p, const sim_options *o, char *err, size_t errlen)
{
	if (o->noise < 0 || o->noise > 1 || o->kappa < 0 || !isfinite(o->noise) ||
	    !isfinite(o->kappa) || !(o->scale_c > 0) || !(o->scale_m > 0)) {
		snprintf(err, errlen,
		         "sim: noise must be in [0, 1], kappa >= 0 and scales > 0 (got %g, %g, %g, %g)",
		         o->noise, o->kappa, o->scale_c, o->scale_m);
		return -1;
	}
	sim *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory opening the simulator");
		return -1;
	}
	s->p = p;
	s->opt = *o;
	s->clock = calloc(1, sizeof *s->clock);
	if (!s->clock) {
		free(s);
		snprintf(err, errlen, "out of memory opening the simulator");
		return -1;
	}
	s->clock->refs = 1;
	rng_seed(&s->noise, o->seed ^ 0x5eed5eed5eedULL);
	const gpu_spec *g = prof_gpu(p);
	s->peak_flops = g->tf32_tflops * 1e3 * g->eff_compute; /* flops per ns */
	s->peak_bytes = g->mem_tbs * 1e3 * g->eff_mem;          /* bytes per ns */
	out->iface = &sim_iface;
	out->ctx = s;
	return 0;
}

int sim_set_contention(device *d, double kappa, double scale_c, double scale_m)
{
	if (d->iface != &sim_iface)
		return -1;
	sim *s = d->ctx;
	s->opt.kappa = kappa;
	s->opt.scale_c = scale_c;
	s->opt.scale_m = scale_m;
	return 0;
}

/* Bound on the scales sim.csv may give (SIM_KAPPA_MAX, sim.h, on kappa).
 * The scales multiply an op's demands before they are clipped at 1, so
 * past the fit's 8 they change little; 1000 lets a hand edit through and
 * still stops a typo (1e15) from passing as a calibration. */
#define SIM_SCALE_MAX 1000.0

static const csv_col calib_cols[] = {
    {.name = "key", .required = 1},
    {.name = "value", .required = 1},
};

int sim_load_calibration(const char *data_dir, const char *gpu, sim_options *o, char *err,
                         size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s/sim.csv", data_dir, gpu);
	/* only a file that is not there means "not calibrated": one that
	 * cannot be read, or a folder in its place, is an error */
	struct stat st;
	if (stat(path, &st) != 0 && errno == ENOENT)
		return 1;
	csv c;
	if (csv_open(&c, path, calib_cols, 2, err, errlen))
		return -1;
	int rc = 0, got;
	sim_options v = *o;
	while (rc == 0 && (got = csv_next(&c, err, errlen)) == 1) {
		const char *k = csv_get(&c, 0), *val = csv_get(&c, 1);
		double x;
		if (csv_double(val, &x))
			rc = csv_fail(&c, 1, err, errlen, "%s: '%s' is not a number", k, val);
		else if (strcmp(k, "kappa") == 0 && x >= 0 && x <= SIM_KAPPA_MAX)
			v.kappa = x;
		else if (strcmp(k, "scale_c") == 0 && x > 0 && x <= SIM_SCALE_MAX)
			v.scale_c = x;
		else if (strcmp(k, "scale_m") == 0 && x > 0 && x <= SIM_SCALE_MAX)
			v.scale_m = x;
		else if (strcmp(k, "mape_train") != 0 && strcmp(k, "mape_test") != 0 &&
		         strcmp(k, "n_test") != 0)
			/* a misspelt key or a zero scale must not leave a default in
			 * force without a word; the fit's errors are there to be read */
			rc = csv_fail(
			    &c, 0, err, errlen,
			    "%s,%g: keys are kappa (0 to %g), scale_c and scale_m (above 0, "
			    "at most %g), and the fit's mape_train, mape_test and n_test",
			    k, x, SIM_KAPPA_MAX, SIM_SCALE_MAX);
	}
	if (got < 0)
		rc = -1;
	csv_close(&c);
	if (rc == 0)
		*o = v;
	return rc;
}

/* The simulator replays profiles measured with the CUDA defaults (fp32
 * with TF32, graphs, GEMM convolutions where faster): a run asking it for
 * another setting would get the defaults' timings under its name. */
static int sim_kind_check(const dev_open_options *o, char *err, size_t errlen)
{
	const char *what = o->fp16         ? "fp16 = true"
	                   : !o->tf32      ? "tf32 = false"
	                   : !o->graphs    ? "graphs = false"
	                   : !o->conv_gemm ? "conv_gemm = false"
	                                   : NULL;
	if (!what)
		return 0;
	snprintf(err, errlen,
	         "%s needs device 'cuda': the simulator replays data/%s, measured "
	         "with the CUDA defaults (fp32 with TF32, graphs, GEMM convolutions)",
	         what, o->gpu);
	return -1;
}

static int sim_kind_open(device *out, const dev_open_options *o, char *err, size_t errlen)
{
	if (!o->prof) {
		snprintf(err, errlen, "sim: no profile to replay");
		return -1;
	}
	sim_options so;
	sim_options_default(&so);
	if (o->calibrated) {
		data_where w;
		const char *dir = o->data_dir;
		if (!dir && data_find(&w, err, errlen))
			return -1;
		if (!dir)
			dir = w.dir;
		int rc = sim_load_calibration(dir, o->gpu, &so, err, errlen);
		if (rc < 0)
			return -1;
		/* the defaults are no model of this GPU's contention */
		if (rc == 1) {
			snprintf(err, errlen,
			         "no contention model for gpu %s: %s/%s/sim.csv is missing (fit one with "
			         "abacus calibrate --gpu %s --data %s --write)",
			         o->gpu, dir, o->gpu, o->gpu, dir);
			return -1;
		}
	}
	so.noise = o->noise;
	if (!isnan(o->kappa))
		so.kappa = o->kappa;
	so.seed = o->seed;
	return sim_device_open(out, o->prof, &so, err, errlen);
}

/* Partitions of one simulated GPU: a simulator per partition, each
 * replaying the profile of its SM count (the caller's o[i].prof), all on
 * one virtual clock. Contention is modelled within a partition only:
 * partitions share no SMs, and their sharing of memory bandwidth is not
 * modelled (sim.h). Partition i > 0 draws its noise from a stream of its
 * own, so that partitions are not in step. */
static int sim_kind_open_parts(device *out, int n, const dev_open_options *o, char *err,
                               size_t errlen)
{
	for (int i = 0; i < n; i++) {
		dev_open_options oi = o[i];
		oi.seed = i == 0 ? o[i].seed : o[i].seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)i);
		if (sim_kind_open(&out[i], &oi, err, errlen)) {
			for (int k = 0; k < i; k++)
				device_free(&out[k]);
			return -1;
		}
		if (i > 0) {
			sim *s = out[i].ctx, *first = out[0].ctx;
			free(s->clock);
			s->clock = first->clock;
			s->clock->refs++;
			/* set up after the first, freed with it (devices opened
			 * together are freed together) */
			s->first = first;
		}
	}
	return 0;
}

const dev_kind sim_kind = {
	.name = "sim",
	.what = "a simulated GPU on a virtual clock, replaying a measured profile",
	.real = 0,
	.check = sim_kind_check,
	.open = sim_kind_open,
	.open_parts = sim_kind_open_parts,
	.any_batch = 1,
};
