/* test_calib.c: the contention model's calibration recovers the
 * parameters that generated a set of groups, and reports held-out error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calib.h"
#include "check.h"
#include "rng.h"
#include "sim.h"

/* n groups of two models with random ranges, timed by a simulator with
 * the given contention parameters: the stand-in for a GPU, which gives
 * each segment's end too (seg_us). */
static void generate_n(const prof *p, double kappa, double scale_c, double share, double noise,
                       int n, smp_set *out)
{
	char err[256];
	const char *names[3] = {"resnet50", "vgg16", "bert"};
	zoo_model *m[3];
	for (int i = 0; i < 3; i++)
		m[i] = zoo_model_new(names[i], err, sizeof err);
	sim_options o;
	sim_options_default(&o);
	o.kappa = kappa;
	o.scale_c = scale_c;
	o.share = share;
	o.noise = noise;
	o.seed = 11;
	device d;
	CHECK_INT(sim_device_open(&d, p, &o, err, sizeof err), 0);
	dev_service svc[3] = {{.model = m[0], .max_batch = 16, .max_seq = 0},
	                       {.model = m[1], .max_batch = 16, .max_seq = 0},
	                       {.model = m[2], .max_batch = 16, .max_seq = 128}};
	CHECK_INT(device_setup(&d, svc, 3), 0);
	rng r;
	rng_seed(&r, 5);
	int batches[4] = {1, 2, 4, 8}, seqs[3] = {16, 64, 128};
	for (int i = 0; i < n; i++) {
		int a = (int)rng_below(&r, 3), b = (a + 1 + (int)rng_below(&r, 2)) % 3;
		int ms[2] = {a < b ? a : b, a < b ? b : a};
		smp_group g;
		memset(&g, 0, sizeof g);
		dev_segment seg[2];
		g.n = 2;
		for (int k = 0; k < 2; k++) {
			zoo_model *zm = m[ms[k]];
			int start = (int)rng_below(&r, (uint32_t)zm->n_ops);
			int end = start + 1 + (int)rng_below(&r, (uint32_t)(zm->n_ops - start));
			int batch = batches[rng_below(&r, 4)];
			int seq = zm->has_seq ? seqs[rng_below(&r, 3)] : 0;
			seg[k] = (dev_segment){ms[k], batch, seq, start, end, 1};
			snprintf(g.seg[k].model, sizeof g.seg[k].model, "%s", zm->name);
			g.seg[k].batch = batch;
			g.seg[k].seq = seq;
			g.seg[k].start = start;
			g.seg[k].end = end;
		}
		smp_set_combo(&g);
		dev_group dg = {2, seg};
		int64_t ends[2], t0 = device_now(&d);
		CHECK_INT(device_run_group(&d, &dg, ends), 0);
		g.median_us = g.p99_us = (double)(device_now(&d) - t0) / 1e3;
		g.has_seg = 1;
		for (int k = 0; k < 2; k++)
			g.seg_us[k] = (double)(ends[k] - t0) / 1e3;
		smp_push(out, &g);
	}
	device_free(&d);
	for (int i = 0; i < 3; i++)
		zoo_model_free(m[i]);
}

static void generate(const prof *p, double kappa, double scale_c, double noise, smp_set *out)
{
	generate_n(p, kappa, scale_c, 0, noise, 600, out);
}

/* Segment ends of groups timed at share 1 (a grid point) choose share 1,
 * with no error left on them; the durations alone cannot tell. The
 * ends travel through a groups file and back. */
