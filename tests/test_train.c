/* test_train.c: predictor files and `abacus train`.
 *
 * A file written and read back predicts as the model did; a missing
 * predictor is trained where it is needed and written into the bundle, a
 * current one is used as it is, a stale one (the data changed under it)
 * is trained again and never used; the 'one' predictor of a combination
 * wins over the 'all' one; a damaged file (header, checksum, feature
 * count) is refused with a message naming it; the command prints the CSV
 * it promises in every mode (split, folds, one per combination, leave one
 * pair out) and writes groups that are not the bundle's into the cache.
 * Data: the shipped H100 profile in a bundle of the test's own, with
 * groups measured on the simulated GPU replaying it (test_pred_gen.h).
 * Bad groups rows, seeds and data folders are refused with what is wrong.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "test_pred_gen.h"
#include "hash.h"
#include "train.h"

static char dir[] = "/tmp/abacus-train-XXXXXX";

/* A path in the test's folder; valid until the next call. */
static char *path_in(const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

/* Runs abacus with args; stdout into out (NUL-terminated), returns the
 * exit status. */
static int run_cli(const char *args, char *out, size_t len)
{
	const char *bin = getenv("ABACUS_BIN");
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "%s %s 2>%s", bin ? bin : "build/abacus", args,
	         path_in("stderr.txt"));
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	if (!f)
		return -1;
	while (n + 1 < len) {
		size_t r = fread(out + n, 1, len - 1 - n, f);
		if (r == 0)
			break;
		n += r;
	}
	out[n] = '\0';
	int st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first line the last run_cli wrote to stderr. */
static const char *cli_err(void)
{
	static char line[1024];
	FILE *f = fopen(path_in("stderr.txt"), "r");
	line[0] = '\0';
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = '\0';
		fclose(f);
	}
	return line;
}

static void write_text(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(body, f);
		fclose(f);
	}
}

/* `abacus train` on a groups file of one good row and then `row`: exit 1,
 * and stderr names groups file line 3 and says `want`. */
static void bad_groups(const char *data, const char *row, const char *want)
{
	char body[1024], args[2048], out[4096], where[600];
	snprintf(body, sizeof body,
	         "combo,segments,median_us,p99_us\n"
	         "resnet50+bert,resnet50:4:0:0:18;bert:8:64:0:12,1000.0,1100.0\n%s\n",
	         row);
	write_text(path_in("bad-groups.csv"), body);
	snprintf(args, sizeof args, "train --data %s --gpu h100 --groups %s --predictor lr", data,
	         path_in("bad-groups.csv"));
	CHECK_INT(run_cli(args, out, sizeof out), 1);
	snprintf(where, sizeof where, "%s:3:2: ", path_in("bad-groups.csv"));
	CHECK_STR_HAS(cli_err(), where);
	CHECK_STR_HAS(cli_err(), want);
}

static int count_lines(const char *s, const char *prefix)
{
	int n = 0;
	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static void copy_file(const char *from, const char *to)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
	CHECK_INT(system(cmd), 0);
}

