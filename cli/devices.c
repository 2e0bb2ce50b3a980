/* devices.c: the table of device kinds (devices.h). */
#include "devices.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim.h"
#ifdef ABACUS_HAVE_MPI
#include "mpic.h"
#endif
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

#ifdef ABACUS_HAVE_MPI
int cli_mpi_begin(char *err, size_t errlen)
{
	if (!mpic_launched())
		return 0;
	return mpic_begin(NULL, NULL, err, errlen) ? -1 : 1;
}

int cli_mpi_rank(void)
{
	return mpic_rank();
}

const dev_kind *const *cli_mpi_devices(void)
{
	return mpic_devices;
}

int cli_mpi_serve(char *err, size_t errlen)
{
	return mpic_serve(cli_devices, err, errlen);
}

void cli_mpi_end(void)
{
	mpic_end();
}
#else
/* Without MPI every rank would run the whole scenario on its own: say so
 * instead. The launchers' environment names them (mpi/mpic.c reads the
 * same). */
int cli_mpi_begin(char *err, size_t errlen)
{
	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
		return 0;
	snprintf(err, errlen, "started by mpirun, but this abacus was built without MPI "
	         "(install libopenmpi-dev and rebuild)");
	return -1;
}

int cli_mpi_rank(void)
{
	return 0;
}

const dev_kind *const *cli_mpi_devices(void)
{
	return cli_devices;
}

int cli_mpi_serve(char *err, size_t errlen)
{
	(void)err, (void)errlen;
	return 0;
}

void cli_mpi_end(void)
{
}
#endif