static void test_share(const prof *p, const char *dir)
{
	char err[512], path[400];
	smp_set s = {0}, back = {0};
	generate_n(p, 0.30, 2.0, 1.0, 0.0, 60, &s);
	snprintf(path, sizeof path, "%s/seg.csv", dir);
	CHECK_INT(smp_write_csv(path, &s, err, sizeof err), 0);
	CHECK_INT(smp_read_csv(path, &back, err, sizeof err), 0);
	CHECK_INT(back.n, s.n);
	int same = 1;
	for (size_t i = 0; i < s.n && i < back.n; i++)
		for (int k = 0; k < 2; k++)
			same &= back.g[i].has_seg &&
			        fabs(back.g[i].seg_us[k] - s.g[i].seg_us[k]) < 1e-3;
	CHECK(same);
	unlink(path);
	calib_result r, ck0, ck1;
	CHECK_INT(
	    calib_fit_share(p, &s, &back, "seg.csv", 0.25, 0, 1, stdout, NULL, &r, err, sizeof err),
	    0);
	CHECK_NEAR(r.share, 1.0, 0);
	CHECK(r.mape_seg_fit < 0.5);
	CHECK_INT(r.n_seg_fit, 60);
	/* the truth at share 0 and 1: the ends tell them apart */
	CHECK_INT(calib_check(p, &s, 0.30, 2.0, 1.0, 1.0, NULL, &ck1, err, sizeof err), 0);
	CHECK_INT(calib_check(p, &s, 0.30, 2.0, 1.0, 0.0, NULL, &ck0, err, sizeof err), 0);
	CHECK(ck1.mape_seg < 0.01); /* a ns of rounding, the clock elsewhere */
	CHECK_INT(ck1.n_seg, 120);
	CHECK(ck0.mape_seg > 1.0);
	printf("share: chosen %.2f (kappa %.3f), segment ends MAPE at share 0 %.2f%%\n", r.share,
	       r.kappa, ck0.mape_seg);
	/* too few groups with ends */
	for (size_t i = 10; i < back.n; i++)
		back.g[i].has_seg = 0;
	back.g[0].has_seg = 0;
	CHECK(calib_fit_share(p, &s, &back, "seg.csv", 0.25, 0, 1, NULL, NULL, &r, err,
	                      sizeof err) != 0);
	CHECK_STR_HAS(err, "seg.csv: choosing share needs at least 10 groups with their segment "
	                   "ends (seg_us), got 9");
	/* ends that are not one a segment, or past the group's end */
	const char *bad[] = {"1000", "1000;900;800", "1000;1100", "0;1000", "x;1000"};
	for (int i = 0; i < 5; i++) {
		FILE *f = fopen(path, "w");
		fprintf(f,
		        "combo,segments,median_us,p99_us,seg_us\n"
		        "resnet50+vgg16,resnet50:1:0:0:18;vgg16:1:0:0:5,1000,1000,%s\n"
		        "resnet50+vgg16,resnet50:1:0:0:18;vgg16:1:0:0:5,1000,1000,\n",
		        bad[i]);
		fclose(f);
		smp_set b = {0};
		CHECK(smp_read_csv(path, &b, err, sizeof err) != 0);
		CHECK_STR_HAS(err, "seg.csv:2:5: bad segment ends");
		smp_set_free(&b);
	}
	unlink(path);
	smp_set_free(&s);
	smp_set_free(&back);
}

