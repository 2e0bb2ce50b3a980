/* devices.h: the device kinds this abacus was built with.
 *
 * The one place outside runtime/ that knows whether CUDA was built: every
 * other layer takes the table and looks kinds up by name.
 */
#ifndef ABACUS_DEVICES_H
#define ABACUS_DEVICES_H

#include <stdio.h>

#include "device.h"

/* NULL-terminated: sim always, cuda when built (else a kind that says why
 * it cannot open). */
extern const dev_kind *const cli_devices[];

/* Under mpirun (mpi/mpic.h). cli_mpi_begin: 0 when not started by
 * mpirun, 1 when MPI is up (MPI_Init done), -1 with a message (started by
 * mpirun, and this abacus was built without MPI, or MPI_Init failed).
 * Then: rank 0 runs the scenario with cli_mpi_devices; the other ranks
 * serve it (cli_mpi_serve); every rank ends with cli_mpi_end. */
int cli_mpi_begin(char *err, size_t errlen);
int cli_mpi_rank(void);
const dev_kind *const *cli_mpi_devices(void);
int cli_mpi_serve(char *err, size_t errlen);
void cli_mpi_end(void);

/* abacus gpu: what CUDA sees; 0, or 1 with the reason on stderr. */
int cli_gpu_info(FILE *out, char *err, size_t errlen);

#endif
