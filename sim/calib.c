/* calib.c: coordinate descent over the contention parameters. */
#include "calib.h"
#include "progress.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "rng.h"
#include "sim.h"

typedef struct calib {
	device dev;
	zoo_model **models;
	int n_models;
	dev_segment *seg; /* SMP_MAX_SEG per sample */
	const smp_set *s;
	size_t *idx; /* shuffled sample order */
} calib;

static int model_index(calib *c, const char *name)
{
	for (int i = 0; i < c->n_models; i++)
		if (strcmp(c->models[i]->name, name) == 0)
			return i;
	return -1;
}

/* Simulated duration of sample i in ns; ends (when not NULL) gets each
 * segment's end, ns from the group's start. */
static int64_t simulate_ends(calib *c, size_t i, int64_t *ends)
{
	const smp_group *g = &c->s->g[i];
	dev_segment *seg = &c->seg[i * SMP_MAX_SEG];
	dev_group dg = {g->n, seg};
	int64_t e[SMP_MAX_SEG];
	int64_t t0 = device_now(&c->dev);
	if (device_run_group(&c->dev, &dg, e))
		return -1;
	for (int k = 0; ends && k < g->n; k++)
		ends[k] = e[k] - t0;
	return device_now(&c->dev) - t0;
}

static int64_t simulate(calib *c, size_t i)
{
	return simulate_ends(c, i, NULL);
}

/* The absolute relative errors of simulated segment ends (ns from the
 * start) against g's measured ones, summed over its segments; 0 where g
 * gives none. */
static double seg_err(const smp_group *g, const int64_t *ends)
{
	double sum = 0;
	for (int k = 0; g->has_seg && k < g->n; k++)
		sum += fabs((double)ends[k] - g->seg_us[k] * 1e3) / (g->seg_us[k] * 1e3);
	return sum;
}

/* The mean absolute percentage error of the simulated segment ends over
 * every segment of the samples that give theirs (seg_us); *n gets how
 * many segments that is. */
static double seg_mape(calib *c, size_t *n)
{
	double sum = 0;
	*n = 0;
	for (size_t i = 0; i < c->s->n; i++) {
		const smp_group *g = &c->s->g[i];
		int64_t ends[SMP_MAX_SEG];
		if (!g->has_seg || simulate_ends(c, i, ends) < 0)
			continue;
		sum += seg_err(g, ends);
		*n += (size_t)g->n;
	}
	return *n ? 100.0 * sum / (double)*n : 0.0;
}

static double mape(calib *c, size_t from, size_t to)
{
	double sum = 0;
	for (size_t k = from; k < to; k++) {
		size_t i = c->idx[k];
		double meas = c->s->g[i].median_us * 1e3;
		int64_t sim = simulate(c, i);
		sum += fabs((double)sim - meas) / meas;
	}
	return to > from ? 100.0 * sum / (double)(to - from) : 0.0;
}

static void calib_free(calib *c)
{
	device_free(&c->dev);
	for (int i = 0; i < c->n_models; i++)
		zoo_model_free(c->models[i]);
	free(c->models);
	free(c->seg);
	free(c->idx);
}

