/* test_sim.c: the simulated GPU: exact solo timing, the contention model
 * on hand-checkable cases, seeded noise reproducible bit for bit. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "rng.h"
#include "sim.h"

static char dir[] = "/tmp/abacus-sim-XXXXXX";

/* A profile where every op of resnet50 and vgg16 takes 1 ms at every
 * batch: long enough that their demands are small (c, m << 1). */
static const char *write_profile(zoo_model *a, zoo_model *b)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/ops.csv", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "model,op,batch,seq,median_us,p99_us\n");
	for (int op = 0; op < a->n_ops; op++)
		fprintf(f, "%s,%d,1,0,1000,1000\n", a->name, op);
	for (int op = 0; op < b->n_ops; op++)
		fprintf(f, "%s,%d,1,0,1000,1000\n", b->name, op);
	fclose(f);
	return path;
}

static device open_sim(const prof *p, zoo_model **m, double noise, double kappa, uint64_t seed)
{
	char err[256];
	sim_options o;
	sim_options_default(&o);
	o.noise = noise;
	o.kappa = kappa;
	o.seed = seed;
	device d = {0};
	CHECK_INT(sim_device_open(&d, p, &o, err, sizeof err), 0);
	dev_service svc[2] = {{.model = m[0], .max_batch = 16, .max_seq = 0},
	                       {.model = m[1], .max_batch = 16, .max_seq = 0}};
	CHECK_INT(device_setup(&d, svc, 2), 0);
	return d;
}

/* sim.csv as `abacus calibrate --write` writes it, or edited by hand:
 * CRLF, blank lines and spaces are fine; a key it does not know, a zero
 * scale or a value that is not a number is an error, never a default
 * left in force. Returns sim_load_calibration's code; *o is what it read. */
static int read_calibration(const char *text, sim_options *o, char *err, size_t errlen)
{
	char sub[300], path[320];
	snprintf(sub, sizeof sub, "%s/gpu", dir);
	mkdir(sub, 0700);
	snprintf(path, sizeof path, "%s/sim.csv", sub);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	sim_options_default(o);
	int rc = sim_load_calibration(dir, "gpu", o, err, errlen);
	unlink(path);
	rmdir(sub);
	return rc;
}

