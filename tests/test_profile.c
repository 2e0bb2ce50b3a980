/* test_profile.c: `abacus profile` on the simulator with noise off, where
 * every stored latency has an exact expected value: solo rows equal the
 * simulator's profile, group rows equal a fresh simulator running the
 * stored segments; resuming (after more samples are asked for, after a stop
 * request mid-run) gives exactly the rows an uninterrupted profile gives;
 * a device without time_ops is timed through run_group; export reads back
 * through prof.h and sample.h; bad input and bad files get one clear
 * message. Then the command line (the abacus binary from $ABACUS_BIN):
 * bad input is one line and a non-zero exit, SIGINT mid-run commits and
 * exits 130 with how to resume, SIGKILL loses at most the open commit,
 * progress goes to stderr, export opens no device. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "devices.h"
#include "profiler.h"
#include "prof.h"
#include "sample.h"
#include "sim.h"

/* The simulator steps overlapped groups in double precision from the
 * current clock and rounds the end to a nanosecond, so the same group
 * started at another time may differ by a nanosecond or two. */
#define CLOCK_US 0.002

static char dir[] = "/tmp/abacus-profile-XXXXXX";

static const char *path_in(const char *name)
{
	static char buf[8][512];
	static int k;
	char *b = buf[k++ % 8];
	snprintf(b, 512, "%s/%s", dir, name);
	return b;
}

/* Small settings: two solo models, three combinations (vgg16 only in one,
 * so it is a service without solo rows). */
static void small_config(profl_config *c, const char *db, int samples)
{
	profl_config_default(c);
	c->device = "sim";
	c->gpu = "h100";
	c->devices = cli_devices;
	c->db = db;
	c->models[0] = "resnet50";
	c->models[1] = "bert";
	c->n_models = 2;
	c->batches[0] = 1, c->batches[1] = 4, c->batches[2] = 64;
	c->n_batches = 3;
	c->seqs[0] = 8, c->seqs[1] = 32;
	c->n_seqs = 2;
	c->samples = samples;
	c->repeats = 3;
	c->warmup = 1;
	c->combos = "resnet50+bert,vgg16+bert,resnet50+vgg16+bert";
	c->noise = 0;
	c->seed = 7;
	c->roofline = 1;
}

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;
	CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

static int64_t count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

typedef struct row {
	char combo[192];
	int idx;
	char segments[256];
	double median, p99;
} row;

