/* main.c: the abacus command line. It finds the subcommand in one table
 * and hands it the rest of argv; each subcommand is a file of cli/ with
 * its option table (opt.h), from which its help and the usage here are
 * generated.
 *
 *   abacus [--db PATH] COMMAND [OPTIONS] [ARGS]
 *   abacus --version | --help | COMMAND --help
 *
 * The SIGINT flag is the one process-wide variable: a signal handler has
 * nowhere else to write. The first Ctrl-C asks the running experiment to
 * stop at the next group boundary and be stored as interrupted; a second
 * one, a second or more later, kills the process (the run then shows as
 * 'died').
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "data.h"
#include "prof.h"
#include "progress.h"
#include "version.h"

static const cli_command *const commands[] = {
    &cli_run, &cli_zoo, &cli_runs, &cli_gpu, &cli_profile, &cli_calibrate, &cli_train, NULL,
};

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

typedef struct main_args {
	const char *db;
	int version;
} main_args;

static const opt_spec main_opts[] = {
    {.name = "--db", .kind = OPT_STR, .meta = "PATH", .off = offsetof(main_args, db),
     .help = "the database of the command that follows"},
    {.name = "--version", .kind = OPT_FLAG, .off = offsetof(main_args, version),
     .help = "the version, its git commit and the data folder"},
    OPT_END,
};

/* Options before the command word; the first word that is not one is the
 * command. */
static const opt_command main_cmd = {
    .name = "", .opts = main_opts, .rest = 1,
};

/* abacus --help, and the usage on a mistake: every command's synopsis. */
static void usage(FILE *f)
{
	fputs("usage: abacus [--db PATH] COMMAND [OPTIONS] [ARGS]\n"
	      "       abacus --version | --help | COMMAND --help\n\n",
	      f);
	for (int i = 0; commands[i]; i++) {
		opt_synopsis(f, "  abacus", &commands[i]->cmd, 10, 79);
		fprintf(f, "%10s%s\n", "", commands[i]->cmd.what);
	}
	fputs("\n--db PATH, before or after the command, names its database\n"
	      "(default " CLI_RESULTS_DB "; profile.db for profile).\n",
	      f);
}

static void version(FILE *f)
{
	fprintf(f, "abacus %s (commit %s)\n", abacus_version(), abacus_git_commit());
	/* The data folder runs read their GPU bundles from, and why that one. */
	char where[2400];
	data_describe(where, sizeof where);
	fprintf(f, "%s\n", where);
}

void cli_progress(progress *p)
{
	progress_init(p, stderr, isatty(STDERR_FILENO));
	p->delay_ns = 1000000000;
}

int cli_options(const cli_command *c, int argc, char **argv, void *args, int *n_pos, int *rc)
{
	char err[1024];
	int st = opt_parse(&c->cmd, argc, argv, args, n_pos, err, sizeof err);
	if (st == 0)
		return 0;
	if (st == 1) {
		opt_help(stdout, "abacus", &c->cmd);
		*rc = 0;
	} else {
		fprintf(stderr, "abacus %s: %s\n", c->cmd.name, err);
		*rc = 2;
	}
	return 1;
}

/* The command named in argv; main checks what it wrote. */
static int dispatch(int argc, char **argv)
{
	main_args a = {0};
	char err[1024];
	int n_pos = 0;
	int st = opt_parse(&main_cmd, argc - 1, argv + 1, &a, &n_pos, err, sizeof err);
	if (st == 1) {
		usage(stdout);
		return 0;
	}
	if (st < 0) {
		fprintf(stderr, "abacus: %s\n", err);
		usage(stderr);
		return 2;
	}
	if (a.version) {
		version(stdout);
		return 0;
	}
	if (n_pos == 0) {
		usage(stderr);
		return 2;
	}
	char **rest = argv + 1;
	const char *name = rest[0];
	if (strcmp(name, "help") == 0) {
		usage(stdout);
		return 0;
	}
	cli_env env = {.db = a.db, .stop = &interrupted, .catch_interrupts = catch_interrupts};
	for (int i = 0; commands[i]; i++)
		if (strcmp(name, commands[i]->cmd.name) == 0)
			return commands[i]->main(commands[i], &env, n_pos - 1, rest + 1);
	fprintf(stderr, "abacus: unknown command '%s'\n", name);
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
