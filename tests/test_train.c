/* test_train.c: stored predictors and `abacus train`.
 *
 * Save and load through results.db give the same predictions; the 'one'
 * predictor of a combination wins over the 'all' one; a damaged blob
 * (checksum, feature count) and a missing predictor are refused with a
 * message that says what to do; the command prints the CSV it promises
 * in every mode (split, folds, one per combination, leave one pair out).
 * Data: groups measured on the simulated GPU (test_pred_gen.h), with no
 * profile in the default data folder ($ABACUS_DATA), so that the roofline
 * profile the generator used is also the one `abacus train` reads. Bad
 * groups rows, seeds and data folders are refused with what is wrong.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "store.h"
#include "test_pred_gen.h"
#include "train.h"

static char dir[] = "/tmp/abacus-train-XXXXXX";

/* A path in the test's folder; valid until the next call. */
static char *path_in(const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static void sql(const char *db, const char *q)
{
	sqlite3 *h = NULL;
	CHECK_INT(sqlite3_open(db, &h), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(h, q, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", q, msg);
		check_failures++;
	}
	sqlite3_free(msg);
	sqlite3_close(h);
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
static void bad_groups(const char *db, const char *row, const char *want)
{
	char body[1024], args[2048], out[4096], where[600];
	snprintf(body, sizeof body,
	         "combo,segments,median_us,p99_us\n"
	         "resnet50+bert,resnet50:4:0:0:18;bert:8:64:0:12,1000.0,1100.0\n%s\n",
	         row);
	write_text(path_in("bad-groups.csv"), body);
	snprintf(args, sizeof args, "train --db %s --groups %s --predictor lr", db,
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

int main(void)
{
	char err[1024];
	CHECK(mkdtemp(dir) != NULL);
	prof *p = prof_new_file("h100", NULL, err, sizeof err);
	zoo_model *m[GEN_N_MODELS];
	for (int i = 0; i < GEN_N_MODELS; i++)
		m[i] = zoo_model_new(gen_models[i], err, sizeof err);
	smp_set s = {0};
	CHECK_INT(gen_groups(p, m, 40, 11, &s, err, sizeof err), 0);
	char csv[512], db[512], db2[512], data[512];
	snprintf(csv, sizeof csv, "%s", path_in("groups.csv"));
	snprintf(db, sizeof db, "%s", path_in("r.db"));
	snprintf(db2, sizeof db2, "%s", path_in("cli.db"));
	snprintf(data, sizeof data, "%s", path_in("data"));
	CHECK_INT(mkdir(data, 0700), 0);
	/* the default folder of the commands below: no profile, so roofline */
	setenv("ABACUS_DATA", data, 1);
	CHECK_INT(smp_write_csv(csv, &s, err, sizeof err), 0);
	train_data d;
	CHECK_INT(train_data_build(&d, &s, p, err, sizeof err), 0);

	/* missing: no file, then a file without predictors */
	predictor pr;
	const zoo_model *pair[2] = {m[0], m[6]}; /* resnet50 + bert */
	CHECK_INT(train_load_predictor(&pr, db, "h100", "mlp", p, pair, 2, err, sizeof err), -1);
	CHECK_STR_HAS(err, "no trained mlp predictor for gpu h100 in ");
	CHECK_STR_HAS(err, "run `abacus train --db ");

	/* save an 'all' lr, load it for a pair: same predictions as the model */
	train_model *all = NULL, *one = NULL;
	CHECK_INT(train_fit("lr", &d, NULL, d.n, 1, &all, err, sizeof err), 0);
	train_row row = {"h100", "lr", "all", "*", d.n, 0.05, 3.4};
	int64_t id = 0;
	CHECK_INT(train_save(db, &row, all, &id, err, sizeof err), 0);
	CHECK_INT(id, 1);
	CHECK_INT(train_load_predictor(&pr, db, "h100", "svm", p, pair, 2, err, sizeof err), -1);
	CHECK_STR_HAS(err, "no trained svm predictor for gpu h100");
	CHECK_INT(train_load_predictor(&pr, db, "a100", "lr", p, pair, 2, err, sizeof err), -1);
	CHECK_STR_HAS(err, "--gpu a100`");

	dev_segment seg[2] = {{0, 8, 0, 3, 15}, {1, 4, 64, 2, 10}};
	dev_group g = {2, seg};
	int64_t got = 0, want_all = 0, want_one = 0;
	CHECK_INT(train_load_predictor(&pr, db, "h100", "lr", p, pair, 2, err, sizeof err), 0);
	CHECK_INT(pred_predict(&pr, &g, 1, &got), 0);
	pred_free(&pr);
	{
		predictor direct;
		train_model *copy = NULL;
		uint8_t *blob;
		size_t len;
		train_model_encode(all, &blob, &len, err, sizeof err);
		CHECK_INT(train_model_decode(blob, len, &copy, err, sizeof err), 0);
		free(blob);
		CHECK_INT(train_predictor_open(&direct, copy, p, pair, 2, err, sizeof err), 0);
		CHECK_INT(pred_predict(&direct, &g, 1, &want_all), 0);
		pred_free(&direct);
	}
	CHECK(got > 0);
	CHECK_INT(got, want_all);

	/* a 'one' predictor for bert+resnet50 wins over 'all' for that pair */
	int rows[400], n = 0;
	for (int i = 0; i < d.n; i++)
		if (strcmp(d.combos[d.combo[i]], "bert+resnet50") == 0)
			rows[n++] = i;
	CHECK_INT(n, 40);
	CHECK_INT(train_fit("lr", &d, rows, n, 1, &one, err, sizeof err), 0);
	train_row row1 = {"h100", "lr", "one", "bert+resnet50", n, 0.04, 2.5};
	CHECK_INT(train_save(db, &row1, one, NULL, err, sizeof err), 0);
	{
		predictor direct;
		train_model *copy = NULL;
		uint8_t *blob;
		size_t len;
		train_model_encode(one, &blob, &len, err, sizeof err);
		CHECK_INT(train_model_decode(blob, len, &copy, err, sizeof err), 0);
		free(blob);
		CHECK_INT(train_predictor_open(&direct, copy, p, pair, 2, err, sizeof err), 0);
		CHECK_INT(pred_predict(&direct, &g, 1, &want_one), 0);
		pred_free(&direct);
	}
	CHECK(want_one != want_all);
	CHECK_INT(train_load_predictor(&pr, db, "h100", "lr", p, pair, 2, err, sizeof err), 0);
	CHECK_INT(pred_predict(&pr, &g, 1, &got), 0);
	pred_free(&pr);
	CHECK_INT(got, want_one);
	/* another pair still gets the 'all' one */
	const zoo_model *other[2] = {m[4], m[1]};
	CHECK_INT(train_load_predictor(&pr, db, "h100", "lr", p, other, 2, err, sizeof err), 0);
	pred_free(&pr);

	/* a flipped byte fails the checksum */
	sql(db, "UPDATE predictors SET blob = CAST(replace(CAST(blob AS TEXT), 'ABPR', 'ABPS') "
	        "AS BLOB) WHERE id = 2");
	CHECK_INT(train_load_predictor(&pr, db, "h100", "lr", p, pair, 2, err, sizeof err), -1);
	CHECK_STR_HAS(err, "is corrupt");
	CHECK_STR_HAS(err, "checksum");
	/* a blob with the wrong feature count but a matching checksum is
	 * refused by its header */
	{
		uint8_t *blob;
		size_t len;
		train_model_encode(one, &blob, &len, err, sizeof err);
		blob[12] = 3;
		char q[256];
		snprintf(q, sizeof q, "UPDATE predictors SET blob = ?, checksum = '%016llx' WHERE id = 2",
		         (unsigned long long)train_checksum(blob, len));
		sqlite3 *h;
		sqlite3_stmt *st;
		CHECK_INT(sqlite3_open(db, &h), SQLITE_OK);
		CHECK_INT(sqlite3_prepare_v2(h, q, -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_STATIC);
		CHECK_INT(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
		sqlite3_close(h);
		free(blob);
	}
	CHECK_INT(train_load_predictor(&pr, db, "h100", "lr", p, pair, 2, err, sizeof err), -1);
	CHECK_STR_HAS(err, "is refused");
	CHECK_STR_HAS(err, "with 3 features");

	/* the command: csv in every mode */
	char out[16384], args[4096];
	snprintf(args, sizeof args, "--db %s train --groups %s --predictor lr --format csv", db2,
	         csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	static const char head[] = "predictor,combination,mae_ms,mape\n";
	CHECK(strncmp(out, head, strlen(head)) == 0);
	CHECK_INT(count_lines(out, "lr,all,"), 1);
	double mae = -1, mape = -1;
	CHECK_INT(sscanf(out + strlen(head), "lr,all,%lf,%lf", &mae, &mape), 2);
	CHECK(mae > 0 && mape > 0.5 && mape < 10);

	snprintf(args, sizeof args,
	         "train --db %s --groups %s --predictor lr --format csv --mode one", db2, csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	CHECK_INT(count_lines(out, "lr,"), 21);
	CHECK_INT(count_lines(out, "lr,bert+resnet50,"), 1);

	snprintf(args, sizeof args, "train --db %s --groups %s --predictor lr --format csv --lopo",
	         db2, csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	CHECK_INT(count_lines(out, "lr,"), 22);
	CHECK_INT(count_lines(out, "lr,mean,"), 1);
	CHECK_INT(count_lines(out, "lr,vgg16+vgg19,"), 1);

	snprintf(args, sizeof args, "train --db %s --groups %s --predictor all --folds 3 --seed 5",
	         db2, csv);
	CHECK_INT(run_cli(args, out, sizeof out), 0);
	CHECK_STR_HAS(out, "predictor  combination");
	CHECK_INT(count_lines(out, "mlp "), 1);
	CHECK_INT(count_lines(out, "svm "), 1);
	CHECK_STR_HAS(out, "error measured on the folds");

	/* 3 'all' rows, 21 'one' rows for lr, 1 'all' after lopo, 3 after folds */
	sqlite3 *h;
	sqlite3_stmt *st;
	CHECK_INT(sqlite3_open(db2, &h), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(h, "SELECT count(*), sum(mode = 'one'), "
	                                "(SELECT user_version FROM pragma_user_version) "
	                                "FROM predictors", -1, &st, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 1 + 21 + 1 + 3);
	CHECK_INT(sqlite3_column_int(st, 1), 21);
	CHECK_INT(sqlite3_column_int(st, 2), STORE_SCHEMA_VERSION);
	sqlite3_finalize(st);
	sqlite3_close(h);

	/* what the command loads is what it stored */
	CHECK_INT(train_load_predictor(&pr, db2, "h100", "mlp", p, pair, 2, err, sizeof err), 0);
	CHECK_INT(pred_predict(&pr, &g, 1, &got), 0);
	CHECK(got > 0);
	pred_free(&pr);

	/* bad usage and a missing groups file */
	snprintf(args, sizeof args, "train --db %s --predictor knn", db2);
	CHECK_INT(run_cli(args, out, sizeof out), 2);
	snprintf(args, sizeof args, "train --db %s --gpu h100 --data %s", db2, data);
	CHECK_INT(run_cli(args, out, sizeof out), 1);
	CHECK_STR_HAS(cli_err(), "no measured groups for gpu h100");

	/* seeds are digits: -1 is not wrapped to 2^64 - 1 */
	static const char *const bad_seeds[] = {"-1", "5x", "", " 7"};
	for (int i = 0; i < 4; i++) {
		snprintf(args, sizeof args, "train --db %s --groups %s --seed '%s'", db2, csv,
		         bad_seeds[i]);
		CHECK_INT(run_cli(args, out, sizeof out), 2);
		CHECK_STR_HAS(cli_err(), "abacus train: --seed needs a non-negative integer, got");
	}

	/* a --data folder must exist and hold the GPU's profile; only the
	 * default folder falls back to the roofline */
	snprintf(args, sizeof args, "train --db %s --groups %s --data %s/nonexist", db2, csv, dir);
	CHECK_INT(run_cli(args, out, sizeof out), 1);
	CHECK_STR_HAS(cli_err(), "nonexist: No such file or directory");
	CHECK_STR_HAS(cli_err(), "abacus train: data folder ");
	snprintf(args, sizeof args, "train --db %s --groups %s --data %s", db2, csv, data);
	CHECK_INT(run_cli(args, out, sizeof out), 1);
	CHECK_STR_HAS(cli_err(), "no profile of gpu h100 in data folder ");
	CHECK_STR_HAS(cli_err(), "/h100/ops.csv is missing");

	/* groups rows a model cannot run: file:line and what is wrong */
	bad_groups(db2, "resnet50+bert,resnet50:4:0:0:18;bert:8:9999:0:12,1000,1100",
	           "segment 2: bert seq 9999 is not between 8 and 512");
	bad_groups(db2, "resnet50+bert,resnet50:4:0:0:18;bert:8:0:0:12,1000,1100",
	           "segment 2: bert seq 0 is not between 8 and 512");
	bad_groups(db2, "resnet50+bert,resnet50:4:64:0:18;bert:8:64:0:12,1000,1100",
	           "segment 1: resnet50 has no sequence length, but seq is 64");
	bad_groups(db2, "resnet50+bert,resnet50:1048576:0:0:18;bert:8:64:0:12,1000,1100",
	           "segment 1: resnet50 batch 1048576 is not between 1 and 4096");
	bad_groups(db2, "resnet50+bert,resnet50:0:0:0:18;bert:8:64:0:12,1000,1100",
	           "segment 1: resnet50 batch 0 is not between 1 and 4096");
	bad_groups(db2, "resnet50+bert,resnet50:4:0:3:40;bert:8:64:0:12,1000,1100",
	           "segment 1: resnet50 ops 3 to 40 are not a range of its 18 ops (0 <= start < "
	           "end <= 18)");
	bad_groups(db2, "resnet50+bert,resnet50:4:0:5:5;bert:8:64:0:12,1000,1100",
	           "resnet50 ops 5 to 5 are not a range");
	bad_groups(db2, "resnet50+bert,resnet50:4:0:0:18;bert:8:64:0:13,1000,1100",
	           "segment 2: bert ops 0 to 13 are not a range of its 12 ops");
	bad_groups(db2, "resnet50+alexnet,resnet50:4:0:0:18;alexnet:8:0:0:3,1000,1100",
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
