/* test_prof.c: reading measured profiles, interpolation, roofline
 * fallback and malformed files. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "prof.h"

static char dir[] = "/tmp/abacus-prof-XXXXXX";

#define HEAD "model,op,batch,seq,median_us,p99_us\n"

static const char *write_file(const char *name, const char *body)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(body, f);
	fclose(f);
	return path;
}

int main(void)
{
	char err[2048];
	CHECK(mkdtemp(dir) != NULL);
	zoo_model *r50 = zoo_model_new("resnet50", err, sizeof err);
	zoo_model *bert = zoo_model_new("bert", err, sizeof err);
	zoo_model *vgg = zoo_model_new("vgg16", err, sizeof err);
	CHECK(r50 && bert && vgg);

	const char *good = write_file("ops.csv", "model,op,batch,seq,median_us,p99_us\n"
	                                         "resnet50,0,1,0,100,110\n"
	                                         "resnet50,0,4,0,250,260\n"
	                                         "bert,0,1,16,100,101\n"
	                                         "bert,0,2,16,160,170\n"
	                                         "bert,0,1,64,300,310\n"
	                                         "bert,0,2,64,500,510\n");
	prof *p = prof_new_file("h100", good, err, sizeof err);
	CHECK(p != NULL);
	if (p) {
		CHECK(prof_measured(p, "resnet50"));
		CHECK(prof_measured(p, "bert"));
		CHECK(!prof_measured(p, "vgg16"));
		CHECK_INT(prof_op_ns(p, r50, 0, 1, 0), 100000);
		CHECK_INT(prof_op_ns(p, r50, 0, 4, 0), 250000);
		CHECK_INT(prof_op_ns(p, r50, 0, 2, 0), 150000);  /* between */
		CHECK_INT(prof_op_ns(p, r50, 0, 8, 0), 450000);  /* beyond: same line */
		CHECK_INT(prof_op_ns(p, bert, 0, 1, 16), 100000);
		CHECK_INT(prof_op_ns(p, bert, 0, 2, 64), 500000);
		/* seq 32 at batch 1: a third of the way from 16 to 64 */
		CHECK_NEAR(prof_op_ns(p, bert, 0, 1, 32), 100000 + 200000.0 / 3, 1);
		/* seq 40 at batch 2: halfway */
		CHECK_NEAR(prof_op_ns(p, bert, 0, 2, 40), 330000, 1);
		/* an op or a model the file lacks: roofline */
		CHECK_INT(prof_op_ns(p, vgg, 3, 4, 0), gpu_roofline_op_ns(prof_gpu(p), vgg, 3, 4, 0));
		CHECK_INT(prof_op_ns(p, r50, 5, 4, 0), gpu_roofline_op_ns(prof_gpu(p), r50, 5, 4, 0));

		prof_table *t = prof_table_new(p, r50);
		const int64_t *pre = prof_table_prefix(t, 4, 0);
		CHECK_INT(pre[0], 0);
		CHECK_INT(pre[1], 250000);
		int64_t sum = 0;
		for (int op = 0; op < r50->n_ops; op++)
			sum += prof_op_ns(p, r50, op, 4, 0);
		CHECK_INT(pre[r50->n_ops], sum);
		CHECK(prof_table_prefix(t, 4, 0) == pre); /* tabulated once */
		prof_table_free(t);
		prof_free(p);
	}

	/* whole-model rows: op = n_ops, interpolated like an op; the table
	 * gives them for [0, n_ops) only */
	{
		char body[512];
		snprintf(body, sizeof body,
		         "model,op,batch,seq,median_us,p99_us\n"
		         "resnet50,0,1,0,100,110\n"
		         "resnet50,0,4,0,250,260\n"
		         "resnet50,%d,1,0,900,950\n"
		         "resnet50,%d,4,0,2100,2200\n"
		         "bert,0,1,16,100,101\n",
		         r50->n_ops, r50->n_ops);
		const char *wp = write_file("whole.csv", body);
		prof *w = prof_new_file("h100", wp, err, sizeof err);
		CHECK(w != NULL);
		if (w) {
			CHECK_INT(prof_whole_ns(w, r50, 1, 0), 900000);
			CHECK_INT(prof_whole_ns(w, r50, 2, 0), 1300000); /* between */
			CHECK_INT(prof_whole_ns(w, bert, 1, 16), 0);     /* none measured */
			CHECK_INT(prof_op_ns(w, r50, 0, 4, 0), 250000);  /* ops as before */
			prof_table *t = prof_table_new(w, r50);
			const int64_t *pre = prof_table_prefix(t, 4, 0);
			int n = r50->n_ops;
			CHECK_INT(prof_table_seg_ns(t, 4, 0, 0, n), 2100000);
			CHECK_INT(prof_table_seg_ns(t, 4, 0, 0, n - 1), pre[n - 1]);
			CHECK_INT(prof_table_seg_ns(t, 4, 0, 1, n), pre[n] - pre[1]);
			prof_table_free(t);
			t = prof_table_new(w, bert);
			pre = prof_table_prefix(t, 1, 16);
			CHECK_INT(prof_table_seg_ns(t, 1, 16, 0, bert->n_ops), pre[bert->n_ops]);
			prof_table_free(t);
			prof_free(w);
		}
		unlink(wp);
	}

	/* roofline: more work takes longer, and batch scales it */
	prof *roof = prof_new_file("a100", NULL, err, sizeof err);
	CHECK(roof != NULL);
	int64_t b1 = prof_op_ns(roof, vgg, 0, 1, 0), b16 = prof_op_ns(roof, vgg, 0, 16, 0);
	CHECK(b1 > 0 && b16 > 4 * b1);
	const gpu_spec *h = gpu_find("h100"), *a = gpu_find("a100");
	CHECK(gpu_roofline_op_ns(h, vgg, 0, 16, 0) < gpu_roofline_op_ns(a, vgg, 0, 16, 0));
	prof_free(roof);

	/* the shipped H100 profile, when present, covers the big models */
	prof *shipped = prof_new("h100", ABACUS_SOURCE_DIR "/data", err, sizeof err);
	CHECK(shipped != NULL);
	if (shipped && prof_path(shipped)[0]) {
		CHECK(prof_measured(shipped, "resnet50"));
		CHECK(prof_measured(shipped, "bert"));
		int64_t t1 = prof_op_ns(shipped, r50, 1, 1, 0), t8 = prof_op_ns(shipped, r50, 1, 8, 0);
		CHECK(t1 > 1000 && t8 >= t1);
	}
	prof_free(shipped);

	/* a profile of more sequence lengths than any fixed table: 70 of
	 * them, 8 to 146 by 2, at us = seq * seq / 16 + batch. Lookups past
	 * the 64th interpolate between the two lengths around them, not over
	 * the rows of several. */
	{
		size_t cap = 8192, used = 0;
		char *body = malloc(cap);
		CHECK(body != NULL);
		used += (size_t)snprintf(body, cap, HEAD);
		for (int seq = 8; seq <= 146; seq += 2)
			for (int b = 1; b <= 2; b++)
				used += (size_t)snprintf(
				    body + used, cap - used, "bert,0,%d,%d,%g,%g\n", b, seq,
				    seq * seq / 16.0 + b, seq * seq / 16.0 + b);
		CHECK(used < cap);
		prof *many = prof_new_file("h100", write_file("seqs.csv", body), err, sizeof err);
		CHECK(many != NULL);
		if (many) {
			CHECK_INT(prof_op_ns(many, bert, 0, 2, 146), 146 * 146 * 1000 / 16 + 2000);
			CHECK_INT(prof_op_ns(many, bert, 0, 1, 140), 140 * 140 * 1000 / 16 + 1000);
			/* halfway between 144 and 146 */
			CHECK_NEAR(prof_op_ns(many, bert, 0, 2, 145),
			           (144 * 144 + 146 * 146) * 1000 / 32.0 + 2000, 1);
			CHECK_INT(prof_op_ns(many, bert, 0, 1, 8), 8 * 8 * 1000 / 16 + 1000);
		}
		prof_free(many);
		free(body);
	}

	/* a row measured at a large batch, scaled down in proportion and
	 * then extrapolated past it, gives a small fraction of a ns: still an
	 * op that takes time, never 0 ns */
	{
		prof *tiny = prof_new_file(
		    "h100", write_file("tiny.csv", HEAD "bert,0,4,8,100\nbert,0,816,491,0.407\n"),
		    err, sizeof err);
		CHECK(tiny != NULL);
		if (tiny) {
			CHECK_INT(prof_op_ns(tiny, bert, 0, 1, 512), 1);
			CHECK_INT(prof_op_ns(tiny, bert, 0, 4, 8), 100000);
		}
		prof_free(tiny);
	}

	/* errors */
	CHECK(prof_new_file("h900", NULL, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "unknown gpu 'h900'");
	CHECK_STR_HAS(err, "h100");
	const char *bad = write_file("bad.csv", "model,op,batch,seq,median_us,p99_us\n"
	                                        "resnet50,0,1,0,100,110\n"
	                                        "resnet50,0,x,0,100,110\n");
	CHECK(prof_new_file("h100", bad, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "bad.csv:3:3: bad value 'x'");
	const char *bad2 =
	    write_file("bad2.csv", "model,op,batch,seq,median_us\nresnet50,0,1,0,-5\n");
	CHECK(prof_new_file("h100", bad2, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "bad2.csv:2:5: bad value '-5'");
	/* latencies past the int64 ns clock, or past any real op */
	const char *huge =
	    write_file("huge.csv", HEAD "resnet50,0,1,0,100,110\nresnet50,0,4,0,1e15,110\n");
	CHECK(prof_new_file("h100", huge, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "huge.csv:3:5: latency 1e15 us is over 1e+08 us (100 s) for one op");
	huge = write_file("huge2.csv", HEAD "resnet50,0,1,0,100,1e300\n");
	CHECK(prof_new_file("h100", huge, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "huge2.csv:2:6: latency 1e300 us is over");
	huge = write_file("huge3.csv", HEAD "resnet50,0,1,0,100,0\n");
	CHECK(prof_new_file("h100", huge, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "huge3.csv:2:6: bad value '0'");
	huge = write_file("huge4.csv", HEAD "resnet50,0,1,0,100000000,100000000\n");
	prof *edge = prof_new_file("h100", huge, err, sizeof err);
	CHECK(edge != NULL); /* 100 s is still a latency */
	prof_free(edge);
	const char *bad3 = write_file("bad3.csv", HEAD "resnet50,0,1\n");
	CHECK(prof_new_file("h100", bad3, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "bad3.csv:2:4: missing field 'seq'");
	CHECK(prof_new_file("h100", "/nonexistent/ops.csv", err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "cannot open profile /nonexistent/ops.csv");

	/* a file without rows would run every model on roofline guesses */
	const char *empty = write_file("empty.csv", "");
	CHECK(prof_new_file("h100", empty, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "empty.csv:1:1: no header row, expected columns model, op, batch, seq, "
	                   "median_us, p99_us (optional)");
	const char *head = write_file("head.csv", "model,op,batch,seq,median_us,p99_us\n# none\n");
	CHECK(prof_new_file("h100", head, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "head.csv has no rows");
	/* rows no lookup would find: a model outside the zoo, an op past the
	 * whole-model row */
	const char *alien = write_file("alien.csv", "model,op,batch,seq,median_us,p99_us\n"
	                                            "resnet50,0,1,0,100,110\n"
	                                            "resnet5,0,1,0,100,110\n");
	CHECK(prof_new_file("h100", alien, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "alien.csv:3:1: unknown model 'resnet5'");
	char body[256];
	snprintf(body, sizeof body, HEAD "resnet50,%d,1,0,100,110\nresnet50,%d,1,0,100,110\n",
	         r50->n_ops, r50->n_ops + 1);
	const char *far = write_file("far.csv", body);
	CHECK(prof_new_file("h100", far, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "far.csv:3:2: op 19 is out of range for resnet50 (ops 0 to 17, and 18 "
	                   "for the whole model)");
	/* a seq the model does not have: resnet50's rows of op 0 at seq 0
	 * and 7 were interpolated as one line of batches, and batch 8 came
	 * out of a line through (4, 250) and (2, 9999) */
	const char *stray = write_file("stray.csv", HEAD "resnet50,0,1,0,100,110\n"
	                                                 "resnet50,0,4,0,250,260\n"
	                                                 "resnet50,0,2,7,9999,9999\n");
	CHECK(prof_new_file("h100", stray, err, sizeof err) == NULL);
	CHECK_STR_HAS(err,
	              "stray.csv:4:4: resnet50 has no sequence length, but seq is 7 (write 0)");
	stray = write_file("stray2.csv", HEAD "bert,0,1,8,100,110\nbert,0,1,513,100,110\n");
	CHECK(prof_new_file("h100", stray, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "stray2.csv:3:4: bert seq 513 is not between 8 and 512");
	stray = write_file("stray3.csv", HEAD "bert,0,1,0,100,110\n");
	CHECK(prof_new_file("h100", stray, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "stray3.csv:2:4: bert seq 0 is not between 8 and 512");

	/* columns by name, in any order, after a byte order mark */
	const char *moved = write_file("moved.csv", "\xEF\xBB\xBFseq, batch,median_us,model,op\r\n"
	                                            "0,4,250,resnet50,0\r\n");
	prof *mp = prof_new_file("h100", moved, err, sizeof err);
	CHECK(mp != NULL);
	if (mp)
		CHECK_INT(prof_op_ns(mp, r50, 0, 4, 0), 250000);
	prof_free(mp);
	/* the columns are fixed: one more is a mistake, not data to skip */
	const char *extra = write_file("extra.csv", "model,op,batch,seq,median_us,p99_us,gpu\n"
	                                            "resnet50,0,1,0,100,110,h100\n");
	CHECK(prof_new_file("h100", extra, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "extra.csv:1:7: unknown column 'gpu', expected model, op, batch, seq, "
	                   "median_us, p99_us (optional)");
	extra = write_file("extra2.csv", HEAD "resnet50,0,1,0,100,110,7\n");
	CHECK(prof_new_file("h100", extra, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "extra2.csv:2:7: extra field (the header has 6 columns)");
	extra = write_file("twice.csv", "model,op,batch,seq,median_us,op\n");
	CHECK(prof_new_file("h100", extra, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "twice.csv:1:6: column 'op' appears twice (also column 2)");
	/* two rows of one key: which one a lookup finds would be luck */
	const char *dup = write_file("dup.csv", HEAD "resnet50,0,1,0,100,110\n"
	                                             "resnet50,0,4,0,250,260\n"
	                                             "resnet50,0,1,0,120,130\n");
	CHECK(prof_new_file("h100", dup, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "dup.csv:4:1: duplicate row: resnet50 op 0 batch 1 seq 0 is also on "
	                   "line 2");
	/* a row longer than the reader's bound is refused, never split */
	{
		char lpath[300];
		snprintf(lpath, sizeof lpath, "%s/long.csv", dir);
		FILE *f = fopen(lpath, "w");
		fputs(HEAD "resnet50,0,1,0,100,", f);
		for (int i = 0; i < 70000; i++)
			fputc('1', f);
		fputs("\nresnet50,0,4,0,250,260\n", f);
		fclose(f);
		CHECK(prof_new_file("h100", lpath, err, sizeof err) == NULL);
		CHECK_STR_HAS(err, "long.csv:2:65537: line longer than 65536 bytes");
		unlink(lpath);
	}
	/* a folder in the profile's place */
	{
		char sub[300];
		snprintf(sub, sizeof sub, "%s/folder.csv", dir);
		CHECK(mkdir(sub, 0700) == 0);
		CHECK(prof_new_file("h100", sub, err, sizeof err) == NULL);
		CHECK_STR_HAS(err, "cannot open profile ");
		CHECK_STR_HAS(err, "folder.csv: it is a folder, not a file");
		rmdir(sub);
	}

	/* a data folder must hold the profile: a GPU without one is an error
	 * naming the file, never the roofline */
	CHECK(prof_new("h100", "/nonexist", err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "data folder /nonexist: No such file or directory");
	CHECK(prof_new("h100", dir, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "no measured profile of gpu h100: ");
	CHECK_STR_HAS(err, "/h100/ops.csv is missing");
	CHECK_STR_HAS(err, "profile = \"roofline\"");
	CHECK(prof_new("h100", write_file("plain", "x\n"), err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "plain is not a folder");
	setenv("ABACUS_DATA", ABACUS_SOURCE_DIR "/data", 1);
	CHECK(prof_new("a100", NULL, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "no measured profile of gpu a100: ");
	CHECK_STR_HAS(err, "set by ABACUS_DATA");
	setenv("ABACUS_DATA", "/nonexist", 1);
	CHECK(prof_new("h200", NULL, err, sizeof err) == NULL);
	CHECK_STR_HAS(err, "ABACUS_DATA=/nonexist: No such file or directory");
	unsetenv("ABACUS_DATA");
	/* every op of a served model must be measured */
	{
		prof *sp = prof_new("h200", NULL, err, sizeof err);
		zoo_model *r18 = zoo_model_new("resnet18", err, sizeof err);
		zoo_model *r50s = zoo_model_new("resnet50", err, sizeof err);
		CHECK(sp && r18 && r50s);
		if (sp && r18 && r50s) {
			CHECK_INT(prof_check_model(sp, r50s, err, sizeof err), 0);
			CHECK_INT(prof_check_model(sp, r18, err, sizeof err), -1);
			CHECK_STR_HAS(err, "h200/ops.csv has no rows for resnet18: it is not measured on gpu h200");
		}
		prof *roofp = prof_new_file("h200", NULL, err, sizeof err);
		CHECK(roofp && prof_check_model(roofp, r18, err, sizeof err) == 0);
		prof_free(roofp);
		prof_free(sp);
		zoo_model_free(r18);
		zoo_model_free(r50s);
	}
	{
		/* ops 0 and 1 of resnet50 only */
		prof *part = prof_new_file("h100", write_file("part.csv", HEAD "resnet50,0,1,0,100,110\nresnet50,1,1,0,100,110\n"), err, sizeof err);
		zoo_model *r50p = zoo_model_new("resnet50", err, sizeof err);
		CHECK(part && r50p);
		if (part && r50p) {
			CHECK_INT(prof_check_model(part, r50p, err, sizeof err), -1);
			CHECK_STR_HAS(err, "part.csv has no rows for resnet50 op 2 (of ops 0 to 17)");
		}
		prof_free(part);
		zoo_model_free(r50p);
	}
	{
		/* Profiles measured in partitions: a folder h200/ with ops.csv and
		 * sms32/, sms64/. Op 0 of resnet50 at batch 4: 100 us on 132 SMs,
		 * 150 on 64, 300 on 32. */
		char g[256], sub[300];
		snprintf(g, sizeof g, "%s/h200", dir);
		CHECK(mkdir(g, 0700) == 0);
		write_file("h200/ops.csv", HEAD "resnet50,0,4,0,100,110\nresnet50,1,4,0,50,60\n");
		snprintf(sub, sizeof sub, "%s/sms64", g);
		CHECK(mkdir(sub, 0700) == 0);
		write_file("h200/sms64/ops.csv", HEAD "resnet50,0,4,0,150,160\n");
		snprintf(sub, sizeof sub, "%s/sms32", g);
		CHECK(mkdir(sub, 0700) == 0);
		write_file("h200/sms32/ops.csv", HEAD "resnet50,0,4,0,300,310\n");
		prof *w = prof_new("h200", dir, err, sizeof err);
		CHECK(w != NULL);
		if (w) {
			int sz[PROF_MAX_SIZES];
			CHECK_INT(prof_sizes(w, sz, PROF_MAX_SIZES), 2);
			CHECK_INT(sz[0], 32);
			CHECK_INT(sz[1], 64);
			prof *p64 = prof_new_partition(w, 64, err, sizeof err);
			prof *p96 = prof_new_partition(w, 96, err, sizeof err);
			prof *p48 = prof_new_partition(w, 48, err, sizeof err);
			prof *p16 = prof_new_partition(w, 16, err, sizeof err);
			prof *m16 = NULL;
			CHECK(p64 && p96 && p48 && p16);
			if (p64 && p96 && p48 && p16) {
				/* measured at the size: taken as is */
				CHECK_INT(prof_op_ns(p64, r50, 0, 4, 0), 150000);
				CHECK_STR_HAS(prof_origin(p64), "64 SMs: 1 rows measured");
				/* between 64 and the whole GPU, linear in 1/sms */
				double f = (1.0 / 96 - 1.0 / 64) / (1.0 / 132 - 1.0 / 64);
				CHECK_NEAR((double)prof_op_ns(p96, r50, 0, 4, 0), 150000 + (100000 - 150000) * f, 1);
				f = (1.0 / 48 - 1.0 / 32) / (1.0 / 64 - 1.0 / 32);
				CHECK_NEAR((double)prof_op_ns(p48, r50, 0, 4, 0), 300000 + (150000 - 300000) * f, 1);
				/* below the smallest size: scaled from it as the model
				 * scales from 32 to 16 SMs */
				prof *bare = prof_new_file("h200", write_file("h200/ops.csv", HEAD "resnet50,0,4,0,100,110\nresnet50,1,4,0,50,60\n"), err, sizeof err);
				prof *s16 = bare ? prof_new_partition(bare, 16, err, sizeof err) : NULL;
				prof *s32 = bare ? prof_new_partition(bare, 32, err, sizeof err) : NULL;
				CHECK(s16 && s32);
				if (s16 && s32)
					CHECK_NEAR((double)prof_op_ns(p16, r50, 0, 4, 0),
					           300000.0 * (double)prof_op_ns(s16, r50, 0, 4, 0) /
					               (double)prof_op_ns(s32, r50, 0, 4, 0),
					           2);
				/* a row measured at no size: the model, as without sizes */
				if (s16)
					CHECK_INT(prof_op_ns(p16, r50, 1, 4, 0), prof_op_ns(s16, r50, 1, 4, 0));
				m16 = s16;
				prof_free(s32);
				prof_free(bare);
			}
			/* a size equal to the GPU's, or a second file of one size */
			/* a whole-GPU profile measured with the sizes' engine is the
			 * interpolation's upper end; plain runs keep ops.csv */
			CHECK_INT(prof_add_size(w, 132, write_file("h200/w132.csv", HEAD "resnet50,0,4,0,90,95\n"), err, sizeof err), 0);
			prof *q96 = prof_new_partition(w, 96, err, sizeof err);
			prof *q132 = prof_new_partition(w, 132, err, sizeof err);
			CHECK(q96 && q132);
			if (q96 && q132) {
				double f2 = (1.0 / 96 - 1.0 / 64) / (1.0 / 132 - 1.0 / 64);
				CHECK_NEAR((double)prof_op_ns(q96, r50, 0, 4, 0), 150000 + (90000 - 150000) * f2, 1);
				CHECK_INT(prof_op_ns(q132, r50, 0, 4, 0), 100000);
			}
			prof_free(q96);
			prof_free(q132);
			CHECK_INT(prof_add_size(w, 133, "x.csv", err, sizeof err), -1);
			CHECK_STR_HAS(err, "has 1 to 132 SMs, got 133");
			snprintf(sub, sizeof sub, "%s/h200/sms64/ops.csv", dir);
			CHECK_INT(prof_add_size(w, 64, sub, err, sizeof err), -1);
			CHECK_STR_HAS(err, "a profile of 64 SMs is already loaded");
			prof_free(m16);
			prof_free(p64);
			prof_free(p96);
			prof_free(p48);
			prof_free(p16);
		}
		prof_free(w);
		/* a broken size file stops the load, naming it */
		write_file("h200/sms32/ops.csv", HEAD "resnet50,0,4,0,-3,310\n");
		CHECK(prof_new("h200", dir, err, sizeof err) == NULL);
		CHECK_STR_HAS(err, "sms32/ops.csv:2:");
		static const char *const sized[] = {"h200/w132.csv", "h200/sms32/ops.csv", "h200/sms64/ops.csv",
		                                    "h200/ops.csv", "h200/sms32", "h200/sms64", "h200"};
		for (size_t i = 0; i < sizeof sized / sizeof sized[0]; i++) {
			char path[300];
			snprintf(path, sizeof path, "%s/%s", dir, sized[i]);
			remove(path);
		}
	}
	/* write_file's paths share one buffer: remove the files by name */
	static const char *const made[] = {
	    "ops.csv",   "bad.csv",   "bad2.csv",  "bad3.csv",   "empty.csv",  "head.csv",
	    "alien.csv", "far.csv",   "plain",     "huge.csv",   "huge2.csv",  "huge3.csv",
	    "huge4.csv", "moved.csv", "extra.csv", "extra2.csv", "twice.csv",  "dup.csv",
	    "part.csv",  "seqs.csv",  "stray.csv", "stray2.csv", "stray3.csv", "tiny.csv"};
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
		char path[300];
		snprintf(path, sizeof path, "%s/%s", dir, made[i]);
		unlink(path);
	}

	zoo_model_free(r50);
	zoo_model_free(bert);
	zoo_model_free(vgg);
	rmdir(dir);
	return check_report("test_prof");
}
