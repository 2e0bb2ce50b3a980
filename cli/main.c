/* main.c: the abacus command line.
 *
 *   abacus [--db PATH] run FILE.lua [ARGS...]   run a scenario
 *   abacus zoo [MODEL] [--batch N] [--seq S] [-v] the model zoo as tables
 *   abacus [--db PATH] runs [--limit N]         runs stored in results.db
 *   abacus gpu                                  what CUDA sees
 *
 * The SIGINT flag is the one process-wide variable: a signal handler has
 * nowhere else to write. The first Ctrl-C asks the running experiment to
 * stop at the next group boundary and be stored as interrupted; a second
 * one, a second or more later, kills the process (the run then shows as
 * 'died').
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calib.h"
#include "devices.h"
#include "lab.h"
#include "profiler.h"
#include "store.h"
#include "text.h"
#include "train.h"
#include "zoo.h"

static volatile sig_atomic_t interrupted;
static struct timespec first_signal; /* written by the handler alone */

/* A second signal a second or more after the first kills the process. One
 * closer to it is the same Ctrl-C delivered twice (`timeout -s INT` signals
 * the child and then its process group): dying on it would lose the rows
 * the first one is storing. clock_gettime is async-signal-safe. */
static void on_sigint(int sig)
{
	(void)sig;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!interrupted) {
		first_signal = now;
		interrupted = 1;
		return;
	}
	if (now.tv_sec - first_signal.tv_sec > 1 ||
	    (now.tv_sec - first_signal.tv_sec == 1 && now.tv_nsec >= first_signal.tv_nsec))
		_exit(130);
}

/* SIGINT and SIGTERM set the flag that runs and profiles poll. */
static void catch_interrupts(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: abacus [--db PATH] run FILE.lua [ARGS...]   run a scenario (Lua 5.4)\n"
	           "       abacus zoo [MODEL] [--batch N] [--seq S] [-v]\n"
	           "                                              the model zoo: ops, shapes, "
	           "FLOPs, bytes, parameters\n"
	           "       abacus [--db PATH] runs [--limit N]    runs stored in the database\n"
	           "       abacus gpu                             the GPUs CUDA sees\n"
	           "       abacus [--db PATH] train [--gpu G] [--groups CSV] [--data DIR]\n"
	           "              [--predictor mlp|lr|svm|all] [--mode all|one] [--test-frac F]\n"
	           "              [--folds K] [--lopo] [--seed N] [--format table|csv]\n"
	           "                                              train the overlap-aware "
	           "predictors on measured groups\n"
	           "       abacus profile [--device cuda|sim] [--gpu G] [--db PATH] [--models a,b]\n"
	           "              [--batches 1,2,4] [--seqs 8,16] [--samples N] [--repeats R]\n"
	           "              [--warmup W] [--combos default|pairs|a+b,c+d] [--no-solo]\n"
	           "              [--no-groups] [--seed S] [--noise X] [--export DIR]\n"
	           "                                              measure solo ops and operator "
	           "groups (default profile.db)\n"
	           "       abacus calibrate [--gpu G] [--write]   fit the simulator to measured "
	           "groups\n"
	           "--db PATH chooses the results database (default results.db).\n");
}

static int parse_pos(const char *flag, const char *v, int *out)
{
	char *end;
	long x = v ? strtol(v, &end, 10) : 0;
	if (!v || *end || x < 1 || x > 1 << 20) {
		fprintf(stderr, "abacus: %s needs a positive integer, got '%s'\n", flag, v ? v : "");
		return -1;
	}
	*out = (int)x;
	return 0;
}

