/* clk.h: the one clock abacus reads.
 *
 * Everything that measures time on the host (a run's wall time, a
 * decision's cost, the live device's clock, progress and commit timers)
 * reads CLOCK_MONOTONIC here, in int64_t nanoseconds as time is kept
 * everywhere inside (STYLE.md): never the wall clock, which jumps when it
 * is set. The one exception is cli/main.c's signal handler, which calls
 * clock_gettime itself because only async-signal-safe calls may be made
 * there. */
#ifndef ABACUS_CLK_H
#define ABACUS_CLK_H

#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC since an arbitrary start (boot, on
 * Linux): only differences mean anything. */
int64_t clk_ns(void);

#endif
