/* profile.c: `abacus profile`, solo ops and sampled operator groups into
 * profile.db (core/profiler.h). */
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "devices.h"
#include "profiler.h"
#include "progress.h"

typedef struct profile_args {
	profl_config c;
	const char *models; /* "a,b", parsed by profl_parse_models */
} profile_args;

#define AT(field) offsetof(profile_args, c.field)

static const opt_spec profile_opts[] = {
    {.name = "--device", .kind = OPT_STR, .meta = "cuda|sim", .off = AT(device),
     .help = "what to measure (default cuda; sim measures the simulator)"},
    {.name = "--gpu", .kind = OPT_STR, .meta = "G", .off = AT(gpu),
     .help = "the profile's name, checked against the card (default h200)"},
    {.name = "--db", .kind = OPT_STR, .meta = "PATH", .off = AT(db),
     .help = "the profile database (default profile.db)"},
    {.name = "--models", .kind = OPT_STR, .meta = "a,b", .off = offsetof(profile_args, models),
     .help = "models measured solo (default the seven of the paper)"},
    {.name = "--batches", .kind = OPT_LIST, .meta = "1,2,4", .min = 1, .max = 4096,
     .max_items = PROFL_MAX_GRID, .off = AT(batches), .count_off = AT(n_batches),
     .help = "batch sizes (default 1,2,4,8,16,32)"},
    {.name = "--seqs", .kind = OPT_LIST, .meta = "8,16", .min = 1, .max = 1 << 20,
     .max_items = PROFL_MAX_GRID, .off = AT(seqs), .count_off = AT(n_seqs),
     .help = "sequence lengths (default 8,16,32,64,128,256)"},
    {.name = "--samples", .kind = OPT_INT, .meta = "N", .min = 1, .max = 1 << 20,
     .off = AT(samples), .help = "groups per combination (default 2000)"},
    {.name = "--repeats", .kind = OPT_INT, .meta = "R", .min = 1, .max = 1 << 20,
     .off = AT(repeats), .help = "timed runs of each (default 5)"},
    {.name = "--warmup", .kind = OPT_INT, .meta = "W", .min = 0, .max = 1 << 20,
     .off = AT(warmup), .help = "untimed runs before them (default 2)"},
    {.name = "--combos", .kind = OPT_STR, .meta = "default|pairs|a+b,c+d", .off = AT(combos),
     .help = "combinations of models measured in groups (default: the paper's)"},
    {.name = "--whole", .kind = OPT_NUM, .meta = "F", .off = AT(whole),
     .help = "share of groups whose segments each span their whole model, as batching runs "
             "them (default 0: every segment from a random start to a random end)"},
    {.name = "--no-solo", .kind = OPT_FLAG, .clears = 1, .off = AT(solo),
     .help = "measure no solo ops"},
    {.name = "--no-groups", .kind = OPT_FLAG, .clears = 1, .off = AT(groups),
     .help = "measure no groups"},
    {.name = "--seed", .kind = OPT_U64, .meta = "S", .off = AT(seed),
     .help = "seed of the sampled groups (default 1)"},
    {.name = "--noise", .kind = OPT_NUM, .meta = "X", .off = AT(noise),
     .help = "sim only: the simulator's noise (default 0.02)"},
    {.name = "--sms", .kind = OPT_INT, .meta = "N", .min = 1, .max = 1 << 20, .off = AT(sms),
     .help = "measure inside an SM partition of N SMs (a green context; default the whole GPU)"},
    {.name = "--engine",
     .kind = OPT_STR,
     .meta = "a,b",
     .off = AT(engine),
     .help = "cuda: the executor measured, the run options turned from their defaults: "
             "fp16, nhwc, fuse_add, ws_all, fc_lt, dw, attn_tc, no_graphs, no_tf32, "
             "no_conv_gemm, launch_threads (default: none)"},
    {.name = "--export",
     .kind = OPT_STR,
     .meta = "DIR",
     .off = AT(export_dir),
     .help = "write DIR/ops.csv and DIR/groups.csv from the database"},
    OPT_END,
};

static int profile_main(const cli_command *self, const cli_env *env, int argc, char **argv)
{
	profile_args a = {0};
	profl_config *c = &a.c;
	profl_config_default(c);
	/* A --db before the command is taken too: main's default, results.db,
	 * cannot hold a profile (profile.db is the default here), and one
	 * named on purpose is taken, so that a results database gets refused
	 * by name rather than quietly passed over. */
	if (env->db)
		c->db = env->db;
	int n_pos, rc;
	if (cli_options(self, argc, argv, &a, &n_pos, &rc))
		return rc;
	char err[2048] = "", models[512];
	if (a.models && profl_parse_models(a.models, models, sizeof models, c->models,
	                                   PROFL_MAX_MODELS, &c->n_models, err, sizeof err)) {
		fprintf(stderr, "abacus profile: %s\n", err);
		return 2;
	}
	env->catch_interrupts();
	c->devices = cli_devices;
	c->stop = env->stop;
	progress pg;
	cli_progress(&pg);
	pg.delay_ns = 0; /* a profile is long by nature: shown from the start */
	c->progress = &pg;
	c->notes = stderr;
	if (profl_check(c, err, sizeof err)) {
		fprintf(stderr, "abacus profile: %s\n", err);
		return 2;
	}
	rc = profl_run(c, err, sizeof err);
	if (rc) {
		fprintf(stderr, "abacus profile: %s\n", err);
		return rc == 130 ? 130 : 1;
	}
	return 0;
}

const cli_command cli_profile = {
    .cmd = {.name = "profile",
            .what = "measure solo ops and operator groups (default into profile.db)",
            .more = "A profile that is run again skips what is stored and draws the rest as an\n"
                    "uninterrupted run would; Ctrl-C commits what was measured first.",
            .opts = profile_opts},
    .main = profile_main,
};