int main(void)
{
	char err[512];
	prof *p = prof_new_file("h100", NULL, err, sizeof err);
	CHECK(p != NULL);

	/* noise-free data from kappa 0.3, scale_c 2: the fit finds a model as
	 * good as the truth (the grid holds both values) */
	smp_set s = {0};
	generate(p, 0.30, 2.0, 0.0, &s);
	calib_result r;
	CHECK_INT(calib_fit(p, &s, 0, 0.25, 0, 1, NULL, NULL, &r, err, sizeof err), 0);
	printf("clean: kappa %.3f scale_c %.3f scale_m %.3f mape train %.3f test %.3f\n", r.kappa,
	       r.scale_c, r.scale_m, r.mape_train, r.mape_test);
	CHECK(r.mape_train < 0.5);
	CHECK(r.mape_test < 0.5);
	CHECK_INT(r.n_test, 150);
	CHECK_INT(r.n_train, 450);
	CHECK_NEAR(r.kappa, 0.30, 0.051);

	/* checking parameters fits nothing: the truth has no error on every
	 * sample, a kappa of 0 the error of ignoring contention */
	calib_result ck;
	CHECK_INT(calib_check(p, &s, 0.30, 2.0, 1.0, 0, NULL, &ck, err, sizeof err), 0);
	CHECK_INT(ck.n_test, 600);
	CHECK(ck.mape_test < 1e-6);
	CHECK_INT(calib_check(p, &s, 0.0, 2.0, 1.0, 0, NULL, &ck, err, sizeof err), 0);
	CHECK(ck.mape_test > 1.0);
	printf("check: kappa 0 against data of 0.3: mape %.2f%% on %zu groups\n", ck.mape_test,
	       ck.n_test);
	smp_set none = {0};
	CHECK_INT(calib_check(p, &none, 0.3, 2.0, 1.0, 0, NULL, &ck, err, sizeof err), -1);
	CHECK_STR_HAS(err, "no measured groups");

	/* with 5% noise, the error floor is the noise: about 4% (mean
	 * absolute deviation of a 5% log-normal), and the fit stays close */
	smp_set sn = {0};
	generate(p, 0.30, 2.0, 0.05, &sn);
	CHECK_INT(calib_fit(p, &sn, 0, 0.25, 0, 1, stdout, NULL, &r, err, sizeof err), 0);
	CHECK(r.mape_test > 2.0 && r.mape_test < 6.0);
	printf("noisy: kappa %.3f scale_c %.3f scale_m %.3f mape test %.2f%%\n", r.kappa, r.scale_c,
	       r.scale_m, r.mape_test);

	/* the written calibration is what the simulator loads */
	char dir[] = "/tmp/abacus-calib-XXXXXX", sub[300];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof sub, "%s/h100", dir);
	CHECK_INT(mkdir(sub, 0755), 0);
	CHECK_INT(calib_write(dir, "h100", &r, err, sizeof err), 0);
	sim_options o;
	sim_options_default(&o);
	CHECK_INT(sim_load_calibration(dir, "h100", &o, err, sizeof err), 0);
	CHECK_NEAR(o.kappa, r.kappa, 1e-4);
	CHECK_NEAR(o.scale_c, r.scale_c, 1e-4);
	CHECK_INT(sim_load_calibration("/nonexistent", "h100", &o, err, sizeof err), 1);
	char path[400];
	snprintf(path, sizeof path, "%s/sim.csv", sub);
	FILE *f = fopen(path, "w");
	fputs("key,value\nkappa,abc\n", f);
	fclose(f);
	CHECK_INT(sim_load_calibration(dir, "h100", &o, err, sizeof err), -1);
	CHECK_STR_HAS(err, "sim.csv:2");
	unlink(path);
	/* a p99 that is no latency, as a median that is none */
	snprintf(path, sizeof path, "%s/groups.csv", sub);
	f = fopen(path, "w");
	fputs("combo,segments,median_us,p99_us\nresnet50,resnet50:4:0:0:18,1000,-1\n", f);
	fclose(f);
	smp_set neg = {0};
	CHECK(smp_read_csv(path, &neg, err, sizeof err) != 0);
	CHECK_STR_HAS(err, "groups.csv:2:4: bad latency '-1'");
	smp_set_free(&neg);
	/* a groups file with a line over 64 KiB, and one without newlines,
	 * are refused instead of read into memory */
	f = fopen(path, "w");
	fputs("combo,segments,median_us,p99_us\n", f);
	for (int i = 0; i < 70000; i++)
		fputc(i ? 'x' : '#', f);
	fputs("\n", f);
	fclose(f);
	smp_set lng = {0};
	CHECK(smp_read_csv(path, &lng, err, sizeof err) != 0);
	CHECK_STR_HAS(err, "groups.csv:2:65537: line longer than 65536 bytes");
	smp_set_free(&lng);
	unlink(path);
	if (access("/dev/zero", R_OK) == 0) {
		CHECK(smp_read_csv("/dev/zero", &lng, err, sizeof err) != 0);
		CHECK_STR_HAS(err, "/dev/zero:1:65537: line longer than 65536 bytes");
		smp_set_free(&lng);
	}
	test_share(p, dir);
	/* share goes to sim.csv, and comes back */
	r.share = 1.25;
	CHECK_INT(calib_write(dir, "h100", &r, err, sizeof err), 0);
	CHECK_INT(sim_load_calibration(dir, "h100", &o, err, sizeof err), 0);
	CHECK_NEAR(o.share, 1.25, 0);
	snprintf(path, sizeof path, "%s/sim.csv", sub);
	unlink(path);
	rmdir(sub);
	rmdir(dir);

	/* too few samples */
	smp_set tiny = {0};
	smp_push(&tiny, &s.g[0]);
	CHECK(calib_fit(p, &tiny, 0, 0.2, 0, 1, NULL, NULL, &r, err, sizeof err) != 0);
	CHECK_STR_HAS(err, "at least 10");
	/* enough in all, but too few left to fit on after the split */
	CHECK(s.n >= 20);
	CHECK(calib_fit(p, &s, 0, 0.99, 0, 1, NULL, NULL, &r, err, sizeof err) != 0);
	CHECK_STR_HAS(err, "calibration needs at least 10 training groups, but a test fraction of "
	                   "0.99 leaves");
	CHECK(calib_fit(p, &s, 0, 0.25, 3, 1, NULL, NULL, &r, err, sizeof err) != 0);
	CHECK_STR_HAS(err, "at least 10 training groups, but --max-train is 3");

	smp_set_free(&s);
	smp_set_free(&sn);
	smp_set_free(&tiny);
	prof_free(p);
	return check_report("test_calib");
}
