/* gpu.c: `abacus gpu`, the GPUs CUDA sees (devices.h). */
#include <stdio.h>

#include "cli.h"
#include "devices.h"

static const opt_spec gpu_opts[] = {OPT_END};

static int gpu_main(const cli_command *self, const cli_env *env, int argc, char **argv)
{
	(void)env;
	int n_pos, rc;
	if (cli_options(self, argc, argv, NULL, &n_pos, &rc))
		return rc;
	char err[512];
	if (cli_gpu_info(stdout, err, sizeof err)) {
		fprintf(stderr, "abacus gpu: %s\n", err);
		return 1;
	}
	return 0;
}

const cli_command cli_gpu = {
    .cmd = {.name = "gpu", .what = "the GPUs CUDA sees", .opts = gpu_opts},
    .main = gpu_main,
};
