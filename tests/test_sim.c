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

static double ref_noise(rng *r, double sg)
{
	return sg <= 0 ? 1.0 : exp(sg * rng_normal(r) - 0.5 * sg * sg);
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
			if (ln[k].left <= 1e-9) {
				if (++ln[k].op < ln[k].end) {
					ref_load(&ln[k], pk);
				} else {
					ends[k] = (int64_t)(t + 0.5);
					ln[k].on = 0;
					active--;
				}
			}
		}
	}
}

/* Thousands of random groups of 1 to 4 segments, whole and cut, on the
 * roofline profile (demands from small to saturating), with noise: the
 * simulator's ends are the reference's, to the nanosecond. And GPUs
 * opened together (sharing the first's tables and op costs) give each
 * the same, also after one of them changes its contention. */
static void test_reference(void)
{
	char err[256];
	const char *names[4] = {"resnet50", "vgg16", "bert", "mobilenet_v2"};
	zoo_model *m[4];
	for (int i = 0; i < 4; i++)
		CHECK((m[i] = zoo_model_new(names[i], err, sizeof err)) != NULL);
	prof *p = prof_new_file("h100", NULL, err, sizeof err);
	CHECK(p != NULL);
	dev_service svc[4];
	prof_table *tab[4];
	for (int i = 0; i < 4; i++) {
		svc[i] = (dev_service){.model = m[i], .max_batch = 16, .max_seq = 64};
		tab[i] = prof_table_new(p, m[i]);
	}
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
	for (int i = 0; i < 4; i++) {
		prof_table_free(tab[i]);
		zoo_model_free(m[i]);
	}
	prof_free(p);
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

	prof_free(p);
	zoo_model_free(m[0]);
	zoo_model_free(m[1]);
	unlink(path);
	rmdir(dir);
	return check_report("test_sim");
}