static int cmd_zoo(int argc, char **argv)
{
	const char *model = NULL;
	int batch = 1, seq = 128, seq_given = 0, verbose = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--batch") == 0) {
			if (parse_pos("--batch", i + 1 < argc ? argv[++i] : NULL, &batch))
				return 2;
		} else if (strcmp(argv[i], "--seq") == 0) {
			if (parse_pos("--seq", i + 1 < argc ? argv[++i] : NULL, &seq))
				return 2;
			seq_given = 1;
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			verbose = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "abacus zoo: unknown option '%s'\n", argv[i]);
			return 2;
		} else if (model) {
			fprintf(stderr, "abacus zoo: one model at a time, got '%s' and '%s'\n", model,
			        argv[i]);
			return 2;
		} else {
			model = argv[i];
		}
	}
	if (!model) {
		zoo_print_summary(stdout, batch, seq);
		return 0;
	}
	char err[512];
	zoo_model *m = zoo_model_new(model, err, sizeof err);
	if (!m) {
		fprintf(stderr, "abacus zoo: %s\n", err);
		return 1;
	}
	if (!m->has_seq && seq_given) {
		fprintf(stderr,
		        "abacus zoo: --seq applies only to models with a sequence length; %s has "
		        "none\n",
		        m->name);
		zoo_model_free(m);
		return 2;
	}
	if (m->has_seq && (seq < m->seq_min || seq > m->seq_max)) {
		fprintf(stderr, "abacus zoo: --seq must be between %d and %d for %s\n", m->seq_min,
		        m->seq_max, m->name);
		zoo_model_free(m);
		return 2;
	}
	zoo_print(stdout, m, batch, seq, verbose);
	zoo_model_free(m);
	return 0;
}

static int cmd_runs(const char *db, int argc, char **argv)
{
	int limit = 50;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--limit") == 0) {
			if (parse_pos("--limit", i + 1 < argc ? argv[++i] : NULL, &limit))
				return 2;
		} else if (strcmp(argv[i], "--all") == 0) {
			limit = 0;
		} else {
			fprintf(stderr, "abacus runs: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	char err[1024];
	/* Listing writes nothing: a mistyped --db is not created, and a
	 * database in a read-only place lists as well as any. */
	store *st = store_open_readonly(db, err, sizeof err);
	if (!st) {
		fprintf(stderr, "abacus runs: %s\n", err);
		return 1;
	}
	int rc = store_print_runs(st, stdout, limit);
	if (rc)
		fprintf(stderr, "abacus runs: %s\n", store_errmsg(st));
	store_close(st);
	return rc ? 1 : 0;
}

static int cmd_gpu(void)
{
	char err[512];
	if (cli_gpu_info(stdout, err, sizeof err)) {
		fprintf(stderr, "abacus gpu: %s\n", err);
		return 1;
	}
	return 0;
}

static int cmd_train(const char *db, int argc, char **argv)
{
	char err[2048];
	int rc = train_cli(db, argc, argv, stdout, err, sizeof err);
	if (rc)
		fprintf(stderr, "abacus train: %s\n", err);
	return rc;
}

static int cmd_run(const char *db, int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "abacus run: which scenario? usage: abacus run FILE.lua [ARGS...]\n");
		return 2;
	}
	catch_interrupts();
	lab b = {.db_path = db, .devices = cli_devices, .stop = &interrupted};
	char err[2048];
	int rc = lab_run_file(&b, argv[0], argc - 1, argv + 1, err, sizeof err);
	lab_close(&b);
	if (rc) {
		fprintf(stderr, "abacus: %s\n", err);
		return rc == 130 ? 130 : 1;
	}
	return 0;
}

/* abacus profile: solo ops and sampled operator groups into profile.db
 * (core/profiler.h). */
