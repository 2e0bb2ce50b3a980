/* test_sim.c: the simulated GPU: exact solo timing, the contention model
 * on hand-checkable cases, seeded noise reproducible bit for bit. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
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

	prof_free(p);
	zoo_model_free(m[0]);
	zoo_model_free(m[1]);
	unlink(path);
	rmdir(dir);
	return check_report("test_sim");
}
