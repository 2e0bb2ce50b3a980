/* calibrate.c: `abacus calibrate`, the simulator's contention model fitted
 * to measured groups (sim/calib.h). */
#include <stddef.h>
#include <stdio.h>

#include "calib.h"
#include "cli.h"
#include "progress.h"

static const opt_spec calib_opts[] = {
    {.name = "--gpu",
     .kind = OPT_STR,
     .meta = "G",
     .off = offsetof(calib_config, gpu),
     .help = "whose measured groups and profile (default h200)"},
    {.name = "--data",
     .kind = OPT_STR,
     .meta = "DIR",
     .off = offsetof(calib_config, data),
     .help = "the data folder holding <gpu>/ops.csv (default: abacus --version says which)"},
    {.name = "--groups",
     .kind = OPT_STR,
     .meta = "CSV",
     .off = offsetof(calib_config, groups),
     .help = "measured groups (default DATA/<gpu>/groups.csv)"},
    {.name = "--test-frac",
     .kind = OPT_NUM,
     .meta = "F",
     .off = offsetof(calib_config, test_frac),
     .help = "share of the groups held out (default 0.2)"},
    {.name = "--max-train",
     .kind = OPT_U64,
     .meta = "N",
     .hint = " (0: all groups)",
     .off = offsetof(calib_config, max_train),
     .help = "fit on at most N training groups (default 4000; 0: all)"},
    {.name = "--seed",
     .kind = OPT_U64,
     .meta = "N",
     .off = offsetof(calib_config, seed),
     .help = "seed of the split (default 1)"},
    {.name = "--write",
     .kind = OPT_FLAG,
     .off = offsetof(calib_config, write),
     .help = "store the fit as DATA/<gpu>/sim.csv"},
    {.name = "--share",
     .kind = OPT_NUM,
     .meta = "A",
     .off = offsetof(calib_config, share),
     .help = "how overlapped ops split their slowdown (sim.h), held in a fit (default 0) or "
             "tried by --check in place of the stored one"},
    {.name = "--segments",
     .kind = OPT_STR,
     .meta = "CSV",
     .off = offsetof(calib_config, segments),
     .help = "groups measured live with their segment ends (seg_us, bench/gpu/timeline.py "
             "--groups): share is chosen as the one whose fit ends them best"},
    {.name = "--check",
     .kind = OPT_FLAG,
     .off = offsetof(calib_config, check),
     .help = "fit nothing: the stored sim.csv's error on every group given"},
    OPT_END,
};

static int calib_main(const cli_command *self, const cli_env *env, int argc, char **argv)
{
	(void)env;
	calib_config c;
	calib_config_default(&c);
	int n_pos, rc;
	if (cli_options(self, argc, argv, &c, &n_pos, &rc))
		return rc;
	/* work of more than a second shows its progress on stderr */
	progress pg;
	cli_progress(&pg);
	c.progress = &pg;
	char err[1024];
	if (calib_run(&c, stdout, err, sizeof err)) {
		fprintf(stderr, "abacus calibrate: %s\n", err);
		return 1;
	}
	return 0;
}

const cli_command cli_calibrate = {
    .cmd = {.name = "calibrate",
            .what = "fit the simulator to measured groups",
            .opts = calib_opts},
    .main = calib_main,
};
