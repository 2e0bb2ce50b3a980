/* train.c: `abacus train`, the overlap-aware predictors (core/train.h). */
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "progress.h"
#include "train.h"

static const opt_spec train_opts[] = {
    {.name = "--gpu", .kind = OPT_STR, .meta = "G", .off = offsetof(train_config, gpu),
     .help = "whose measured groups and profile (default h200)"},
    {.name = "--groups", .kind = OPT_STR, .meta = "CSV", .off = offsetof(train_config, groups),
     .help = "measured groups (default DATA/<gpu>/groups.csv)"},
    {.name = "--data", .kind = OPT_STR, .meta = "DIR", .off = offsetof(train_config, data),
     .help = "the data folder holding <gpu>/ (default: abacus --version says which); the "
             "predictors are written into <gpu>/, or the cache where it is read-only"},
    {.name = "--predictor", .kind = OPT_STR, .meta = "LEARNER|all",
     .off = offsetof(train_config, predictor),
     .help = "which learner, by name (core/pred_learners.c), or all (default)"},
    {.name = "--features", .kind = OPT_STR, .meta = "ours|paper",
     .off = offsetof(train_config, features),
     .help = "what the learners see: our features, or the paper's (one-hot model, start, end, "
             "batch, seq), stored as <learner>@paper.pred (default ours)"},
    {.name = "--mode", .kind = OPT_STR, .meta = "all|one", .off = offsetof(train_config, mode),
     .help = "one predictor for all combinations, or one per combination (default all)"},
    {.name = "--test-frac", .kind = OPT_NUM, .meta = "F", .off = offsetof(train_config, test_frac),
     .help = "share of the groups held out to measure the error (default 0.2)"},
    {.name = "--folds", .kind = OPT_INT, .meta = "K", .min = 0, .max = 100,
     .hint = " (0: off, or 2 to 100)", .off = offsetof(train_config, folds),
     .help = "measure the error by K-fold cross-validation instead"},
    {.name = "--lopo", .kind = OPT_FLAG, .off = offsetof(train_config, lopo),
     .help = "measure it on each combination held out in turn"},
    {.name = "--seed", .kind = OPT_U64, .meta = "N", .off = offsetof(train_config, seed),
     .help = "seed of the splits and the learners (default 1)"},
    {.name = "--format", .kind = OPT_STR, .meta = "table|csv", .off = offsetof(train_config, format),
     .help = "how the errors are printed (default table)"},
    OPT_END,
};

static int train_main(const cli_command *self, const cli_env *env, int argc, char **argv)
{
	train_config c;
	train_config_default(&c);
	(void)env; /* predictors live with the GPU data, not in a results database */
	int n_pos, rc;
	if (cli_options(self, argc, argv, &c, &n_pos, &rc))
		return rc;
	/* work of more than a second shows its progress on stderr */
	progress pg;
	cli_progress(&pg);
	c.progress = &pg;
	char err[2048];
	rc = train_run(&c, stdout, err, sizeof err);
	if (rc)
		fprintf(stderr, "abacus train: %s\n", err);
	return rc;
}

const cli_command cli_train = {
    .cmd = {.name = "train",
            .what = "train the overlap-aware predictors on measured groups",
            .opts = train_opts},
    .main = train_main,
};
