/* run.c: `abacus run FILE.lua [ARGS...]`, a scenario (lab.h). */
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "devices.h"
#include "lab.h"
#include "progress.h"

typedef struct run_args {
	const char *db;
	int resume;
} run_args;

static const opt_spec run_opts[] = {
    {.name = "--db", .kind = OPT_STR, .meta = "PATH", .off = offsetof(run_args, db),
     .help = "the results database (default " CLI_RESULTS_DB ")"},
    {.name = "--resume", .kind = OPT_FLAG, .off = offsetof(run_args, resume),
     .help = "give back each run the database holds finished (same name, settings, device, "
             "GPU and data) instead of running it again"},
    OPT_END,
};

static int run_main(const cli_command *self, const cli_env *env, int argc, char **argv)
{
	run_args a = {.db = env->db ? env->db : CLI_RESULTS_DB};
	int n_pos, rc;
	if (cli_options(self, argc, argv, &a, &n_pos, &rc))
		return rc;
	if (n_pos < 1) {
		fprintf(stderr, "abacus run: which scenario? usage: abacus run FILE.lua [ARGS...]\n");
		return 2;
	}
	char err[2048];
	int mpi = cli_mpi_begin(err, sizeof err);
	if (mpi < 0) {
		fprintf(stderr, "abacus: %s\n", err);
		return 1;
	}
	int rank = mpi ? cli_mpi_rank() : 0;
	if (rank < 0) {
		fprintf(stderr, "abacus: MPI_Comm_rank failed\n");
		cli_mpi_end();
		return 1;
	}
	if (rank > 0) { /* a worker rank: rank 0 runs the scenario */
		rc = cli_mpi_serve(err, sizeof err);
		cli_mpi_end();
		if (rc)
			fprintf(stderr, "abacus: rank %d: %s\n", rank, err);
		return rc ? 1 : 0;
	}
	env->catch_interrupts();
	/* A run of more than a second or so shows its arrivals; a log gets a
	 * line every few seconds at most, whatever the script runs. */
	progress pg;
	cli_progress(&pg);
	pg.gap_ns = 5000000000LL;
	pg.unit = "queries";
	pg.elapsed = 1;
	lab b = {.db_path = a.db,
	         .devices = mpi ? cli_mpi_devices() : cli_devices,
	         .stop = env->stop,
	         .progress = &pg,
	         .resume = a.resume};
	rc = lab_run_file(&b, argv[0], n_pos - 1, argv + 1, err, sizeof err);
	if (a.resume)
		fprintf(stderr, "abacus: --resume: %d run%s given back from %s, %d run\n",
		        b.resumed, b.resumed == 1 ? "" : "s", a.db, b.runs);
	lab_close(&b);
	/* the error before the MPI job ends: ending it may not return */
	if (rc)
		fprintf(stderr, "abacus: %s\n", err);
	if (mpi)
		cli_mpi_end();
	if (rc)
		return rc == 130 ? 130 : 1;
	return 0;
}

const cli_command cli_run = {
    .cmd = {.name = "run",
            .args = "FILE.lua [ARGS...]",
            .what = "run a scenario (Lua 5.4)",
            .more = "The scenario sees ARGS as `arg`, as the lua interpreter sets it; what\n"
                    "follows FILE.lua is the scenario's, options included.\n"
                    "With --resume a scenario stopped part-way (a time limit, Ctrl-C) goes on\n"
                    "where it stopped: each run the database already holds 'done' with the\n"
                    "same name, settings (tags and seed included), device, GPU and data\n"
                    "digest is given back as stored (its result has resumed = true) and not\n"
                    "run again; a run that failed or was interrupted runs again. The code's\n"
                    "version is not compared.",
            .opts = run_opts,
            .rest = 1},
    .main = run_main,
};
