/* part.h: SM partitions of one GPU, as a scenario names them.
 *
 * A scenario splits a GPU with partitions = { { sms = 64, services = {1, 2} },
 * ... }. A partition's size is a count of SMs (an integer), a share of the
 * GPU's SMs (a number in (0, 1]), or a MIG-like preset ("1g", "2g", "3g",
 * "4g", "7g": the SMs of that slice of an A100 or H100, below). Each is
 * resolved to a count here and checked against the hardware before a run
 * starts.
 *
 * Granularity. Green contexts split SMs in steps the hardware fixes
 * (cuDevSmResourceSplitByCount; cuDeviceGetDevResource reports them as
 * minSmPartitionSize and smCoscheduledAlignment): on compute capability
 * 9.0 (H100, H200) at least 8 SMs, in multiples of 8, which keeps the SMs
 * of a partition co-scheduled as Hopper's cluster kernels (cuBLASLt's)
 * need; on 8.x (A100) at least 4, in multiples of 2. A partition of the
 * whole GPU is always allowed. A share is rounded down to the
 * granularity; a count that does not fit it is an error naming the
 * counts that do.
 *
 * Presets: the SMs of a MIG slice, rounded down to the granularity where
 * it does not fit (H100's 3g slice has 60 SMs, a green context 56):
 *     preset   A100 (108 SMs)   H100 / H200 (132 SMs)
 *     1g            14                 16
 *     2g            28                 32
 *     3g            42                 56 (MIG: 60)
 *     4g            56                 64
 *     7g            98                132 (the whole GPU)
 * MIG has no 5g or 6g slice.
 */
#ifndef ABACUS_PART_H
#define ABACUS_PART_H

#include <stddef.h>

#include "gpu.h"

/* How a scenario gave a partition's size. */
typedef struct part_size {
	int sms;         /* a count; 0 when given as a share or a preset */
	double share;    /* (0, 1]; 0 when not a share */
	char preset[8];  /* "2g"; "" when not a preset */
} part_size;

/* The smallest partition and the step between sizes on g. */
void part_granularity(const gpu_spec *g, int *min, int *step);

/* The SM count of a size on g. Checks the count against the GPU and the
 * granularity: "partitions[2].sms = 66: h200 partitions have at least 8
 * SMs, in multiples of 8 (..., 64, 72, ...), or all 132". where names
 * the field. */
int part_resolve(const gpu_spec *g, const part_size *s, const char *where, int *sms, char *err,
                 size_t errlen);

/* The counts of all partitions together fit the GPU. */
int part_check_total(const gpu_spec *g, const int *sms, int n, char *err, size_t errlen);

#endif
