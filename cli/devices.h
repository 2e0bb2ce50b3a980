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

/* abacus gpu: what CUDA sees; 0, or 1 with the reason on stderr. */
int cli_gpu_info(FILE *out, char *err, size_t errlen);

#endif
