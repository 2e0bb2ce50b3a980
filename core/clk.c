/* clk.c: see clk.h. */
#include "clk.h"

#include <time.h>

int64_t clk_ns(void)
{
	struct timespec ts;
	/* cannot fail for CLOCK_MONOTONIC with a valid pointer (POSIX) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
