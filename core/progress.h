/* progress.h: the progress line of long work (profile, train, calibrate,
 * a run of many queries, a scenario's sweep).
 *
 * One line: what is being done, the count (of the total when known), the
 * rate, the time left and, where asked, the time since the start:
 *     run 3 pairs-over  450,000/1,000,000 queries (45%)  1.2M/s  ETA 0s  elapsed 12s
 * On a terminal it is redrawn in place ("\r...\033[K"), at most every
 * draw_ns. In a log (not a terminal) it is a plain line when another
 * tenth of a known total is done, or log_ns after the last line, and
 * never within gap_ns of the one before: a log gets a few lines, not one
 * per update. Nothing shows before delay_ns after progress_init, so
 * short work stays quiet. It goes to `out` only (stderr by the command):
 * what a script prints on stdout is never touched.
 *
 * Work is a sequence of tasks (progress_task), each with its own count,
 * total and rate; the label may change within a task (progress_label).
 * The time left comes from the task's rate, unless the caller knows
 * better (progress_estimate: the profiler, whose two kinds of work go at
 * different rates). The clock may be replaced, for tests.
 *
 * Fields above `state` are settings: progress_init fills them, callers
 * may change them before the first update. Nothing here allocates.
 */
#ifndef ABACUS_PROGRESS_H
#define ABACUS_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef int64_t (*progress_clock)(void *ctx); /* ns, monotonic */

typedef struct progress {
	FILE *out; /* NULL: nothing is shown */
	int tty;   /* 1: redraw one line in place */
	progress_clock clock; /* NULL: CLOCK_MONOTONIC */
	void *clock_ctx;
	int64_t delay_ns; /* nothing shown before this long after init (default 0) */
	int64_t draw_ns;  /* terminal: at most one redraw per this (default 250 ms) */
	int64_t log_ns;   /* log: a line at least this often while work goes on (10 s) */
	int64_t gap_ns;   /* log: never two lines closer than this (default 0) */
	const char *unit; /* after the counts ("queries"); NULL: none */
	int elapsed;      /* 1: show the time since init */

	/* state */
	int64_t t0, task_t0, last_draw;
	int64_t done, total; /* total <= 0: unknown */
	int last_tenth;
	int open;          /* a terminal line is drawn and not ended */
	int shown;         /* this task has shown a line */
	int64_t shown_done; /* the count the last line showed */
	int64_t lines;      /* lines drawn since init */
	int eta_kind;      /* PROGRESS_ETA_* */
	double eta_ms;
	char label[160];
} progress;

enum { PROGRESS_ETA_RATE, PROGRESS_ETA_GIVEN, PROGRESS_ETA_LOWER, PROGRESS_ETA_UNKNOWN };

/* Settings to their defaults, the clock started. */
void progress_init(progress *p, FILE *out, int tty);
/* A new task of `total` units (<= 0: unknown); label NULL keeps the
 * current one. Its count starts at 0. */
void progress_task(progress *p, const char *label, int64_t total);
void progress_label(progress *p, const char *label);
/* done units of the task so far; draws when a line is due. */
void progress_update(progress *p, int64_t done);
/* progress_update(p, done + 1). */
void progress_step(progress *p);
/* The time left, as the caller measured it, for the lines that follow:
 * ms >= 0 (a lower bound when lower is 1), or ms < 0 for "ETA ?". Until
 * the next progress_task. */
void progress_estimate(progress *p, double ms, int lower);
/* The task is over. A log gets the final count when it showed this task
 * and not yet that count. keep 1: a terminal line is redrawn with the
 * final count and ended with a newline; keep 0: it is erased (what the
 * caller prints next starts on a clean line). */
void progress_end(progress *p, int keep);

/* 17112 -> "17,112" */
void progress_fmt_count(char *buf, size_t len, int64_t v);
/* 75 s -> "1m15s", 3 h 5 m -> "3h05m" */
void progress_fmt_time(char *buf, size_t len, double ms);

#endif