static int cmd_profile(const char *db, int argc, char **argv)
{
	profl_config c;
	profl_config_default(&c);
	/* db is NULL unless --db came before the command: main's default,
	 * results.db, cannot hold a profile (profile.db is the default here),
	 * and one named on purpose is taken, so that a results database gets
	 * refused by name rather than quietly passed over. */
	if (db)
		c.db = db;
	char err[2048] = "", models[512];
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--no-solo") == 0) {
			c.solo = 0;
			continue;
		}
		if (strcmp(a, "--no-groups") == 0) {
			c.groups = 0;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		static const char *const with_value[] = {
		    "--device", "--gpu",    "--db",     "--combos", "--export", "--models", "--batches",
		    "--seqs",   "--samples", "--repeats", "--warmup", "--seed",   "--noise",  NULL};
		int known = 0;
		for (int k = 0; with_value[k]; k++)
			known |= strcmp(a, with_value[k]) == 0;
		if (!known) {
			fprintf(stderr, "abacus profile: unknown argument '%s' (see abacus --help)\n", a);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "abacus profile: %s needs a value\n", a);
			return 2;
		}
		const char *v = argv[++i];
		char *end = NULL;
		int rc = 0;
		if (strcmp(a, "--device") == 0)
			c.device = v;
		else if (strcmp(a, "--gpu") == 0)
			c.gpu = v;
		else if (strcmp(a, "--db") == 0)
			c.db = v;
		else if (strcmp(a, "--combos") == 0)
			c.combos = v;
		else if (strcmp(a, "--export") == 0)
			c.export_dir = v;
		else if (strcmp(a, "--models") == 0)
			rc = profl_parse_models(v, models, sizeof models, c.models, PROFL_MAX_MODELS,
			                        &c.n_models, err, sizeof err);
		else if (strcmp(a, "--batches") == 0)
			rc = profl_parse_ints(v, a, 1, 4096, c.batches, PROFL_MAX_GRID, &c.n_batches, err,
			                      sizeof err);
		else if (strcmp(a, "--seqs") == 0)
			rc = profl_parse_ints(v, a, 1, 1 << 20, c.seqs, PROFL_MAX_GRID, &c.n_seqs, err,
			                      sizeof err);
		else if (strcmp(a, "--samples") == 0)
			rc = parse_pos(a, v, &c.samples);
		else if (strcmp(a, "--repeats") == 0)
			rc = parse_pos(a, v, &c.repeats);
		else if (strcmp(a, "--warmup") == 0 && strcmp(v, "0") == 0)
			c.warmup = 0; /* no warm-up is a valid choice; parse_pos wants >= 1 */
		else if (strcmp(a, "--warmup") == 0)
			rc = parse_pos(a, v, &c.warmup);
		else if (strcmp(a, "--seed") == 0) {
			unsigned long long seed;
			if (text_parse_u64(v, &seed))
				rc = snprintf(err, sizeof err, "--seed needs a non-negative integer, got '%s'", v);
			else
				c.seed = seed;
		} else {
			errno = 0;
			c.noise = strtod(v, &end);
			if (!*v || errno || *end)
				rc = snprintf(err, sizeof err, "--noise needs a number, got '%s'", v);
		}
		if (rc) {
			if (err[0])
				fprintf(stderr, "abacus profile: %s\n", err);
			return 2;
		}
	}
	catch_interrupts();
	c.devices = cli_devices;
	c.stop = &interrupted;
	c.progress = stderr;
	c.tty = isatty(STDERR_FILENO);
	c.notes = stderr;
	if (profl_check(&c, err, sizeof err)) {
		fprintf(stderr, "abacus profile: %s\n", err);
		return 2;
	}
	int rc = profl_run(&c, err, sizeof err);
	if (rc) {
		fprintf(stderr, "abacus profile: %s\n", err);
		return rc == 130 ? 130 : 1;
	}
	return 0;
}

/* The command named in argv; main checks what it wrote. */
static int dispatch(int argc, char **argv)
{
	const char *db = "results.db", *db_given = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "abacus: --db needs a path\n");
				return 2;
			}
			db = db_given = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "abacus: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i++];
	if (strcmp(cmd, "profile") == 0)
		return cmd_profile(db_given, argc - i, argv + i);
	/* --db may also follow the command: abacus run --db x.db s.lua */
	if (i < argc && strcmp(argv[i], "--db") == 0) {
		if (i + 1 >= argc) {
			fprintf(stderr, "abacus %s: --db needs a path\n", cmd);
			return 2;
		}
		db = argv[i + 1];
		i += 2;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(db, argc - i, argv + i);
	if (strcmp(cmd, "zoo") == 0)
		return cmd_zoo(argc - i, argv + i);
	if (strcmp(cmd, "runs") == 0)
		return cmd_runs(db, argc - i, argv + i);
	if (strcmp(cmd, "train") == 0)
		return cmd_train(db, argc - i, argv + i);
	if (strcmp(cmd, "gpu") == 0)
		return cmd_gpu();
	if (strcmp(cmd, "calibrate") == 0)
		return calib_cli(argc - i, argv + i);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "abacus: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int rc = dispatch(argc, argv);
	/* Output that never reached its file (a full disk, a closed pipe) is
	 * a failed command, not a quiet success. A command that failed has
	 * said why already. */
	errno = 0;
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		fprintf(stderr, "abacus: writing the output failed: %s\n",
		        strerror(errno ? errno : EIO));
		return 1;
	}
	return rc;
}