static int calib_setup(calib *c, const prof *p, const smp_set *s, double share, uint64_t seed,
                       char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->models = calloc(32, sizeof *c->models);
	c->seg = calloc(s->n * SMP_MAX_SEG, sizeof *c->seg);
	c->idx = calloc(s->n, sizeof *c->idx);
	if (!c->models || !c->seg || !c->idx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		const smp_group *g = &s->g[i];
		for (int k = 0; k < g->n; k++) {
			int m = model_index(c, g->seg[k].model);
			if (m < 0) {
				if (c->n_models == 32) {
					snprintf(err, errlen, "too many models in the samples");
					return -1;
				}
				zoo_model *zm = zoo_model_new(g->seg[k].model, err, errlen);
				if (!zm)
					return -1;
				m = c->n_models;
				c->models[c->n_models++] = zm;
				if (prof_check_model(p, zm, err, errlen))
					return -1;
			}
			const smp_segment *ss = &g->seg[k];
			if (ss->end > c->models[m]->n_ops) {
				snprintf(err, errlen, "sample %zu: %s has %d ops, segment ends at %d", i,
				         ss->model, c->models[m]->n_ops, ss->end);
				return -1;
			}
			c->seg[i * SMP_MAX_SEG + k] =
			    (dev_segment){m, ss->batch, ss->seq, ss->start, ss->end, 1};
		}
		c->idx[i] = i;
	}
	rng r;
	rng_seed(&r, seed);
	for (size_t i = s->n; i > 1; i--) { /* Fisher-Yates */
		size_t j = rng_below(&r, (uint32_t)i);
		size_t t = c->idx[i - 1];
		c->idx[i - 1] = c->idx[j];
		c->idx[j] = t;
	}
	sim_options o;
	sim_options_default(&o);
	o.noise = 0;
	o.share = share;
	if (sim_device_open(&c->dev, p, &o, err, errlen))
		return -1;
	dev_service *svc = calloc((size_t)c->n_models, sizeof *svc);
	if (!svc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < c->n_models; i++)
		svc[i] = (dev_service){.model = c->models[i], .max_batch = 64,
		                       .max_seq = c->models[i]->has_seq ? 512 : 0};
	int rc = device_setup(&c->dev, svc, c->n_models);
	free(svc);
	if (rc)
		snprintf(err, errlen, "%s", device_errmsg(&c->dev));
	return rc;
}

static int by_combo(const void *a, const void *b, void *s)
{
	const smp_set *set = s;
	return strcmp(set->g[*(const size_t *)a].combo, set->g[*(const size_t *)b].combo);
}

/* Per-combination MAPE of the test split, and the signed mean error (bias:
 * positive when the simulator is slower than the GPU); where samples give
 * their segments' ends, the MAPE of those too. */
static void report_combos(calib *c, size_t from, size_t to, FILE *f)
{
	size_t n = to - from;
	size_t *ord = malloc(n * sizeof *ord);
	if (!ord)
		return;
	memcpy(ord, c->idx + from, n * sizeof *ord);
	/* insertion sort by combo: n is at most a few tens of thousands and
	 * qsort has no context argument in C11 */
	for (size_t i = 1; i < n; i++) {
		size_t v = ord[i], j = i;
		while (j > 0 && by_combo(&ord[j - 1], &v, (void *)c->s) > 0) {
			ord[j] = ord[j - 1];
			j--;
		}
		ord[j] = v;
	}
	int any_seg = 0;
	for (size_t i = 0; i < n; i++)
		any_seg |= c->s->g[ord[i]].has_seg;
	fprintf(f, "%-40s %8s %9s %9s%s\n", "combination", "samples", "MAPE %", "bias %",
	        any_seg ? "  segment ends MAPE %" : "");
	for (size_t a = 0; a < n;) {
		size_t b = a, n_seg = 0;
		double sum = 0, signed_sum = 0, seg_sum = 0;
		while (b < n && strcmp(c->s->g[ord[b]].combo, c->s->g[ord[a]].combo) == 0) {
			const smp_group *g = &c->s->g[ord[b]];
			int64_t ends[SMP_MAX_SEG];
			double meas = g->median_us * 1e3;
			double d = ((double)simulate_ends(c, ord[b], ends) - meas) / meas;
			sum += fabs(d);
			signed_sum += d;
			seg_sum += seg_err(g, ends);
			n_seg += g->has_seg ? (size_t)g->n : 0;
			b++;
		}
		fprintf(f, "%-40s %8zu %9.2f %+9.2f", c->s->g[ord[a]].combo, b - a,
		        100.0 * sum / (double)(b - a), 100.0 * signed_sum / (double)(b - a));
		if (n_seg)
			fprintf(f, "  %20.2f", 100.0 * seg_sum / (double)n_seg);
		fputc('\n', f);
		a = b;
	}
	free(ord);
}