/* Every groups row in (combo, idx) order; returns how many. */
static int read_groups(const char *path, row *out, int max)
{
	sqlite3 *db = db_open(path);
	sqlite3_stmt *st = NULL;
	int n = 0;
	CHECK_INT(sqlite3_prepare_v2(db,
	                             "SELECT combo, idx, segments, median_us, p99_us FROM groups "
	                             "ORDER BY combo, idx",
	                             -1, &st, NULL),
	          SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < max) {
		snprintf(out[n].combo, sizeof out[n].combo, "%s", sqlite3_column_text(st, 0));
		out[n].idx = sqlite3_column_int(st, 1);
		snprintf(out[n].segments, sizeof out[n].segments, "%s", sqlite3_column_text(st, 2));
		out[n].median = sqlite3_column_double(st, 3);
		out[n].p99 = sqlite3_column_double(st, 4);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static const row *find_row(const row *r, int n, const char *combo, int idx)
{
	for (int i = 0; i < n; i++)
		if (strcmp(r[i].combo, combo) == 0 && r[i].idx == idx)
			return &r[i];
	return NULL;
}

/* Solo rows against the simulator's ground truth, op by op. */
static void check_solo(const char *dbpath, const prof *p)
{
	char err[256];
	const char *names[2] = {"resnet50", "bert"};
	sqlite3 *db = db_open(dbpath);
	sqlite3_stmt *st = NULL;
	CHECK_INT(sqlite3_prepare_v2(db,
	                             "SELECT median_us, p99_us, repeats FROM solo_ops WHERE gpu = "
	                             "'h100' AND device = 'sim' AND model = ?1 AND op = ?2 AND "
	                             "batch = ?3 AND seq = ?4",
	                             -1, &st, NULL),
	          SQLITE_OK);
	int checked = 0;
	for (int k = 0; k < 2; k++) {
		zoo_model *m = zoo_model_new(names[k], err, sizeof err);
		/* bert is capped at batch 32: grid 1,4,64 becomes 1,4,32 */
		int batches[3] = {1, 4, m->has_seq ? 32 : 64};
		int seqs[2] = {m->has_seq ? 8 : 0, 32};
		/* op n_ops: the whole model as one run, which on this simulator
		 * (its profile has no whole rows) costs the sum of the ops */
		for (int op = 0; op <= m->n_ops; op++)
			for (int b = 0; b < 3; b++)
				for (int q = 0; q < (m->has_seq ? 2 : 1); q++) {
					sqlite3_reset(st);
					sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
					sqlite3_bind_int(st, 2, op);
					sqlite3_bind_int(st, 3, batches[b]);
					sqlite3_bind_int(st, 4, seqs[q]);
					CHECK_INT(sqlite3_step(st), SQLITE_ROW);
					int64_t ns = 0;
					for (int o = op < m->n_ops ? op : 0; o < (op < m->n_ops ? op + 1 : op); o++)
						ns += prof_op_ns(p, m, o, batches[b], seqs[q]);
					double want = (double)ns / 1e3;
					CHECK(want > 0);
					CHECK_NEAR(sqlite3_column_double(st, 0), want, 1e-6);
					CHECK_NEAR(sqlite3_column_double(st, 1), want, 1e-6);
					CHECK_INT(sqlite3_column_int(st, 2), 3);
					checked++;
				}
		zoo_model_free(m);
	}
	CHECK_INT(checked, 19 * 3 + 13 * 3 * 2);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* A group row against a fresh noiseless simulator running its segments. */
static void check_group_latency(const prof *p, const row *r)
{
	char err[256], buf[256];
	zoo_model *m[SMP_MAX_SEG];
	dev_segment seg[SMP_MAX_SEG];
	dev_service svc[SMP_MAX_SEG];
	int n = 0;
	snprintf(buf, sizeof buf, "%s", r->segments);
	char *save = NULL;
	for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save), n++) {
		char name[64];
		CHECK_INT(sscanf(t, "%63[^:]:%d:%d:%d:%d", name, &seg[n].batch, &seg[n].seq,
		                 &seg[n].start, &seg[n].end),
		          5);
		m[n] = zoo_model_new(name, err, sizeof err);
		CHECK(m[n] != NULL);
		/* the drawn range is never empty and within the model */
		CHECK(seg[n].start >= 0 && seg[n].start < seg[n].end && seg[n].end <= m[n]->n_ops);
		seg[n].service = n;
		svc[n] = (dev_service){.model = m[n], .max_batch = 64, .max_seq = m[n]->has_seq ? 512 : 0};
	}
	sim_options o;
	sim_options_default(&o);
	o.noise = 0;
	device d = {0};
	CHECK_INT(sim_device_open(&d, p, &o, err, sizeof err), 0);
	CHECK_INT(device_setup(&d, svc, n), 0);
	int64_t end[SMP_MAX_SEG], last = 0;
	dev_group g = {n, seg};
	CHECK_INT(device_run_group(&d, &g, end), 0);
	for (int i = 0; i < n; i++)
		last = end[i] > last ? end[i] : last;
	CHECK_NEAR(r->median, (double)last / 1e3, CLOCK_US);
	CHECK_NEAR(r->p99, (double)last / 1e3, CLOCK_US);
	device_free(&d);
	for (int i = 0; i < n; i++)
		zoo_model_free(m[i]);
}

/* A device that is the simulator, optionally without time_ops, that raises
 * a stop request after a number of groups: an interruption at an exact
 * point of the run. Every call is passed on to the simulator. */
typedef struct wrap {
	device inner;
	dev_iface iface;
	volatile sig_atomic_t *stop;
	int groups_left;
} wrap;

/* The profiler tells the device every batch and sequence length it will
 * run, which the cuda device warms up at setup. */
static int w_setup(void *ctx, const dev_service *svc, int n)
{
	for (int i = 0; i < n; i++) {
		const dev_service *s = &svc[i];
		CHECK(s->n_batches >= 1 && s->batches != NULL);
		if (s->n_batches < 1 || !s->batches)
			continue;
		CHECK_INT(s->batches[s->n_batches - 1], s->max_batch);
		for (int b = 1; b < s->n_batches; b++)
			CHECK(s->batches[b] > s->batches[b - 1]);
		if (s->model->has_seq) {
			CHECK(s->n_seqs >= 1 && s->seqs != NULL);
			if (s->n_seqs >= 1 && s->seqs)
				CHECK_INT(s->seqs[s->n_seqs - 1], s->max_seq);
		} else {
			CHECK_INT(s->n_seqs, 0);
			CHECK_INT(s->max_seq, 0);
		}
	}
	return device_setup(&((wrap *)ctx)->inner, svc, n);
}

static int64_t w_now(void *ctx)
{
	return device_now(&((wrap *)ctx)->inner);
}

static int w_wait_until(void *ctx, int64_t t)
{
	return device_wait_until(&((wrap *)ctx)->inner, t);
}

static int w_run_group(void *ctx, const dev_group *g, int64_t *seg_end)
{
	wrap *w = ctx;
	if (w->stop && --w->groups_left == 0)
		*w->stop = 1;
	return device_run_group(&w->inner, g, seg_end);
}

static void w_info(void *ctx, dev_info *out)
{
	device_info(&((wrap *)ctx)->inner, out);
}

static const char *w_errmsg(void *ctx)
{
	return device_errmsg(&((wrap *)ctx)->inner);
}

static void w_free(void *ctx)
{
	device_free(&((wrap *)ctx)->inner);
}

static int w_time_ops(void *ctx, const dev_segment *seg, int64_t *op_ns)
{
	return device_time_ops(&((wrap *)ctx)->inner, seg, op_ns);
}

static void wrap_open(wrap *w, device *out, const prof *p, int with_time_ops)
{
	char err[256];
	sim_options o;
	sim_options_default(&o);
	o.noise = 0;
	CHECK_INT(sim_device_open(&w->inner, p, &o, err, sizeof err), 0);
	w->iface = (dev_iface){
	    .name = "wrap",
	    .setup = w_setup,
	    .now = w_now,
	    .wait_until = w_wait_until,
	    .run_group = w_run_group,
	    .info = w_info,
	    .errmsg = w_errmsg,
	    .free = w_free,
	    .time_ops = with_time_ops ? w_time_ops : NULL,
	};
	out->iface = &w->iface;
	out->ctx = w;
}

/* ---- the command line ---------------------------------------------------- */

static const char *bin;

/* Starts `abacus profile --device sim ARGS` in dir with stdout and stderr
 * in dir/cli-out and dir/cli-err; ARGS split at spaces. */
static pid_t cli_start(const char *args)
{
	char buf[1024];
	char *argv[64];
	int n = 0;
	argv[n++] = (char *)bin;
	argv[n++] = "profile";
	argv[n++] = "--device";
	argv[n++] = "sim";
	if (!strstr(args, "--gpu")) { /* what these tests measure is h100's */
		argv[n++] = "--gpu";
		argv[n++] = "h100";
	}
	snprintf(buf, sizeof buf, "%s", args);
	char *save = NULL;
	for (char *t = strtok_r(buf, " ", &save); t && n < 61; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(126);
		int o = open("cli-out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open("cli-err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

static int cli_wait(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char cli_err[4096];

/* Runs it to the end; its stderr lands in cli_err. */
static int cli(const char *args)
{
	int rc = cli_wait(cli_start(args));
	FILE *f = fopen(path_in("cli-err"), "r");
	size_t n = f ? fread(cli_err, 1, sizeof cli_err - 1, f) : 0;
	cli_err[n] = '\0';
	if (f)
		fclose(f);
	return rc;
}

static void cli_bad(const char *args, const char *want)
{
	int rc = cli(args);
	if (rc == 0 || rc >= 128)
		fprintf(stderr, "abacus profile %s: exit %d\n", args, rc);
	CHECK(rc > 0 && rc < 128);
	CHECK_STR_HAS(cli_err, want);
	char *nl = strchr(cli_err, '\n');
	CHECK(nl && nl[1] == '\0'); /* one line */
}

static int lines_of(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0;
	for (int ch; f && (ch = fgetc(f)) != EOF;)
		n += ch == '\n';
	if (f)
		fclose(f);
	return n;
}

/* The whole of a file (NUL-terminated; NULL when it cannot be read). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	for (int ch; (ch = fgetc(f)) != EOF;)
		fputc(ch, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* Exports DB's groups into dir/NAME and returns its data rows. */
static int exported_groups(const char *db, const char *name)
{
	char args[512];
	snprintf(args, sizeof args, "--db %s --no-solo --no-groups --export %s", db, name);
	CHECK_INT(cli(args), 0);
	char p[300];
	snprintf(p, sizeof p, "%s/groups.csv", name);
	return lines_of(path_in(p)) - 1;
}

/* 1 when the first n data rows of two exported groups.csv are equal. */
static int same_prefix(const char *a, const char *b, int n)
{
	FILE *fa = fopen(path_in(a), "r"), *fb = fopen(path_in(b), "r");
	char la[512], lb[512];
	int same = fa && fb;
	for (int i = 0; same && i <= n; i++)
		same = fgets(la, sizeof la, fa) && fgets(lb, sizeof lb, fb) && strcmp(la, lb) == 0;
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Interrupts a long profile with sig after ms, then resumes it with more
 * samples than it stored: every stored row is kept, exactly the asked
 * number results. */
static void cli_interrupt(int sig, int ms, const char *combo, const char *db)
{
	char big[512], args[600];
	snprintf(big, sizeof big, "--no-solo --combos %s --repeats 20 --warmup 0 --db %s", combo, db);
	snprintf(args, sizeof args, "%s --samples 1000000", big);
	pid_t pid = cli_start(args);
	sleep_ms(ms);
	kill(pid, sig);
	int rc = cli_wait(pid);
	FILE *f = fopen(path_in("cli-err"), "r");
	size_t n = f ? fread(cli_err, 1, sizeof cli_err - 1, f) : 0;
	cli_err[n] = '\0';
	if (f)
		fclose(f);
	char said_err[sizeof cli_err];
	memcpy(said_err, cli_err, sizeof said_err);
	char x1[64], x2[64];
	snprintf(x1, sizeof x1, "%s-1", db);
	snprintf(x2, sizeof x2, "%s-2", db);
	int n1 = exported_groups(db, x1);
	CHECK(n1 > 0 && n1 < 1000000);
	if (sig == SIGINT) {
		CHECK_INT(rc, 130);
		CHECK_STR_HAS(said_err, "re-run the same command to resume");
		/* the message counts what the database holds */
		const char *m = strstr(said_err, "solo units and ");
		long said = -1;
		if (m) {
			char digits[32];
			int k = 0;
			for (const char *q = m + strlen("solo units and "); *q && *q != ' ' && k < 31; q++)
				if (*q != ',')
					digits[k++] = *q;
			digits[k] = '\0';
			said = strtol(digits, NULL, 10);
		}
		CHECK_INT(said, n1);
	} else {
		CHECK_INT(rc, 128 + sig);
	}
	snprintf(args, sizeof args, "%s --samples %d", big, n1 + 300);
	CHECK_INT(cli(args), 0);
	CHECK_INT(exported_groups(db, x2), n1 + 300);
	char a[80], b[80];
	snprintf(a, sizeof a, "%s/groups.csv", x1);
	snprintf(b, sizeof b, "%s/groups.csv", x2);
	CHECK(same_prefix(a, b, n1));
}

static void check_cli(void)
{
	const char *small = "--models resnet50,bert --batches 1,4 --seqs 8,32 --repeats 2 --warmup 1";
	char args[600];

	cli_bad("--models resnet5", "unknown model 'resnet5'");
	cli_bad("--combos triplets", "valid: default, pairs");
	cli_bad("--combos resnet50+bret", "unknown model 'bret'");
	cli_bad("--device tpu", "unknown device 'tpu' (valid: sim, cuda)");
	cli_bad("--gpu h900", "unknown gpu 'h900'");
	cli_bad("--samples 0", "--samples needs a positive integer");
	cli_bad("--samples -3", "--samples needs a positive integer");
	cli_bad("--repeats x", "--repeats needs a positive integer");
	cli_bad("--batches 1,0,4", "--batches needs a list of integers");
	cli_bad("--seqs 4,8", "--seqs must be between 8 and 512 for bert");
	cli_bad("--noise 2", "--noise must be between 0 and 1");
	cli_bad("--seed -1", "--seed needs a non-negative integer");
	cli_bad("--db", "--db needs a value");
	cli_bad("--sample 3", "unknown option '--sample'");
	cli_bad("--no-solo --no-groups", "nothing to do");
	cli_bad("--db /nonexistent-dir/p.db --no-groups", "cannot open /nonexistent-dir/p.db");
	cli_bad("--db nothere.db --no-solo --no-groups --export out", "cannot export from nothere.db");
	CHECK(access(path_in("nothere.db"), F_OK) != 0);

	/* stderr is not a terminal here: a progress line every tenth */
	snprintf(args, sizeof args, "%s --samples 20 --db cli.db --combos resnet50+bert,vgg16+bert",
	         small);
	CHECK_INT(cli(args), 0);
	CHECK_STR_HAS(cli_err, "groups vgg16+bert 20/20  46/46 in all (100%)  ");
	CHECK_STR_HAS(cli_err, "ETA 0s\n");
	int progress_lines = 0;
	for (const char *q = cli_err; (q = strstr(q, " in all ")); q++)
		progress_lines++;
	CHECK(progress_lines >= 10 && progress_lines <= 12);
	CHECK_INT(lines_of(path_in("cli-out")), 0);
	CHECK_INT(exported_groups("cli.db", "cli"), 40);
	CHECK_INT(lines_of(path_in("cli/ops.csv")), 1 + 19 * 2 + 13 * 2 * 2);
	snprintf(args, sizeof args, "%s --repeats 3 --db cli.db", small);
	cli_bad(args, "measured with --repeats 2 (now 3)");
	/* --device cuda holds no rows here, and no GPU is looked for */
	cli_bad("--device cuda --db cli.db --no-solo --no-groups --export x",
	        "cli.db holds no h100/cuda profile");

	cli_interrupt(SIGINT, 1000, "resnet152+vgg19+bert", "int.db");
	/* past the first commit, every 2 s */
	cli_interrupt(SIGKILL, 3500, "resnet152+vgg19+bert", "kill.db");
}

static int run(const profl_config *c, char *err, size_t errlen)
{
	err[0] = '\0';
	int rc = profl_run(c, err, errlen);
	if (rc)
		fprintf(stderr, "profl_run: %s\n", err);
	return rc;
}

static void check_bad(profl_config *c, const char *want)
{
	char err[1024] = "";
	CHECK(profl_check(c, err, sizeof err) != 0 || profl_run(c, err, sizeof err) != 0);
	CHECK_STR_HAS(err, want);
	CHECK(strchr(err, '\n') == NULL);
}

int main(void)
{
	char err[1024];
	CHECK(mkdtemp(dir) != NULL);
	prof *p = prof_new_file("h100", NULL, err, sizeof err); /* the roofline plays the GPU */
	CHECK(p != NULL);
	profl_config c;

	/* --- solo rows and group rows, exact against the simulator ---------- */
	small_config(&c, path_in("a.db"), 20);
	CHECK_INT(run(&c, err, sizeof err), 0);
	check_solo(path_in("a.db"), p);
	sqlite3 *db = db_open(path_in("a.db"));
	CHECK_INT(count(db, "SELECT count(*) FROM groups"), 60);
	CHECK_INT(count(db, "SELECT count(DISTINCT combo) FROM groups"), 3);
	CHECK_INT(count(db, "SELECT count(*) FROM groups WHERE combo = 'vgg16+bert' AND idx BETWEEN "
	                    "0 AND 19"),
	          20);
	CHECK_INT(count(db, "SELECT count(*) FROM solo_ops WHERE model = 'vgg16'"), 0);
	CHECK_INT(count(db, "SELECT count(*) FROM settings WHERE name = 'solo_timing' AND value = "
	                    "'time_ops'"),
	          1);
	CHECK_INT(count(db, "PRAGMA user_version"), PROFL_SCHEMA_VERSION);
	/* bert never draws a batch above 32, seqs only from the grid */
	CHECK_INT(count(db, "SELECT count(*) FROM groups WHERE segments LIKE '%bert:64:%' OR "
	                    "segments LIKE '%bert:1:16:%'"),
	          0);
	sqlite3_close(db);
	static row first[200], again[200], fresh[200];
	int n_first = read_groups(path_in("a.db"), first, 200);
	CHECK_INT(n_first, 60);
	for (int i = 0; i < n_first; i += 7)
		check_group_latency(p, &first[i]);

	/* --- resume: 20 then 30 gives the 30 an uninterrupted run gives ------ */
	small_config(&c, path_in("a.db"), 30);
	CHECK_INT(run(&c, err, sizeof err), 0);
	int n_again = read_groups(path_in("a.db"), again, 200);
	CHECK_INT(n_again, 90);
	for (int i = 0; i < n_first; i++) {
		const row *r = find_row(again, n_again, first[i].combo, first[i].idx);
		CHECK(r != NULL);
		if (r) {
			CHECK(strcmp(r->segments, first[i].segments) == 0);
			CHECK(r->median == first[i].median && r->p99 == first[i].p99);
		}
	}
	small_config(&c, path_in("fresh.db"), 30);
	CHECK_INT(run(&c, err, sizeof err), 0);
	CHECK_INT(read_groups(path_in("fresh.db"), fresh, 200), 90);
	for (int i = 0; i < 90; i++) {
		CHECK(strcmp(fresh[i].segments, again[i].segments) == 0);
		CHECK_NEAR(fresh[i].median, again[i].median, CLOCK_US);
	}
	/* samples differ between draws: not one segment list repeated */
	CHECK(strcmp(fresh[0].segments, fresh[1].segments) != 0);

	/* --- whole: a share of samples spans every model whole --------------- */
	/* With --whole 0.5 each sample is fresh.db's draw (same seed), or that
	 * draw with every segment from op 0 to its model's end. */
	small_config(&c, path_in("w.db"), 30);
	c.whole = 0.5;
	c.export_dir = path_in("w");
	CHECK_INT(run(&c, err, sizeof err), 0);
	static row wrows[200];
	CHECK_INT(read_groups(path_in("w.db"), wrows, 200), 90);
	smp_set ws = {0};
	CHECK_INT(smp_read_csv(path_in("w/groups.csv"), &ws, err, sizeof err), 0);
	CHECK_INT(ws.n, 90);
	int n_whole = 0;
	for (size_t i = 0; i < ws.n && i < 90; i++) {
		const smp_group *g = &ws.g[i];
		const row *r = find_row(fresh, 90, wrows[i].combo, wrows[i].idx);
		CHECK(r != NULL && strcmp(g->combo, wrows[i].combo) == 0);
		int whole = 1;
		for (int s = 0; s < g->n; s++) {
			zoo_model *m = zoo_model_new(g->seg[s].model, err, sizeof err);
			whole &= g->seg[s].start == 0 && m && g->seg[s].end == m->n_ops;
			zoo_model_free(m);
		}
		n_whole += whole;
		if (r && !whole)
			CHECK(strcmp(r->segments, wrows[i].segments) == 0);
	}
	smp_set_free(&ws);
	CHECK(n_whole >= 30 && n_whole <= 60); /* 45 expected, sd 4.7 */
	/* a database from before the option holds whole 0 */
	CHECK_INT(sqlite3_open(path_in("a.db"), &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "DELETE FROM settings WHERE name = 'whole'", NULL, NULL, NULL),
	          SQLITE_OK);
	sqlite3_close(db);
	small_config(&c, path_in("a.db"), 30);
	c.whole = 0.5;
	check_bad(&c, "measured with --whole 0 (now 0.5)");
	small_config(&c, path_in("a.db"), 30);
	CHECK_INT(run(&c, err, sizeof err), 0);
	small_config(&c, path_in("w.db"), 30);
	check_bad(&c, "measured with --whole 0.5 (now 0)");

	/* --- a stop request mid-run: 130, rows kept, resume completes -------- */
	volatile sig_atomic_t stop = 0;
	wrap w;
	memset(&w, 0, sizeof w);
	device d;
	wrap_open(&w, &d, p, 1);
	w.stop = &stop;
	/* (1 warm-up + 3) whole runs in each of the 9 solo units, then as many
	 * runs a sample: stop in sample 37 */
	w.groups_left = 4 * 9 + 4 * 37;
	small_config(&c, path_in("b.db"), 30);
	c.stop = &stop;
	CHECK_INT(profl_run_on(&c, &d, err, sizeof err), 130);
	CHECK_STR_HAS(err, "re-run the same command");
	device_free(&d);
	db = db_open(path_in("b.db"));
	CHECK_INT(count(db, "SELECT count(*) FROM groups"), 37);
	CHECK_INT(count(db, "SELECT count(*) FROM solo_ops"), 19 * 3 + 13 * 3 * 2);
	sqlite3_close(db);
	stop = 0;
	small_config(&c, path_in("b.db"), 30);
	CHECK_INT(run(&c, err, sizeof err), 0);
	static row resumed[200];
	CHECK_INT(read_groups(path_in("b.db"), resumed, 200), 90);
	for (int i = 0; i < 90; i++) {
		CHECK(strcmp(resumed[i].segments, fresh[i].segments) == 0);
		CHECK_NEAR(resumed[i].median, fresh[i].median, CLOCK_US);
	}

	/* --- a device without time_ops: ops timed as one-op groups ----------- */
	memset(&w, 0, sizeof w);
	wrap_open(&w, &d, p, 0);
	small_config(&c, path_in("c.db"), 5);
	c.groups = 0;
	char *notes = NULL;
	size_t notes_len = 0;
	c.notes = open_memstream(&notes, &notes_len);
	CHECK_INT(profl_run_on(&c, &d, err, sizeof err), 0);
	fclose(c.notes);
	CHECK_STR_HAS(notes, "cannot time single ops");
	CHECK_STR_HAS(notes, "synchronisation");
	free(notes);
	device_free(&d);
	check_solo(path_in("c.db"), p);
	db = db_open(path_in("c.db"));
	CHECK_INT(count(db, "SELECT count(*) FROM settings WHERE name = 'solo_timing' AND value = "
	                    "'run_group'"),
	          1);
	CHECK_INT(count(db, "SELECT count(*) FROM groups"), 0);
	sqlite3_close(db);

	/* --- export: no device opened, read back by prof.h and sample.h ------ */
	small_config(&c, path_in("a.db"), 30);
	c.solo = c.groups = 0;
	c.export_dir = path_in("out");
	CHECK_INT(profl_run_on(&c, NULL, err, sizeof err), 0);
	prof *ep = prof_new_file("h100", path_in("out/ops.csv"), err, sizeof err);
	CHECK(ep != NULL);
	if (ep) {
		CHECK(prof_measured(ep, "resnet50") && prof_measured(ep, "bert"));
		CHECK(!prof_measured(ep, "vgg16"));
		zoo_model *m = zoo_model_new("resnet50", err, sizeof err);
		int64_t sum = 0;
		for (int op = 0; op < m->n_ops; op++) {
			CHECK_NEAR(prof_op_ns(ep, m, op, 4, 0), prof_op_ns(p, m, op, 4, 0), 1.0);
			sum += prof_op_ns(p, m, op, 4, 0);
		}
		CHECK(prof_whole_ns(p, m, 4, 0) == 0); /* data/h100 has no whole rows */
		CHECK_NEAR(prof_whole_ns(ep, m, 4, 0), sum, 1.0);
		zoo_model_free(m);
		prof_free(ep);
	}
	FILE *f = fopen(path_in("out/ops.csv"), "r");
	int lines = 0;
	for (int ch; f && (ch = fgetc(f)) != EOF;)
		lines += ch == '\n';
	if (f)
		fclose(f);
	CHECK_INT(lines, 1 + 19 * 3 + 13 * 3 * 2);
	smp_set set = {0};
	CHECK_INT(smp_read_csv(path_in("out/groups.csv"), &set, err, sizeof err), 0);
	CHECK_INT(set.n, 90);
	if (set.n == 90) {
		CHECK(strcmp(set.g[0].combo, again[0].combo) == 0);
		CHECK_NEAR(set.g[0].median_us, again[0].median, 1e-3);
		CHECK_INT(set.g[89].n, 2);
	}
	smp_set_free(&set);
	/* the cuda rows of this file: none, and no GPU was looked for */
	c.device = "cuda";
	check_bad(&c, "holds no h100/cuda profile");

	/* --- export writes only the files it has rows for ------------------- */
	/* c.db has solo ops only: out/groups.csv (a.db's 90) stays as it was */
	char *groups_before = slurp(path_in("out/groups.csv"));
	CHECK(groups_before != NULL);
	small_config(&c, path_in("c.db"), 5);
	c.solo = c.groups = 0;
	c.export_dir = path_in("out");
	CHECK_INT(run(&c, err, sizeof err), 0);
	char *groups_after = slurp(path_in("out/groups.csv"));
	CHECK(groups_before && groups_after && strcmp(groups_before, groups_after) == 0);
	CHECK_INT(lines_of(path_in("out/groups.csv")), 1 + 90);
	CHECK_INT(lines_of(path_in("out/ops.csv")), 1 + 19 * 3 + 13 * 3 * 2);
	CHECK(access(path_in("out/groups.csv.tmp"), F_OK) != 0);
	free(groups_before);
	free(groups_after);
	/* groups only: out/ops.csv stays as it was */
	small_config(&c, path_in("g.db"), 5);
	c.solo = 0;
	CHECK_INT(run(&c, err, sizeof err), 0);
	char *ops_before = slurp(path_in("out/ops.csv"));
	small_config(&c, path_in("g.db"), 5);
	c.solo = c.groups = 0;
	c.export_dir = path_in("out");
	CHECK_INT(run(&c, err, sizeof err), 0);
	char *ops_after = slurp(path_in("out/ops.csv"));
	CHECK(ops_before && ops_after && strcmp(ops_before, ops_after) == 0);
	CHECK_INT(lines_of(path_in("out/groups.csv")), 1 + 15);
	CHECK(access(path_in("out/ops.csv.tmp"), F_OK) != 0);
	free(ops_before);
	free(ops_after);
	/* a folder that cannot be made is refused before anything is measured */
	small_config(&c, path_in("exp.db"), 5);
	c.export_dir = "/nonexistent-dir/out";
	check_bad(&c,
	          "--export: cannot create /nonexistent-dir/out: /nonexistent-dir: No such file");
	CHECK(run(&c, err, sizeof err) != 0);
	CHECK(access(path_in("exp.db"), F_OK) != 0);
	c.export_dir = path_in("a.db");
	check_bad(&c, "a.db is not a directory");
	c.export_dir = path_in("a.db/out");
	check_bad(&c, "a.db is not a directory");
	c.export_dir = "";
	check_bad(&c, "--export needs a folder name");
	CHECK(access(path_in("exp.db"), F_OK) != 0);

	/* --- bad input: one line naming the problem ------------------------- */
	small_config(&c, path_in("bad.db"), 5);
	c.models[1] = "resnet5";
	check_bad(&c, "unknown model 'resnet5'");
	small_config(&c, path_in("bad.db"), 5);
	c.combos = "resnet50+bret";
	check_bad(&c, "unknown model 'bret'");
	c.combos = "triplets";
	check_bad(&c, "valid: default, pairs");
	c.combos = "resnet50+resnet50";
	check_bad(&c, "appears twice");
	c.combos = "resnet50+bert,resnet50+bert";
	check_bad(&c, "given twice");
	small_config(&c, path_in("bad.db"), 5);
	c.device = "tpu";
	check_bad(&c, "unknown device 'tpu' (valid: sim, cuda)");
	small_config(&c, path_in("bad.db"), 5);
	c.gpu = "h900";
	check_bad(&c, "unknown gpu 'h900'");
	small_config(&c, path_in("bad.db"), 0);
	check_bad(&c, "--samples must be between 1");
	small_config(&c, path_in("bad.db"), 5);
	c.whole = 1.5;
	check_bad(&c, "--whole must be between 0 and 1, got 1.5");
	small_config(&c, path_in("bad.db"), 5);
	c.repeats = 0;
	check_bad(&c, "--repeats");
	small_config(&c, path_in("bad.db"), 5);
	c.seqs[0] = 4;
	check_bad(&c, "--seqs must be between 8 and 512 for bert, got 4");
	small_config(&c, path_in("bad.db"), 5);
	c.solo = c.groups = 0;
	check_bad(&c, "nothing to do");

	/* settings that shape the rows must match those stored */
	small_config(&c, path_in("a.db"), 30);
	c.seed = 8;
	check_bad(&c, "measured with --seed 7 (now 8)");
	small_config(&c, path_in("a.db"), 30);
	c.batches[2] = 16;
	check_bad(&c, "--batches 1,4,64 (now 1,4,16)");

	/* files that are not profiles, and places that cannot be written */
	small_config(&c, "/nonexistent-dir/x.db", 5);
	check_bad(&c, "cannot open /nonexistent-dir/x.db");
	f = fopen(path_in("junk.db"), "w");
	for (int i = 0; i < 300; i++)
		fputs("not a database at all ", f);
	fclose(f);
	small_config(&c, path_in("junk.db"), 5);
	check_bad(&c, "is not an SQLite database");
	CHECK_INT(sqlite3_open(path_in("other.db"), &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE runs (id INTEGER)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	small_config(&c, path_in("other.db"), 5);
	check_bad(&c, "not an abacus profile database");
	/* a negative user_version: refused, the file left as it was */
	CHECK_INT(sqlite3_open(path_in("neg.db"), &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = -1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	small_config(&c, path_in("neg.db"), 5);
	check_bad(&c, "neg.db has an unknown schema version -1");
	CHECK_INT(sqlite3_open(path_in("neg.db"), &db), SQLITE_OK);
	CHECK_INT(count(db, "PRAGMA user_version"), -1);
	CHECK_INT(count(db, "SELECT count(*) FROM sqlite_schema"), 0);
	sqlite3_close(db);
	small_config(&c, path_in("neg.db"), 5);
	c.solo = c.groups = 0;
	c.export_dir = path_in("out-neg");
	check_bad(&c, "neg.db has an unknown schema version -1");
	small_config(&c, path_in("missing.db"), 5);
	c.solo = c.groups = 0;
	c.export_dir = path_in("out2");
	check_bad(&c, "cannot export from");
	CHECK(access(path_in("missing.db"), F_OK) != 0);

	bin = getenv("ABACUS_BIN");
	if (bin && access(bin, X_OK) == 0)
		check_cli();
	else
		fprintf(stderr, "test_profile: ABACUS_BIN not set: command-line checks skipped\n");

	prof_free(p);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("test_profile");
}
