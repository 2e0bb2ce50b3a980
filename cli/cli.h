/* cli.h: what the subcommands of the abacus command share.
 *
 * Each subcommand is a file of cli/ with its option table (opt.h) and a
 * function that runs it; main.c lists them in one table and dispatches.
 * A command returns the process's exit status: 0, 1 for a failure (the
 * reason already on stderr), 2 for bad usage, 130 when interrupted.
 */
#ifndef ABACUS_CLI_H
#define ABACUS_CLI_H

#include <signal.h>

#include "opt.h"

/* The default results database; --db before or after the command word
 * names another. */
#define CLI_RESULTS_DB "results.db"

typedef struct cli_env {
	const char *db; /* --db given before the command word, or NULL */
	/* The SIGINT flag, and the call that starts catching SIGINT and
	 * SIGTERM into it (only commands that stop cleanly ask for it). */
	const volatile sig_atomic_t *stop;
	void (*catch_interrupts)(void);
} cli_env;

typedef struct cli_command cli_command;
struct cli_command {
	opt_command cmd;
	/* argv: what follows the command word. */
	int (*main)(const cli_command *self, const cli_env *env, int argc, char **argv);
};

/* Parses the command's options into args. 1 when the command is over
 * (help printed, or a mistake named on stderr), with its exit status in
 * *rc; 0 to go on, with the positional arguments at the front of argv. */
int cli_options(const cli_command *c, int argc, char **argv, void *args, int *n_pos, int *rc);

/* The progress line of a long command (progress.h): on stderr, redrawn
 * in place when stderr is a terminal, and shown only for work that goes
 * on past a second. */
struct progress;
void cli_progress(struct progress *p);

extern const cli_command cli_run, cli_zoo, cli_runs, cli_gpu, cli_train, cli_profile,
    cli_calibrate;

#endif
