/* devices.c: the table of device kinds (devices.h). */
#include "devices.h"

#include <stdio.h>

#include "sim.h"
#ifdef ABACUS_HAVE_CUDA
#include "cuda_dev.h"
#else
#define NO_CUDA "this abacus was built without CUDA (no nvcc or cuDNN found at build time)"

static int no_cuda_check(const dev_open_options *o, char *err, size_t errlen)
{
	(void)o;
	snprintf(err, errlen, "device 'cuda': " NO_CUDA "; use the simulator (sim)");
	return -1;
}

static int no_cuda_open(device *out, const dev_open_options *o, char *err, size_t errlen)
{
	(void)out;
	return no_cuda_check(o, err, errlen);
}

/* Named, so that a scenario asking for cuda hears why it cannot have it
 * rather than "unknown device". */
static const dev_kind cuda_kind = {
    .name = "cuda",
    .what = "the live GPU (not built)",
    .real = 1,
    .check = no_cuda_check,
    .open = no_cuda_open,
};
#endif

const dev_kind *const cli_devices[] = {&sim_kind, &cuda_kind, NULL};

int cli_gpu_info(FILE *out, char *err, size_t errlen)
{
#ifdef ABACUS_HAVE_CUDA
	return cuda_print_info(out, err, errlen);
#else
	(void)out;
	snprintf(err, errlen, NO_CUDA);
	return 1;
#endif
}