int calib_fit(const prof *p, const smp_set *samples, double share, double test_frac,
              size_t max_train, uint64_t seed, FILE *report, progress *pg, calib_result *out,
              char *err, size_t errlen)
{
	if (samples->n < 10) {
		snprintf(err, errlen, "calibration needs at least 10 measured groups, got %zu",
		         samples->n);
		return -1;
	}
	if (!(test_frac > 0 && test_frac < 1)) {
		snprintf(err, errlen, "test fraction must be in (0, 1), got %g", test_frac);
		return -1;
	}
	size_t n_test = (size_t)((double)samples->n * test_frac);
	if (n_test < 1)
		n_test = 1;
	size_t n_train = samples->n - n_test;
	size_t fit_n = max_train && n_train > max_train ? max_train : n_train;
	/* The 10 above are for the fit: three parameters fitted on the one
	 * group --test-frac 0.99 leaves would say nothing about the GPU. */
	if (n_train < 10) {
		snprintf(err, errlen,
		         "calibration needs at least 10 training groups, but a test fraction of %g "
		         "leaves %zu of the %zu measured; lower --test-frac or measure more",
		         test_frac, n_train, samples->n);
		return -1;
	}
	if (fit_n < 10) {
		snprintf(err, errlen,
		         "calibration needs at least 10 training groups, but --max-train is %zu",
		         max_train);
		return -1;
	}
	calib c;
	if (calib_setup(&c, p, samples, share, seed, err, errlen)) {
		calib_free(&c);
		return -1;
	}
	/* A full grid first (the error surface has ridges that trap a
	 * descent started anywhere), then coordinate descent on a finer grid
	 * around the best point. kappa: 0 to 1.2; scales: 1/8 to 8. */
	enum { GRID = 25 * 13 * 13, ROUNDS = 3 * 3 * 9 };
	if (pg) {
		progress_task(pg, "calibrating", GRID + ROUNDS);
		pg->unit = "points";
	}
	double theta[3] = {0.1, 1.0, 1.0}; /* kappa, scale_c, scale_m */
	double best = INFINITY;
	for (int ki = 0; ki <= 24; ki++)
		for (int ci = 0; ci <= 12; ci++)
			for (int mi = 0; mi <= 12; mi++) {
				double v[3] = {0.05 * ki, pow(2.0, -3.0 + 0.5 * ci), pow(2.0, -3.0 + 0.5 * mi)};
				sim_set_contention(&c.dev, v[0], v[1], v[2]);
				double e = mape(&c, n_test, n_test + fit_n);
				if (e < best - 1e-12) {
					best = e;
					memcpy(theta, v, sizeof theta);
				}
				if (pg)
					progress_step(pg);
			}
	for (int round = 0; round < 3; round++)
		for (int k = 0; k < 3; k++) {
			double keep = theta[k];
			for (int gi = -4; gi <= 4; gi++) {
				double v = k == 0 ? keep + 0.0125 * gi : keep * pow(2.0, 0.0625 * gi);
				if (pg)
					progress_step(pg);
				if (v < 0)
					continue;
				double t[3] = {theta[0], theta[1], theta[2]};
				t[k] = v;
				sim_set_contention(&c.dev, t[0], t[1], t[2]);
				double e = mape(&c, n_test, n_test + fit_n);
				if (e < best - 1e-12) {
					best = e;
					theta[k] = v;
				}
			}
		}
	if (pg)
		progress_end(pg, 1);
	sim_set_contention(&c.dev, theta[0], theta[1], theta[2]);
	out->kappa = theta[0];
	out->scale_c = theta[1];
	out->scale_m = theta[2];
	out->share = share;
	out->n_train = n_train;
	out->n_test = n_test;
	out->mape_train = mape(&c, n_test, samples->n);
	out->mape_test = mape(&c, 0, n_test);
	if (report)
		report_combos(&c, 0, n_test, report);
	calib_free(&c);
	return 0;
}

