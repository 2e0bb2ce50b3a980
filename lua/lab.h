/* lab.h: the Lua face of abacus.
 *
 * A scenario is a Lua 5.4 script run by `abacus run FILE.lua [ARGS...]`.
 * It sees a global table `abacus` (also returned by require("abacus"))
 * whose run{...} validates its table, runs the experiment through
 * run_execute and returns the summary once the run is stored; `arg` is set
 * as the standalone lua interpreter sets it. Every mistake in the table is
 * a Lua error naming the field, raised at the script's line.
 *
 * The lab owns the results store, opened on the first run so that a script
 * that only prints never touches the database.
 */
#ifndef ABACUS_LAB_H
#define ABACUS_LAB_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "store.h"

#define LAB_MAX_PREPARED 16

typedef struct lab {
	const char *db_path;               /* results.db by default */
	const dev_kind *const *devices;    /* the device kinds runs may name */
	store *st;                         /* opened on first use */
	const volatile sig_atomic_t *stop; /* SIGINT flag, may be NULL */
	int runs;                          /* runs so far */
	/* --resume: a run this database holds finished is given back, not
	 * run again (run_find_stored); resumed counts them */
	int resume, resumed;
	/* bundles run_prepare made sure of (gpu, data_dir, profile, device) */
	uint64_t prepared[LAB_MAX_PREPARED];
	int n_prepared;
	/* The progress line of each run ("run 3 NAME ..."), NULL: none. */
	struct progress *progress;
} lab;

/* Runs the script; 0 on success, else -1 with one line in err (a Lua
 * error's "file:line: message", or a store / run failure), and 130 when a
 * run was interrupted. */
int lab_run_file(lab *b, const char *path, int argc, char **argv, char *err, size_t errlen);
void lab_close(lab *b);

#endif