static void test_calibration(void)
{
	char err[512] = "";
	sim_options o, def;
	sim_options_default(&def);
	CHECK_INT(read_calibration("key,value\r\n\r\n# fitted\r\n kappa , 0.5 \r\nscale_c,0.25\n"
	                           "\nscale_m,2\nmape_train,4.2\nmape_test,4.3\nn_test,10\n",
	                           &o, err, sizeof err),
	          0);
	CHECK_NEAR(o.kappa, 0.5, 0);
	CHECK_NEAR(o.scale_c, 0.25, 0);
	CHECK_NEAR(o.scale_m, 2, 0);
	CHECK_NEAR(o.share, 0, 0); /* a file without share: the one-factor model */
	CHECK_INT(read_calibration("key,value\nkappa,0.5\nshare,0.75\nmape_segments,9.4\n", &o, err,
	                           sizeof err),
	          0);
	CHECK_NEAR(o.share, 0.75, 0);
	CHECK_INT(read_calibration("key,value\nshare,9\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:2:1: share,9: keys are kappa (0 to 100), scale_c and scale_m "
	                   "(above 0, at most 1000), share (0 to 8)");
	CHECK_INT(read_calibration("key,value\nkapa,0.5\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:2:1: kapa,0.5: keys are kappa (0 to 100), scale_c and scale_m");
	/* values that would push a group past the int64 ns clock */
	CHECK_INT(read_calibration("key,value\nkappa,1e15\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:2:1: kappa,1e+15: keys are kappa (0 to 100)");
	CHECK_NEAR(o.kappa, def.kappa, 0);
	CHECK_INT(read_calibration("key,value\nkappa,100\nscale_c,1000\nscale_m,1000\n", &o, err,
	                           sizeof err),
	          0);
	CHECK_NEAR(o.kappa, 100, 0);
	CHECK_INT(read_calibration("key,value\nscale_c,1001\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:2:1: scale_c,1001:");
	CHECK_INT(read_calibration("key,value\nkappa,0.5\nscale_m,1e15\n", &o, err, sizeof err),
	          -1);
	CHECK_STR_HAS(err, "sim.csv:3:1: scale_m,1e+15:");
	CHECK_NEAR(o.kappa, def.kappa, 0); /* a failed read changes nothing */
	CHECK_INT(read_calibration("key,value\nkappa,0.5\nscale_c,0\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:3:1: scale_c,0:");
	CHECK_NEAR(o.kappa, def.kappa, 0);
	CHECK_INT(read_calibration("key,value\nscale_m,fast\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:2:2: scale_m: 'fast");
	CHECK_INT(read_calibration("key,value\nkappa\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:2:2: missing field 'value'");
	/* a key given twice: which value holds would be the reader's guess */
	CHECK_INT(
	    read_calibration("key,value\nkappa,0.5\nscale_c,1\nkappa,0.7\n", &o, err, sizeof err),
	    -1);
	CHECK_STR_HAS(err, "sim.csv:4:1: key 'kappa' given twice (also line 2)");
	CHECK_NEAR(o.kappa, def.kappa, 0);
	CHECK_INT(read_calibration("key,value\nn_test,10\nn_test,10\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:3:1: key 'n_test' given twice (also line 2)");
	CHECK_INT(sim_load_calibration(dir, "none", &o, err, sizeof err), 1);
	/* columns are found by name: rows without a header are refused */
	CHECK_INT(read_calibration("kappa,0.5\n", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:1:1: unknown column 'kappa', expected key, value");
	/* a folder where the file should be is not "not calibrated" */
	char sub[300], path[320];
	snprintf(sub, sizeof sub, "%s/gpu", dir);
	snprintf(path, sizeof path, "%s/sim.csv", sub);
	CHECK_INT(mkdir(sub, 0700) == 0 && mkdir(path, 0700) == 0, 1);
	CHECK_INT(sim_load_calibration(dir, "gpu", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv: it is a folder, not a file");
	rmdir(path);
	rmdir(sub);
}

/* The contention model as first written, op by op, lane by lane: the
 * reference the simulator's faster stepping must match bit for bit (its
 * noise drawn as the simulator draws it, from the same seeded stream). */
typedef struct ref_lane {
	int op, end, on;
	const int64_t *pre;
	const double *fl, *by;
	double scale, left, c, mem;
} ref_lane;

static void ref_load(ref_lane *l, const double *pk)
{
	double t = (double)(l->pre[l->op + 1] - l->pre[l->op]) * l->scale;
	double flops = l->fl[l->op + 1] - l->fl[l->op], bytes = l->by[l->op + 1] - l->by[l->op];
	double tt = t > 1.0 ? t : 1.0;
	l->left = t;
	l->c = fmin(1.0, pk[2] * flops / pk[0] / tt);
	l->mem = fmin(1.0, pk[3] * bytes / pk[1] / tt);
}

/* Lane l's op ended at t: loads its next, or ends the lane (1). */
static int ref_next(ref_lane *l, const double *pk, double t, int64_t *end)
{
	if (++l->op < l->end) {
		ref_load(l, pk);
		return 0;
	}
	*end = (int64_t)(t + 0.5);
	l->on = 0;
	return 1;
}

static double ref_noise(rng *r, double sg)
{
	return sg <= 0 ? 1.0 : exp(sg * rng_normal(r) - 0.5 * sg * sg);
}

/* The lanes of segments seg[0, n) at their first ops, each with its
 * noise (sg > 0: drawn from r) and its whole-run scale; those with no op
 * end at start. Returns how many are on. */
static int ref_lanes(prof_table **tab, const dev_segment *seg, int n, const double *pk, double sg,
                     rng *r, int64_t start, ref_lane *ln, int64_t *ends)
{
	int active = 0;
	for (int k = 0; k < n; k++) {
		prof_table *t = tab[seg[k].service];
		ref_lane *l = &ln[k];
		l->pre = prof_table_prefix(t, seg[k].batch, seg[k].seq);
		prof_table_work(t, seg[k].batch, seg[k].seq, &l->fl, &l->by);
		l->op = seg[k].start;
		l->end = seg[k].end;
		l->scale = ref_noise(r, sg);
		int64_t solo =
		    prof_table_seg_ns(t, seg[k].batch, seg[k].seq, seg[k].start, seg[k].end);
		int64_t sum = l->pre[seg[k].end] - l->pre[seg[k].start];
		if (solo > 0 && sum > 0 && solo != sum)
			l->scale *= (double)solo / (double)sum;
		l->on = l->op < l->end;
		if (l->on) {
			ref_load(l, pk);
			active++;
		} else {
			ends[k] = start;
		}
	}
	return active;
}

/* c: kappa, scale_c, scale_m */
static void ref_group(prof_table **tab, const prof *p, const dev_segment *seg, int n,
                      const double *c, double sg, rng *r, int64_t start, int64_t *ends)
{
	const gpu_spec *g = prof_gpu(p);
	double pk[4] = {g->tf32_tflops * 1e3 * g->eff_compute, g->mem_tbs * 1e3 * g->eff_mem, c[1],
	                c[2]};
	if (n == 1) {
		int64_t solo = prof_table_seg_ns(tab[seg->service], seg->batch, seg->seq,
		                                 seg->start, seg->end);
		ends[0] = start + (int64_t)((double)solo * ref_noise(r, sg) + 0.5);
		return;
	}
	ref_lane ln[4];
	int active = ref_lanes(tab, seg, n, pk, sg, r, start, ln, ends);
	double t = (double)start;
	while (active > 0) {
		double sc = 0, sm = 0, step = INFINITY;
		for (int k = 0; k < n; k++)
			if (ln[k].on) {
				sc += ln[k].c;
				sm += ln[k].mem;
				if (ln[k].left < step)
					step = ln[k].left;
			}
		t += step * (fmax(1.0, fmax(sc, sm)) + c[0] * (active - 1));
		for (int k = 0; k < n; k++) {
			if (!ln[k].on)
				continue;
			ln[k].left -= step;
			if (ln[k].left <= 1e-9)
				active -= ref_next(&ln[k], pk, t, &ends[k]);
		}
	}
}

/* Four models of every kind of op on the h100's roofline profile, with
 * their tables: the reference tests' fixture. */
typedef struct four {
	zoo_model *m[4];
	prof *p;
	dev_service svc[4];
	prof_table *tab[4];
} four;

static void four_open(four *f)
{
	char err[256];
	const char *names[4] = {"resnet50", "vgg16", "bert", "mobilenet_v2"};
	for (int i = 0; i < 4; i++)
		CHECK((f->m[i] = zoo_model_new(names[i], err, sizeof err)) != NULL);
	f->p = prof_new_file("h100", NULL, err, sizeof err);
	CHECK(f->p != NULL);
	for (int i = 0; i < 4; i++) {
		f->svc[i] = (dev_service){.model = f->m[i], .max_batch = 16, .max_seq = 64};
		f->tab[i] = prof_table_new(f->p, f->m[i]);
	}
}

static void four_close(four *f)
{
	for (int i = 0; i < 4; i++) {
		prof_table_free(f->tab[i]);
		zoo_model_free(f->m[i]);
	}
	prof_free(f->p);
}

/* The share model (sim.h) written plainly: each step every active lane's
 * weight, the rates by water-filling (the heaviest capped at 1 first),
 * the step to the first op's end at its rate. No noise. */
static void ref_share(prof_table **tab, const prof *p, const dev_segment *seg, int n,
                      const double *c, double a, int64_t start, int64_t *ends)
{
	const gpu_spec *g = prof_gpu(p);
	double pk[4] = {g->tf32_tflops * 1e3 * g->eff_compute, g->mem_tbs * 1e3 * g->eff_mem, c[1],
	                c[2]};
	ref_lane ln[4];
	int active = ref_lanes(tab, seg, n, pk, 0, NULL, start, ln, ends);
	double t = (double)start;
	while (active > 0) {
		double sc = 0, sm = 0, w[4], rate[4], w_left = 0;
		int order[4], m = 0;
		for (int k = 0; k < n; k++)
			if (ln[k].on) {
				sc += ln[k].c;
				sm += ln[k].mem;
				w[k] = pow(fmax(1e-3, fmax(ln[k].c, ln[k].mem)), a);
				w_left += w[k];
				int j = m++;
				for (; j > 0 && w[order[j - 1]] < w[k]; j--)
					order[j] = order[j - 1];
				order[j] = k;
			}
		double left = active / (fmax(1.0, fmax(sc, sm)) + c[0] * (active - 1));
		for (int j = 0; j < m; j++) {
			int k = order[j];
			rate[k] = fmin(1.0, left * w[k] / w_left);
			left -= rate[k];
			w_left -= w[k];
		}
		double dt = INFINITY;
		for (int k = 0; k < n; k++)
			if (ln[k].on)
				dt = fmin(dt, ln[k].left / rate[k]);
		t += dt;
		for (int k = 0; k < n; k++) {
			if (!ln[k].on)
				continue;
			ln[k].left -= rate[k] * dt;
			while (ln[k].on && ln[k].left <= 1e-6)
				active -= ref_next(&ln[k], pk, t, &ends[k]);
		}
	}
}

/* share > 0: random groups of 1 to 4 whole or cut segments end where the
 * plain model above says (to 2 ns of rounding); a lone segment ends as at
 * share 0; beside vgg16's convolutions at batch 16, which fill the GPU,
 * resnet50 at batch 1 is slowed more and vgg16 less than at share 0, and
 * more so at a larger share. A share past SIM_SHARE_MAX is refused. */
static void test_share(void)
{
	char err[256];
	four f;
	four_open(&f);
	const double c[3] = {0.3, 0.5, 0.7};
	sim_options so;
	sim_options_default(&so);
	so.kappa = c[0];
	so.scale_c = c[1];
	so.scale_m = c[2];
	device d[4];
	const double shares[4] = {0, 0.5, 1, 2};
	for (int i = 0; i < 4; i++) {
		so.share = shares[i];
		CHECK_INT(sim_device_open(&d[i], f.p, &so, err, sizeof err), 0);
		CHECK_INT(device_setup(&d[i], f.svc, 4), 0);
	}
	rng pick;
	rng_seed(&pick, 7);
	int bad = 0, alone_bad = 0;
	for (int i = 0; i < 600; i++) {
		int n = 1 + (int)rng_below(&pick, 4);
		dev_segment seg[4];
		for (int k = 0; k < n; k++) {
			int mi = (k + (int)rng_below(&pick, 4)) % 4;
			const zoo_model *mm = f.m[mi];
			int a = (int)rng_below(&pick, (uint32_t)mm->n_ops);
			int b = rng_below(&pick, 2)
			            ? mm->n_ops
			            : a + 1 + (int)rng_below(&pick, (uint32_t)(mm->n_ops - a));
			seg[k] = (dev_segment){mi,
			                       1 << rng_below(&pick, 5),
			                       mm->has_seq ? 8 << rng_below(&pick, 4) : 0,
			                       a,
			                       b,
			                       1};
		}
		dev_group g = {n, seg};
		int64_t base[4];
		for (int j = 0; j < 4; j++) {
			int64_t start = device_now(&d[j]), got[4], want[4];
			CHECK_INT(device_run_group(&d[j], &g, got), 0);
			if (j == 0)
				for (int k = 0; k < n; k++)
					base[k] = got[k] - start;
			if (n == 1) {
				alone_bad += got[0] - start != base[0];
				continue;
			}
			if (j == 0)
				continue;
			ref_share(f.tab, f.p, seg, n, c, shares[j], start, want);
			for (int k = 0; k < n; k++)
				bad += llabs(got[k] - want[k]) > 2;
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(alone_bad, 0);
	/* the direction of the split */
	double slow[4][2];
	dev_segment pair[2] = {{0, 1, 0, 0, f.m[0]->n_ops, 1}, {1, 16, 0, 0, 8, 1}};
	int64_t solo[2] = {prof_table_seg_ns(f.tab[0], 1, 0, 0, f.m[0]->n_ops),
	                   prof_table_seg_ns(f.tab[1], 16, 0, 0, 8)};
	for (int j = 0; j < 4; j++) {
		int64_t start = device_now(&d[j]), got[2];
		dev_group g = {2, pair};
		CHECK_INT(device_run_group(&d[j], &g, got), 0);
		for (int k = 0; k < 2; k++)
			slow[j][k] = (double)(got[k] - start) / (double)solo[k];
	}
	printf("share: resnet50 b1 beside vgg16 b16's first 8 ops slowed %.3f %.3f %.3f %.3f, "
	       "vgg16 %.3f %.3f %.3f %.3f (share 0, 0.5, 1, 2)\n",
	       slow[0][0], slow[1][0], slow[2][0], slow[3][0], slow[0][1], slow[1][1], slow[2][1],
	       slow[3][1]);
	/* vgg16 at a share of 1 already runs as fast as alone: past it,
	 * nothing changes */
	for (int j = 1; j < 4; j++) {
		CHECK(slow[j][0] >= slow[j - 1][0]);
		CHECK(slow[j][1] <= slow[j - 1][1]);
	}
	CHECK(slow[1][0] > slow[0][0] + 0.2 && slow[1][1] < slow[0][1] - 0.05);
	CHECK_NEAR(slow[3][1], 1.0, 1e-6);
	CHECK_INT(sim_set_share(&d[0], SIM_SHARE_MAX + 1), -1);
	CHECK_INT(sim_set_share(&d[0], -0.5), -1);
	CHECK_INT(sim_set_share(&d[0], 1.5), 0);
	so.share = 9;
	device bad_d;
	CHECK(sim_device_open(&bad_d, f.p, &so, err, sizeof err) != 0);
	CHECK_STR_HAS(err, "share in [0, 8]");
	for (int i = 0; i < 4; i++)
		device_free(&d[i]);
	four_close(&f);
}

/* Thousands of random groups of 1 to 4 segments, whole and cut, on the
 * roofline profile (demands from small to saturating), with noise: the
 * simulator's ends are the reference's, to the nanosecond. And GPUs
 * opened together (sharing the first's tables and op costs) give each
 * the same, also after one of them changes its contention. */
static void test_reference(void)
{
	char err[256];
	four f;
	four_open(&f);
	zoo_model **m = f.m;
	prof *p = f.p;
	dev_service *svc = f.svc;
	prof_table **tab = f.tab;
	dev_open_options oo[2];
	for (int i = 0; i < 2; i++)
		oo[i] = (dev_open_options){.gpu = "h100",
		                           .prof = p,
		                           .noise = 0.05,
		                           .kappa = 0.1,
		                           .seed = 11,
		                           .tf32 = 1,
		                           .graphs = 1,
		                           .conv_gemm = 1};
	device d[2], solo;
	CHECK_INT(sim_kind.open_parts(d, 2, oo, err, sizeof err), 0);
	sim_options so;
	sim_options_default(&so);
	so.noise = 0.05;
	so.kappa = 0.1;
	so.seed = 11;
	CHECK_INT(sim_device_open(&solo, p, &so, err, sizeof err), 0);
	for (int i = 0; i < 2; i++)
		CHECK_INT(device_setup(&d[i], svc, 4), 0);
	CHECK_INT(device_setup(&solo, svc, 4), 0);
	rng pick, noise[2], noise_solo;
	rng_seed(&pick, 3);
	rng_seed(&noise[0], 11 ^ 0x5eed5eed5eedULL);
	rng_seed(&noise[1], (11 ^ 0x9e3779b97f4a7c15ULL) ^ 0x5eed5eed5eedULL);
	rng_seed(&noise_solo, 11 ^ 0x5eed5eed5eedULL);
	int bad = 0;
	for (int i = 0; i < 3000; i++) {
		if (i == 2000) { /* the second GPU's contention changes: its own op costs */
			CHECK_INT(sim_set_contention(&d[1], 0.3, 1.5, 0.8), 0);
			CHECK_INT(sim_set_contention(&solo, 0.3, 1.5, 0.8), 0);
		}
		int n = 1 + (int)rng_below(&pick, 4);
		dev_segment seg[4];
		int order[4] = {0, 1, 2, 3};
		for (int k = 3; k > 0; k--) {
			int j = (int)rng_below(&pick, (uint32_t)k + 1), x = order[k];
			order[k] = order[j];
			order[j] = x;
		}
		for (int k = 0; k < n; k++) {
			const zoo_model *mm = m[order[k]];
			int a = (int)rng_below(&pick, (uint32_t)mm->n_ops);
			int b = rng_below(&pick, 2)
			            ? mm->n_ops
			            : a + 1 + (int)rng_below(&pick, (uint32_t)(mm->n_ops - a));
			if (rng_below(&pick, 3) == 0)
				a = 0;
			seg[k] = (dev_segment){order[k],
			                       1 << rng_below(&pick, 5),
			                       mm->has_seq ? 8 << rng_below(&pick, 4) : 0,
			                       a,
			                       b,
			                       1};
		}
		dev_group g = {n, seg};
		for (int j = 0; j < 3; j++) {
			device *dv = j < 2 ? &d[j] : &solo;
			rng *nr = j < 2 ? &noise[j] : &noise_solo;
			double c[2][3] = {{0.1, 1.0, 1.0}, {0.3, 1.5, 0.8}};
			int64_t start = device_now(dv), got[4], want[4];
			CHECK_INT(device_run_group(dv, &g, got), 0);
			ref_group(tab, p, seg, n, c[i >= 2000 && j > 0], 0.05, nr, start, want);
			for (int k = 0; k < n; k++)
				bad += got[k] != want[k];
		}
	}
	CHECK_INT(bad, 0);
	for (int i = 0; i < 2; i++)
		device_free(&d[i]);
	device_free(&solo);
	four_close(&f);
}

int main(void)
{
	char err[256];
	CHECK(mkdtemp(dir) != NULL);
	zoo_model *m[2] = {zoo_model_new("resnet50", err, sizeof err),
	                   zoo_model_new("vgg16", err, sizeof err)};
	const char *path = write_profile(m[0], m[1]);
	prof *p = prof_new_file("h100", path, err, sizeof err);
	CHECK(p != NULL);
	int64_t seg_end[2];

	/* solo: exactly the sum of op latencies, clock advances, waits jump */
	device d = open_sim(p, m, 0.0, 0.1, 1);
	CHECK_INT(device_now(&d), 0);
	dev_segment s0 = {0, 1, 0, 2, 7, 1};
	dev_group g1 = {1, &s0};
	CHECK_INT(device_run_group(&d, &g1, seg_end), 0);
	CHECK_INT(seg_end[0], 5000000);
	CHECK_INT(device_now(&d), 5000000);
	CHECK_INT(device_wait_until(&d, 9000000), 0);
	CHECK_INT(device_now(&d), 9000000);
	CHECK_INT(device_wait_until(&d, 1000), 0); /* never backwards */
	CHECK_INT(device_now(&d), 9000000);
	device_free(&d);

	/* two small-demand segments with kappa 0 overlap perfectly: each ends
	 * as if alone */
	d = open_sim(p, m, 0.0, 0.0, 1);
	dev_segment two[2] = {{0, 1, 0, 0, 3, 1}, {1, 1, 0, 0, 5, 1}};
	dev_group g2 = {2, two};
	CHECK_INT(device_run_group(&d, &g2, seg_end), 0);
	CHECK_INT(seg_end[0], 3000000);
	CHECK_INT(seg_end[1], 5000000);
	CHECK_INT(device_now(&d), 5000000);
	device_free(&d);

	/* kappa 0.25: while both run each is slowed by 1.25. Lane 0 (3 ms of
	 * work) ends at 3.75 ms; lane 1 has done 3 ms by then and runs its
	 * last 2 ms alone: ends at 5.75 ms */
	d = open_sim(p, m, 0.0, 0.25, 1);
	CHECK_INT(device_run_group(&d, &g2, seg_end), 0);
	CHECK_INT(seg_end[0], 3750000);
	CHECK_INT(seg_end[1], 5750000);
	device_free(&d);

	/* big demands make overlap close to running one after the other:
	 * vgg16's early 3x3 convolutions at batch 16 (roofline profile) keep
	 * the GPU's compute busy on their own */
	prof *roof = prof_new_file("h100", NULL, err, sizeof err);
	zoo_model *vv[2] = {m[1], m[1]};
	d = open_sim(roof, vv, 0.0, 0.0, 1);
	dev_segment big[2] = {{0, 16, 0, 1, 4, 1}, {1, 16, 0, 1, 4, 1}};
	int64_t solo = 0;
	for (int op = 1; op < 4; op++)
		solo += prof_op_ns(roof, m[1], op, 16, 0);
	dev_group gb = {2, big};
	CHECK_INT(device_run_group(&d, &gb, seg_end), 0);
	int64_t span = device_now(&d);
	CHECK(span >= solo);
	CHECK(span <= 2 * solo + 2);
	CHECK(span > 0.8 * (double)(2 * solo));
	device_free(&d);
	prof_free(roof);

	/* noise: same seed, same result bit for bit; other seed differs; the
	 * factor averages to 1 */
	int64_t ends[3][200];
	uint64_t seeds[3] = {5, 5, 6};
	for (int r = 0; r < 3; r++) {
		d = open_sim(p, m, 0.05, 0.1, seeds[r]);
		for (int i = 0; i < 200; i++) {
			dev_group g = {1 + i % 2, two};
			CHECK_INT(device_run_group(&d, &g, seg_end), 0);
			ends[r][i] = device_now(&d);
		}
		device_free(&d);
	}
	CHECK(memcmp(ends[0], ends[1], sizeof ends[0]) == 0);
	CHECK(memcmp(ends[0], ends[2], sizeof ends[0]) != 0);
	d = open_sim(p, m, 0.05, 0.1, 9);
	double total = 0;
	for (int i = 0; i < 4000; i++) {
		int64_t before = device_now(&d);
		CHECK_INT(device_run_group(&d, &g1, seg_end), 0);
		total += (double)(device_now(&d) - before);
	}
	CHECK_NEAR(total / 4000, 5000000, 5000000 * 0.01);
	device_free(&d);

	/* a profile with whole-model rows (prof.h): an uncut run costs the
	 * measured whole, 16 ms here instead of resnet50's 18 ops x 1 ms; a
	 * cut one still the sum of its ops. In a group the whole lane's ops
	 * shrink in proportion: with kappa 0 it ends at 16 ms. */
	{
		char wpath[300];
		snprintf(wpath, sizeof wpath, "%s/whole.csv", dir);
		FILE *f = fopen(wpath, "w");
		fprintf(f, "model,op,batch,seq,median_us,p99_us\n");
		for (int op = 0; op < m[0]->n_ops; op++)
			fprintf(f, "%s,%d,1,0,1000,1000\n", m[0]->name, op);
		fprintf(f, "%s,%d,1,0,%d,%d\n", m[0]->name, m[0]->n_ops, (m[0]->n_ops - 2) * 1000,
		        (m[0]->n_ops - 2) * 1000);
		for (int op = 0; op < m[1]->n_ops; op++)
			fprintf(f, "%s,%d,1,0,1000,1000\n", m[1]->name, op);
		fclose(f);
		prof *pw = prof_new_file("h100", wpath, err, sizeof err);
		CHECK(pw != NULL);
		int n = m[0]->n_ops;
		d = open_sim(pw, m, 0.0, 0.0, 1);
		dev_segment whole = {0, 1, 0, 0, n, 1}, cut = {0, 1, 0, 0, n - 1, 1};
		dev_group gw = {1, &whole}, gc = {1, &cut};
		CHECK_INT(device_run_group(&d, &gw, seg_end), 0);
		CHECK_INT(seg_end[0], (int64_t)(n - 2) * 1000000);
		int64_t t0 = device_now(&d);
		CHECK_INT(device_run_group(&d, &gc, seg_end), 0);
		CHECK_INT(seg_end[0] - t0, (int64_t)(n - 1) * 1000000);
		t0 = device_now(&d);
		dev_segment pair[2] = {{0, 1, 0, 0, n, 1}, {1, 1, 0, 0, 3, 1}};
		dev_group gp = {2, pair};
		CHECK_INT(device_run_group(&d, &gp, seg_end), 0);
		CHECK_NEAR(seg_end[0] - t0, (n - 2) * 1e6, 2);
		CHECK_INT(seg_end[1] - t0, 3000000);
		device_free(&d);
		prof_free(pw);
		unlink(wpath);
	}

	/* bad options */
	sim_options o;
	sim_options_default(&o);
	o.noise = -1;
	CHECK(sim_device_open(&d, p, &o, err, sizeof err) != 0);
	CHECK_STR_HAS(err, "noise");

	test_calibration();
	test_reference();
	test_share();

	prof_free(p);
	zoo_model_free(m[0]);
	zoo_model_free(m[1]);
	unlink(path);
	rmdir(dir);
	return check_report("test_sim");
}
