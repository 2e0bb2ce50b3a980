/* zoo.c: `abacus zoo [MODEL]`, the model zoo as tables. */
#include <stdio.h>
#include <stddef.h>

#include "cli.h"
#include "zoo.h"

typedef struct zoo_args {
	int batch, seq, verbose; /* seq 0: not given */
} zoo_args;

static const opt_spec zoo_opts[] = {
    {.name = "--batch", .kind = OPT_INT, .meta = "N", .min = 1, .max = 1 << 20,
     .off = offsetof(zoo_args, batch), .help = "batch size of the shapes and costs (default 1)"},
    {.name = "--seq", .kind = OPT_INT, .meta = "S", .min = 1, .max = 1 << 20,
     .off = offsetof(zoo_args, seq),
     .help = "sequence length, for models that have one (default 128)"},
    {.name = "--verbose", .alias = "-v", .kind = OPT_FLAG, .off = offsetof(zoo_args, verbose),
     .help = "every layer of the model, not only its ops"},
    OPT_END,
};

static int zoo_main(const cli_command *self, const cli_env *env, int argc, char **argv)
{
	(void)env;
	zoo_args a = {.batch = 1};
	int n_pos, rc;
	if (cli_options(self, argc, argv, &a, &n_pos, &rc))
		return rc;
	if (n_pos > 1) {
		fprintf(stderr, "abacus zoo: one model at a time, got '%s' and '%s'\n", argv[0],
		        argv[1]);
		return 2;
	}
	if (n_pos == 0) {
		zoo_print_summary(stdout, a.batch, a.seq ? a.seq : 128);
		return 0;
	}
	char err[512];
	zoo_model *m = zoo_model_new(argv[0], err, sizeof err);
	if (!m) {
		fprintf(stderr, "abacus zoo: %s\n", err);
		return 1;
	}
	rc = 0;
	if (!m->has_seq && a.seq) {
		fprintf(stderr,
		        "abacus zoo: --seq applies only to models with a sequence length; %s has "
		        "none\n",
		        m->name);
		rc = 2;
	} else if (!a.seq) {
		a.seq = 128;
	}
	if (rc == 0 && m->has_seq && (a.seq < m->seq_min || a.seq > m->seq_max)) {
		fprintf(stderr, "abacus zoo: --seq must be between %d and %d for %s\n", m->seq_min,
		        m->seq_max, m->name);
		rc = 2;
	}
	if (rc == 0)
		zoo_print(stdout, m, a.batch, a.seq, a.verbose);
	zoo_model_free(m);
	return rc;
}

const cli_command cli_zoo = {
    .cmd = {.name = "zoo",
            .args = "[MODEL]",
            .what = "the model zoo: ops, shapes, FLOPs, bytes, parameters",
            .opts = zoo_opts,
            .max_pos = 1 << 20}, /* more than one is refused by name */
    .main = zoo_main,
};