int calib_check(const prof *p, const smp_set *samples, double kappa, double scale_c, double scale_m,
                double share, FILE *report, calib_result *out, char *err, size_t errlen)
{
	if (samples->n < 1) {
		snprintf(err, errlen, "no measured groups to check");
		return -1;
	}
	calib c;
	if (calib_setup(&c, p, samples, share, 1, err, errlen)) {
		calib_free(&c);
		return -1;
	}
	if (sim_set_contention(&c.dev, kappa, scale_c, scale_m)) {
		snprintf(err, errlen, "%s", device_errmsg(&c.dev));
		calib_free(&c);
		return -1;
	}
	*out =
	    (calib_result){.kappa = kappa, .scale_c = scale_c, .scale_m = scale_m, .share = share};
	out->n_test = samples->n;
	out->mape_test = mape(&c, 0, samples->n);
	out->mape_seg = seg_mape(&c, &out->n_seg);
	if (report)
		report_combos(&c, 0, samples->n, report);
	calib_free(&c);
	return 0;
}

int calib_write(const char *data_dir, const char *gpu, const calib_result *r, char *err,
                size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s/sim.csv", data_dir, gpu);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "key,value\n");
	fprintf(f, "# contention model fitted by `abacus calibrate` on %zu measured groups\n",
	        r->n_train);
	if (r->n_seg_fit)
		fprintf(f, "# share chosen on the ends of %zu groups measured live (--segments)\n",
		        r->n_seg_fit);
	fprintf(f, "kappa,%.4f\nscale_c,%.4f\nscale_m,%.4f\n", r->kappa, r->scale_c, r->scale_m);
	/* a fit without shares writes the file it always wrote */
	if (r->share > 0)
		fprintf(f, "share,%.4f\n", r->share);
	fprintf(f, "mape_train,%.3f\nmape_test,%.3f\nn_test,%zu\n", r->mape_train, r->mape_test,
	        r->n_test);
	if (r->n_seg_fit)
		fprintf(f, "mape_segments,%.3f\n", r->mape_seg_fit);
	if (fclose(f)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void calib_config_default(calib_config *c)
{
	*c = (calib_config){
	    .gpu = "h200", .test_frac = 0.2, .max_train = 4000, .seed = 1, .share = NAN};
}

/* --check: the stored DIR/<gpu>/sim.csv priced on every group of s (at
 * share, where it is not NAN). */
static int check_stored(const prof *p, const smp_set *s, const char *dir, const char *gpu,
                        const char *groups, double share, FILE *out, char *err, size_t errlen)
{
	sim_options so;
	sim_options_default(&so);
	int have = sim_load_calibration(dir, gpu, &so, err, errlen);
	if (!isnan(share))
		so.share = share;
	if (have == 1)
		snprintf(
		    err, errlen,
		    "%s/%s/sim.csv: no stored fit to check (abacus calibrate --write makes one)",
		    dir, gpu);
	calib_result r;
	if (have != 0 ||
	    calib_check(p, s, so.kappa, so.scale_c, so.scale_m, so.share, out, &r, err, errlen))
		return -1;
	fprintf(out,
	        "\nstored contention model for %s (kappa %.4f  scale_c %.4f  scale_m %.4f  share "
	        "%.4g): group latency MAPE %.2f%% on all %zu groups of %s\n",
	        gpu, r.kappa, r.scale_c, r.scale_m, r.share, r.mape_test, r.n_test, groups);
	if (r.n_seg)
		fprintf(out, "segment ends MAPE %.2f%% on their %zu segments\n", r.mape_seg,
		        r.n_seg);
	return 0;
}

int calib_fit_share(const prof *p, const smp_set *s, const smp_set *seg, const char *seg_name,
                    double test_frac, size_t max_train, uint64_t seed, FILE *out, progress *pg,
                    calib_result *r, char *err, size_t errlen)
{
	size_t with = 0;
	for (size_t i = 0; i < seg->n; i++)
		with += seg->g[i].has_seg;
	if (with < 10) {
		snprintf(
		    err, errlen,
		    "%s: choosing share needs at least 10 groups with their segment ends (seg_us), "
		    "got %zu",
		    seg_name, with);
		return -1;
	}
	enum { N_SHARE = 13 }; /* 0 to 3 by 0.25 */
	double best = INFINITY, best_share = 0;
	fprintf(out, "%6s %8s %8s %8s %10s %12s %18s\n", "share", "kappa", "scale_c", "scale_m",
	        "held-out %", "segments: %", "segment ends %");
	if (pg) {
		progress_task(pg, "choosing share", N_SHARE);
		pg->unit = "fits";
	}
	for (int i = 0; i < N_SHARE; i++) {
		double share = 0.25 * i;
		calib_result f, ck;
		if (calib_fit(p, s, share, test_frac, max_train, seed, NULL, NULL, &f, err,
		              errlen) ||
		    calib_check(p, seg, f.kappa, f.scale_c, f.scale_m, share, NULL, &ck, err,
		                errlen))
			return -1;
		fprintf(out, "%6.2f %8.4f %8.4f %8.4f %10.2f %12.2f %18.2f\n", share, f.kappa,
		        f.scale_c, f.scale_m, f.mape_test, ck.mape_test, ck.mape_seg);
		if (ck.mape_seg < best - 1e-9) {
			best = ck.mape_seg;
			best_share = share;
		}
		if (pg)
			progress_step(pg);
	}
	if (pg)
		progress_end(pg, 1);
	fprintf(out, "share %.2f gives %s's segment ends the least error (%.2f%%)\n\n", best_share,
	        seg_name, best);
	if (calib_fit(p, s, best_share, test_frac, max_train, seed, out, pg, r, err, errlen))
		return -1;
	r->mape_seg_fit = best;
	r->n_seg_fit = with;
	return 0;
}

int calib_run(const calib_config *c, FILE *out, char *err, size_t errlen)
{
	if (c->check && c->write) {
		snprintf(err, errlen, "--check fits nothing, so it has nothing to --write");
		return -1;
	}
	if (c->segments && (c->check || !isnan(c->share))) {
		snprintf(
		    err, errlen,
		    "--segments chooses share in a fit: it goes with neither --check nor --share");
		return -1;
	}
	if (!isnan(c->share) && !(c->share >= 0 && c->share <= SIM_SHARE_MAX)) {
		snprintf(err, errlen, "--share must be between 0 and %g, got %g", SIM_SHARE_MAX,
		         c->share);
		return -1;
	}
	const char *gpu = c->gpu, *data = c->data, *groups = c->groups;
	char path[1100];
	data_where w;
	if (!data && data_find(&w, err, errlen))
		return -1;
	const char *dir = data ? data : w.dir;
	if (!groups) {
		snprintf(path, sizeof path, "%s/%s/groups.csv", dir, gpu);
		groups = path;
	}
	/* a missing profile is an error there: the simulator is never
	 * calibrated against a roofline guess */
	prof *p = prof_new(gpu, dir, err, errlen);
	if (!p)
		return -1;
	smp_set s = {0}, seg = {0};
	calib_result r = {0};
	int rc = smp_read_csv(groups, &s, err, errlen);
	if (rc == 0 && c->segments)
		rc = smp_read_csv(c->segments, &seg, err, errlen);
	if (rc == 0 && c->check)
		rc = check_stored(p, &s, dir, gpu, groups, c->share, out, err, errlen);
	else if (rc == 0 && c->segments)
		rc = calib_fit_share(p, &s, &seg, c->segments, c->test_frac, (size_t)c->max_train,
		                     c->seed, out, c->progress, &r, err, errlen);
	else if (rc == 0)
		rc = calib_fit(p, &s, isnan(c->share) ? 0 : c->share, c->test_frac,
		               (size_t)c->max_train, c->seed, out, c->progress, &r, err, errlen);
	if (rc == 0 && !c->check) {
		fprintf(out,
		        "\ncontention model for %s: kappa %.4f  scale_c %.4f  scale_m %.4f  share "
		        "%.4g\n",
		        gpu, r.kappa, r.scale_c, r.scale_m, r.share);
		fprintf(out,
		        "group latency MAPE: train %.2f%% (%zu groups), held-out %.2f%% (%zu groups)\n",
		        r.mape_train, r.n_train, r.mape_test, r.n_test);
		if (c->write && (rc = calib_write(dir, gpu, &r, err, errlen)) == 0)
			fprintf(out, "wrote %s/%s/sim.csv\n", dir, gpu);
	}
	smp_set_free(&s);
	smp_set_free(&seg);
	prof_free(p);
	return rc ? -1 : 0;
}