/* The prediction of g by the predictor in file path. */
static int64_t predict_file(const char *path, const prof *p, const zoo_model *const *pair,
                            const dev_group *g)
{
	char err[1024];
	train_meta meta;
	train_model *m = NULL;
	predictor pr;
	int64_t got = -1;
	CHECK_INT(train_file_read(path, &meta, &m, err, sizeof err), 0);
	if (!m)
		return -1;
	CHECK_INT(train_predictor_open(&pr, m, p, pair, 2, err, sizeof err), 0);
	CHECK_INT(pred_predict(&pr, g, 1, &got), 0);
	pred_free(&pr);
	return got;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int main(void)
{
	char err[2048];
	CHECK(mkdtemp(dir) != NULL);
	char data[512], bundle[600], ops[700], csv[700], cache[512], progress[600];
	snprintf(data, sizeof data, "%s", path_in("data"));
	snprintf(bundle, sizeof bundle, "%s/h100", data);
	snprintf(ops, sizeof ops, "%s/ops.csv", bundle);
	snprintf(csv, sizeof csv, "%s/groups.csv", bundle);
	snprintf(cache, sizeof cache, "%s", path_in("cache"));
	snprintf(progress, sizeof progress, "%s", path_in("progress.txt"));
	CHECK_INT(mkdir(data, 0700), 0);
	CHECK_INT(mkdir(bundle, 0700), 0);
	copy_file(ABACUS_SOURCE_DIR "/data/h100/ops.csv", ops);
	setenv("XDG_CACHE_HOME", cache, 1);
	setenv("ABACUS_DATA", data, 1);
	prof *p = prof_new("h100", data, err, sizeof err);
	CHECK(p != NULL);
	zoo_model *m[GEN_N_MODELS];
	for (int i = 0; i < GEN_N_MODELS; i++)
		m[i] = zoo_model_new(gen_models[i], err, sizeof err);
	smp_set s = {0};
	CHECK_INT(gen_groups(p, m, 40, 11, &s, err, sizeof err), 0);
	train_data d;
	CHECK_INT(train_data_build(&d, &s, p, err, sizeof err), 0);
	const zoo_model *pair[2] = {m[0], m[6]}; /* resnet50 + bert */
	dev_segment seg[2] = {{0, 8, 0, 3, 15, 1}, {1, 4, 64, 2, 10, 1}};
	dev_group g = {2, seg};

	/* no groups: no predictor, and the message says what is missing */
	train_source src;
	CHECK_INT(train_source_init(&src, "h100", data, NULL, NULL, err, sizeof err), -1);
	CHECK_STR_HAS(err, "no measured groups for gpu h100: ");
	CHECK_STR_HAS(err, "/h100/groups.csv does not exist");
	CHECK_INT(smp_write_csv(csv, &s, err, sizeof err), 0);
	CHECK_INT(train_source_init(&src, "h100", data, NULL, NULL, err, sizeof err), 0);
	CHECK_STR_HAS(src.bundle, "/data/h100");
	CHECK_STR_HAS(src.cache, "/cache/abacus/h100-");

	/* a file written and read back predicts as the model does */
	train_model *all = NULL, *one = NULL;
	CHECK_INT(train_fit("lr", &d, NULL, d.n, 1, &all, err, sizeof err), 0);
	int64_t want_all = 0, want_one = 0, got = 0;
	{
		predictor direct;
		train_model *copy = NULL;
		uint8_t *blob;
		size_t len;
		CHECK_INT(train_model_encode(all, &blob, &len, err, sizeof err), 0);
		CHECK_INT(train_model_decode(blob, len, &copy, err, sizeof err), 0);
		free(blob);
		CHECK_INT(train_predictor_open(&direct, copy, p, pair, 2, err, sizeof err), 0);
		CHECK_INT(pred_predict(&direct, &g, 1, &want_all), 0);
		pred_free(&direct);
	}
	train_meta meta = {.format = TRAIN_FILE_VERSION, .features_version = FEAT_VERSION,
	                   .digest = src.digest, .n_train = d.n, .mae_ms = 0.05, .mape = 3.4,
	                   .seed = 1};
	snprintf(meta.gpu, sizeof meta.gpu, "h100");
	snprintf(meta.kind, sizeof meta.kind, "lr");
	snprintf(meta.mode, sizeof meta.mode, "all");
	snprintf(meta.combo, sizeof meta.combo, "*");
	char lr_path[700];
	snprintf(lr_path, sizeof lr_path, "%s/lr.pred", bundle);
	CHECK_INT(train_file_write(lr_path, &meta, all, err, sizeof err), 0);
	CHECK(want_all > 0);
	CHECK_INT(predict_file(lr_path, p, pair, &g), want_all);
	train_meta back;
	CHECK_INT(train_file_read(lr_path, &back, NULL, err, sizeof err), 0);
	CHECK_INT(back.n_train, d.n);
	CHECK_STR_HAS(back.combo, "*");
	CHECK(back.digest == src.digest);

	/* current: used as it is, nothing trained */
	FILE *pf = fopen(progress, "w");
	char path[TRAIN_PATH_MAX];
	predictor pr;
	CHECK_INT(train_load_predictor(&pr, &src, "lr", p, pair, 2, pf, err, sizeof err), 0);
	CHECK_INT(pred_predict(&pr, &g, 1, &got), 0);
	pred_free(&pr);
	CHECK_INT(got, want_all);
	fclose(pf);
	CHECK_INT(file_size(progress), 0);

	/* missing: trained on the spot, with progress, into the bundle */
	pf = fopen(progress, "w");
	CHECK_INT(train_ensure(&src, "mlp", pf, path, sizeof path, err, sizeof err), 0);
	fclose(pf);
	CHECK_STR_HAS(path, "/data/h100/mlp.pred");
	CHECK(file_size(path) > 1000);
	char text[4096] = "";
	pf = fopen(progress, "r");
	CHECK(pf && fread(text, 1, sizeof text - 1, pf) > 0);
	if (pf)
		fclose(pf);
	CHECK_STR_HAS(text, "abacus: training the mlp predictor of gpu h100 on ");
	CHECK_STR_HAS(text, "wrote ");
	int64_t mlp_before = predict_file(path, p, pair, &g);

	/* stale: the data changed under the predictor; it is trained again on
	 * the data as it is now, and the old one is not used */
	{
		smp_set half = {0};
		for (size_t i = 0; i < s.n; i += 2)
			CHECK_INT(smp_push(&half, &s.g[i]), 0);
		CHECK_INT(smp_write_csv(csv, &half, err, sizeof err), 0);
		smp_set_free(&half);
	}
	train_source now;
	CHECK_INT(train_source_init(&now, "h100", data, NULL, NULL, err, sizeof err), 0);
	CHECK(now.digest != src.digest);
	pf = fopen(progress, "w");
	CHECK_INT(train_load_predictor(&pr, &now, "lr", p, pair, 2, pf, err, sizeof err), 0);
	CHECK_INT(pred_predict(&pr, &g, 1, &got), 0);
	pred_free(&pr);
	fclose(pf);
	CHECK(got != want_all);
	pf = fopen(progress, "r");
	memset(text, 0, sizeof text);
	CHECK(pf && fread(text, 1, sizeof text - 1, pf) > 0);
	if (pf)
		fclose(pf);
	CHECK_STR_HAS(text, "lr.pred is stale (it was trained on data ");
	CHECK_STR_HAS(text, "training the lr predictor");
	CHECK_INT(train_file_read(lr_path, &back, NULL, err, sizeof err), 0);
	CHECK(back.digest == now.digest);
	CHECK_INT(back.n_train, (int)((s.n + 1) / 2));
	CHECK_INT(train_ensure(&now, "mlp", NULL, path, sizeof path, err, sizeof err), 0);
	CHECK(predict_file(path, p, pair, &g) != mlp_before);
	/* and back: the same data gives the same file, bit for bit */
	CHECK_INT(smp_write_csv(csv, &s, err, sizeof err), 0);
	CHECK_INT(train_ensure(&src, "mlp", NULL, path, sizeof path, err, sizeof err), 0);
	CHECK_INT(predict_file(path, p, pair, &g), mlp_before);

	/* a 'one' predictor for bert+resnet50 wins over 'all' for that pair */
	int rows[400], n = 0;
	for (int i = 0; i < d.n; i++)
		if (strcmp(d.combos[d.combo[i]], "bert+resnet50") == 0)
			rows[n++] = i;
	CHECK_INT(n, 40);
	CHECK_INT(train_fit("lr", &d, rows, n, 1, &one, err, sizeof err), 0);
	snprintf(meta.mode, sizeof meta.mode, "one");
	snprintf(meta.combo, sizeof meta.combo, "bert+resnet50");
	char one_path[700];
	snprintf(one_path, sizeof one_path, "%s/lr.bert+resnet50.pred", bundle);
	CHECK_INT(train_file_write(one_path, &meta, one, err, sizeof err), 0);
	want_one = predict_file(one_path, p, pair, &g);
	CHECK(want_one > 0 && want_one != want_all);
	CHECK_INT(train_source_init(&src, "h100", data, NULL, NULL, err, sizeof err), 0);
	CHECK_INT(train_load_predictor(&pr, &src, "lr", p, pair, 2, NULL, err, sizeof err), 0);
	CHECK_INT(pred_predict(&pr, &g, 1, &got), 0);
	pred_free(&pr);
	CHECK_INT(got, want_one);
	/* another pair still gets the 'all' one */
	const zoo_model *other[2] = {m[4], m[1]};
	CHECK_INT(train_load_predictor(&pr, &src, "lr", p, other, 2, NULL, err, sizeof err), 0);
	pred_free(&pr);

	/* damaged files are errors naming the file, never retrained over */
	{
		FILE *f = fopen(one_path, "r+b");
		CHECK(f != NULL);
		if (f) {
			fseek(f, -3, SEEK_END);
			int c = fgetc(f);
			fseek(f, -3, SEEK_END);
			fputc(c ^ 0x55, f);
			fclose(f);
		}
	}
	CHECK_INT(train_load_predictor(&pr, &src, "lr", p, pair, 2, NULL, err, sizeof err), -1);
	CHECK_STR_HAS(err, "lr.bert+resnet50.pred is corrupt: its checksum is ");
	/* the wrong feature count under a matching checksum: refused */
	{
		uint8_t *blob;
		size_t len;
		CHECK_INT(train_model_encode(one, &blob, &len, err, sizeof err), 0);
		blob[12] = 3;
		char sum[17], dig[17];
		hash_hex(train_checksum(blob, len), sum);
		hash_hex(src.digest, dig);
		FILE *f = fopen(one_path, "wb");
		fprintf(f, "abacus predictor\nformat 1\ngpu h100\nkind lr\nmode one\ncombo bert+resnet50\n"
		           "features_version %d\ndata_digest %s\nn_train 40\nmae_ms 0.1\nmape 2\n"
		           "seed 1\nblob %zu %s\n", FEAT_VERSION, dig, len, sum);
		fwrite(blob, 1, len, f);
		fclose(f);
		free(blob);
	}
	CHECK_INT(train_load_predictor(&pr, &src, "lr", p, pair, 2, NULL, err, sizeof err), -1);
	CHECK_STR_HAS(err, "lr.bert+resnet50.pred is refused: ");
	CHECK_STR_HAS(err, "with 3 features");
	write_text(one_path, "abacus predictor\nformat 1\ngpu h100\nkind lr\nmode sometimes\n");
	CHECK_INT(train_load_predictor(&pr, &src, "lr", p, pair, 2, NULL, err, sizeof err), -1);
	CHECK_STR_HAS(err, "lr.bert+resnet50.pred:5: bad value 'sometimes' for mode");
	write_text(one_path, "a predictor\n");
	CHECK_INT(train_load_predictor(&pr, &src, "lr", p, pair, 2, NULL, err, sizeof err), -1);
	CHECK_STR_HAS(err, "lr.bert+resnet50.pred:1: expected 'abacus', got 'a'");
	unlink(one_path);

	/* the command: csv in every mode; groups not the bundle's go to the
	 * cache */
	char out[16384], args[4096];
	char other_csv[600];
	snprintf(other_csv, sizeof other_csv, "%s", path_in("groups.csv"));
	CHECK_INT(smp_write_csv(other_csv, &s, err, sizeof err), 0);
	snprintf(args, sizeof args, "train --gpu h100 --groups %s --predictor lr --format csv",
	         other_csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	static const char head[] = "predictor,combination,mae_ms,mape\n";
	CHECK(strncmp(out, head, strlen(head)) == 0);
	CHECK_INT(count_lines(out, "lr,all,"), 1);
	double mae = -1, mape = -1;
	CHECK_INT(sscanf(out + strlen(head), "lr,all,%lf,%lf", &mae, &mape), 2);
	CHECK(mae > 0 && mape > 0.5 && mape < 10);
	train_source os;
	CHECK_INT(train_source_init(&os, "h100", data, NULL, other_csv, err, sizeof err), 0);
	CHECK_INT(os.bundle[0], '\0');
	snprintf(path, sizeof path, "%s/lr.pred", os.cache);
	CHECK(file_size(path) > 0);

	snprintf(args, sizeof args,
	         "train --gpu h100 --groups %s --predictor lr --format csv --mode one", other_csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	CHECK_INT(count_lines(out, "lr,"), 21);
	CHECK_INT(count_lines(out, "lr,bert+resnet50,"), 1);
	snprintf(path, sizeof path, "%s/lr.vgg16+vgg19.pred", os.cache);
	CHECK(file_size(path) > 0);

	snprintf(args, sizeof args, "train --gpu h100 --groups %s --predictor lr --format csv --lopo",
	         other_csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	CHECK_INT(count_lines(out, "lr,"), 22);
	CHECK_INT(count_lines(out, "lr,mean,"), 1);
	CHECK_INT(count_lines(out, "lr,vgg16+vgg19,"), 1);

	/* the bundle's own groups: the bundle's files */
	snprintf(args, sizeof args, "train --gpu h100 --predictor all --folds 3 --seed 5");
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	CHECK_STR_HAS(out, "predictor  combination");
	CHECK_INT(count_lines(out, "mlp "), 1);
	CHECK_INT(count_lines(out, "svm "), 1);
	CHECK_STR_HAS(out, "error measured on the folds");
	CHECK_STR_HAS(out, "predictors written to ");
	CHECK_STR_HAS(out, "/data/h100;");
	snprintf(path, sizeof path, "%s/svm.pred", bundle);
	CHECK_INT(train_file_read(path, &back, NULL, err, sizeof err), 0);
	CHECK(back.seed == 5);

	/* the paper's features: every learner as <kind>@paper, files of their
	 * own beside ours, a predictor that loads for a run's services */
	snprintf(args, sizeof args,
	         "train --gpu h100 --groups %s --features paper --predictor all --format csv", other_csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	CHECK_INT(count_lines(out, "mlp@paper,all,"), 1);
	CHECK_INT(count_lines(out, "lr@paper,all,"), 1);
	CHECK_INT(count_lines(out, "svm@paper,all,"), 1);
	CHECK_INT(count_lines(out, "lsvr@paper,all,"), 1);
	CHECK_INT(count_lines(out, "lr,"), 0);
	snprintf(path, sizeof path, "%s/lsvr@paper.pred", os.cache);
	CHECK_INT(train_file_read(path, &back, NULL, err, sizeof err), 0);
	CHECK_STR_HAS(back.kind, "lsvr@paper");
	CHECK_INT(back.features_version, FEAT_PAPER_VERSION);
	CHECK_INT(train_load_predictor(&pr, &os, "lsvr@paper", p, pair, 2, NULL, err, sizeof err), 0);
	CHECK_STR_HAS(pr.iface->name, "lsvr@paper");
	got = 0;
	CHECK_INT(pred_predict(&pr, &g, 1, &got), 0);
	CHECK(got > 0);
	pred_free(&pr);
	/* "--predictor lr --features paper" is lr@paper; the suffix is checked */
	snprintf(args, sizeof args,
	         "train --gpu h100 --groups %s --features paper --predictor lr --format csv", other_csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	CHECK_INT(count_lines(out, "lr@paper,all,"), 1);
	CHECK_INT(run_cli("train --features theirs", out, sizeof out), 2);
	CHECK_STR_HAS(cli_err(), "--features must be ours or paper, got 'theirs'");
	CHECK_INT(run_cli("train --predictor lr@nope", out, sizeof out), 2);
	CHECK_INT(run_cli("train --predictor solo@paper", out, sizeof out), 2);

	/* bad usage and a missing groups file */
	CHECK_INT(run_cli("train --predictor knn", out, sizeof out), 2);
	snprintf(args, sizeof args, "train --gpu h200 --data %s", data);
	CHECK_INT(run_cli(args, out, sizeof out), 1);
	CHECK_STR_HAS(cli_err(), "no measured profile of gpu h200");
	unlink(csv);
	snprintf(args, sizeof args, "train --gpu h100 --data %s", data);
	CHECK_INT(run_cli(args, out, sizeof out), 1);
	CHECK_STR_HAS(cli_err(), "no measured groups for gpu h100");

	/* seeds are digits: -1 is not wrapped to 2^64 - 1 */
	static const char *const bad_seeds[] = {"-1", "5x", "", " 7"};
	for (int i = 0; i < 4; i++) {
		snprintf(args, sizeof args, "train --gpu h100 --groups %s --seed '%s'", other_csv,
		         bad_seeds[i]);
		CHECK_INT(run_cli(args, out, sizeof out), 2);
		CHECK_STR_HAS(cli_err(), "abacus train: --seed needs a non-negative integer, got");
	}

	/* a --data folder must exist and hold the GPU's profile */
	snprintf(args, sizeof args, "train --gpu h100 --groups %s --data %s/nonexist", other_csv, dir);
	CHECK_INT(run_cli(args, out, sizeof out), 1);
	CHECK_STR_HAS(cli_err(), "nonexist: No such file or directory");
	CHECK_STR_HAS(cli_err(), "abacus train: data folder ");
	snprintf(args, sizeof args, "train --gpu h100 --groups %s --data %s", other_csv, dir);
	CHECK_INT(run_cli(args, out, sizeof out), 1);
	CHECK_STR_HAS(cli_err(), "no measured profile of gpu h100: ");
	CHECK_STR_HAS(cli_err(), "/h100/ops.csv is missing");

	/* groups rows a model cannot run: file:line and what is wrong */
	bad_groups(data, "resnet50+bert,resnet50:4:0:0:18;bert:8:9999:0:12,1000,1100",
	           "segment 2: bert seq 9999 is not between 8 and 512");
	bad_groups(data, "resnet50+bert,resnet50:4:0:0:18;bert:8:0:0:12,1000,1100",
	           "segment 2: bert seq 0 is not between 8 and 512");
	bad_groups(data, "resnet50+bert,resnet50:4:64:0:18;bert:8:64:0:12,1000,1100",
	           "segment 1: resnet50 has no sequence length, but seq is 64");
	bad_groups(data, "resnet50+bert,resnet50:1048576:0:0:18;bert:8:64:0:12,1000,1100",
	           "segment 1: resnet50 batch 1048576 is not between 1 and 4096");
	bad_groups(data, "resnet50+bert,resnet50:0:0:0:18;bert:8:64:0:12,1000,1100",
	           "segment 1: resnet50 batch 0 is not between 1 and 4096");
	bad_groups(data, "resnet50+bert,resnet50:4:0:3:40;bert:8:64:0:12,1000,1100",
	           "segment 1: resnet50 ops 3 to 40 are not a range of its 18 ops (0 <= start < "
	           "end <= 18)");
	bad_groups(data, "resnet50+bert,resnet50:4:0:5:5;bert:8:64:0:12,1000,1100",
	           "resnet50 ops 5 to 5 are not a range");
	bad_groups(data, "resnet50+bert,resnet50:4:0:0:18;bert:8:64:0:13,1000,1100",
	           "segment 2: bert ops 0 to 13 are not a range of its 12 ops");
	bad_groups(data, "resnet50+alexnet,resnet50:4:0:0:18;alexnet:8:0:0:3,1000,1100",
	           "segment 2: unknown model 'alexnet'");

	train_model_free(all);
	train_model_free(one);
	train_data_free(&d);
	smp_set_free(&s);
	for (int i = 0; i < GEN_N_MODELS; i++)
		zoo_model_free(m[i]);
	prof_free(p);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("test_train");
}
