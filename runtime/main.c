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
 * one kills the process (the run then shows as 'died').
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib.h"
#include "lab.h"
#include "store.h"
#include "zoo.h"
#ifdef ABACUS_HAVE_CUDA
#include "cuda_dev.h"
#endif

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	if (interrupted)
		_exit(130);
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: abacus [--db PATH] run FILE.lua [ARGS...]   run a scenario (Lua 5.4)\n"
	           "       abacus zoo [MODEL] [--batch N] [--seq S] [-v]\n"
	           "                                              the model zoo: ops, shapes, "
	           "FLOPs, bytes, parameters\n"
	           "       abacus [--db PATH] runs [--limit N]    runs stored in the database\n"
	           "       abacus gpu                             the GPUs CUDA sees\n"
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
	int batch = 1, seq = 128, verbose = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--batch") == 0) {
			if (parse_pos("--batch", i + 1 < argc ? argv[++i] : NULL, &batch))
				return 2;
		} else if (strcmp(argv[i], "--seq") == 0) {
			if (parse_pos("--seq", i + 1 < argc ? argv[++i] : NULL, &seq))
				return 2;
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			verbose = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "abacus zoo: unknown option '%s'\n", argv[i]);
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
	store *st = store_open(db, err, sizeof err);
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
#ifdef ABACUS_HAVE_CUDA
	char err[512];
	if (cuda_print_info(stdout, err, sizeof err)) {
		fprintf(stderr, "abacus gpu: %s\n", err);
		return 1;
	}
	return 0;
#else
	fprintf(stderr, "abacus gpu: this abacus was built without CUDA (no nvcc or cuDNN found at "
	                "build time)\n");
	return 1;
#endif
}

static int cmd_run(const char *db, int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "abacus run: which scenario? usage: abacus run FILE.lua [ARGS...]\n");
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lab b = {db, NULL, &interrupted, 0};
	char err[2048];
	int rc = lab_run_file(&b, argv[0], argc - 1, argv + 1, err, sizeof err);
	lab_close(&b);
	if (rc) {
		fprintf(stderr, "abacus: %s\n", err);
		return rc == 130 ? 130 : 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *db = "results.db";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			db = argv[++i];
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
	/* --db may also follow the command: abacus run --db x.db s.lua */
	if (i + 1 < argc && strcmp(argv[i], "--db") == 0) {
		db = argv[i + 1];
		i += 2;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(db, argc - i, argv + i);
	if (strcmp(cmd, "zoo") == 0)
		return cmd_zoo(argc - i, argv + i);
	if (strcmp(cmd, "runs") == 0)
		return cmd_runs(db, argc - i, argv + i);
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
