/* test_progress.c: the progress line (core/progress.h) on a fake clock
 * into a memory FILE: what a line says, the ETA arithmetic, throttling,
 * a terminal against a log, the delay, and the end of a task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "progress.h"

static int64_t fake_ns;
static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_ns;
}

static char *buf;
static size_t len;
static FILE *mem;

static void open_mem(progress *p, int tty)
{
	if (mem)
		fclose(mem);
	free(buf);
	buf = NULL;
	mem = open_memstream(&buf, &len);
	fake_ns = 1000000000;
	progress_init(p, mem, 0);
	p->tty = tty;
	p->clock = fake_clock;
	p->t0 = p->task_t0 = p->last_draw = fake_ns; /* init read the real clock */
}

static const char *text(void)
{
	fflush(mem);
	return buf ? buf : "";
}

static int count(const char *s, const char *sub)
{
	int n = 0;
	for (const char *q = s; (q = strstr(q, sub)); q += strlen(sub))
		n++;
	return n;
}

#define MS 1000000LL

int main(void)
{
	progress p;
	char t[32];

	progress_fmt_count(t, sizeof t, 17112);
	CHECK(strcmp(t, "17,112") == 0);
	progress_fmt_count(t, sizeof t, -1234567);
	CHECK(strcmp(t, "-1,234,567") == 0);
	progress_fmt_count(t, sizeof t, 999);
	CHECK(strcmp(t, "999") == 0);
	progress_fmt_time(t, sizeof t, 59400);
	CHECK(strcmp(t, "59s") == 0);
	progress_fmt_time(t, sizeof t, 75000);
	CHECK(strcmp(t, "1m15s") == 0);
	progress_fmt_time(t, sizeof t, (3 * 3600 + 5 * 60) * 1000.0);
	CHECK(strcmp(t, "3h05m") == 0);

	/* a log: a line per tenth, the rate and the time left from it */
	open_mem(&p, 0);
	p.unit = "queries";
	progress_task(&p, "run 1 demo", 1000);
	for (int i = 1; i <= 1000; i++) {
		fake_ns += MS; /* a query a millisecond */
		progress_update(&p, i);
	}
	CHECK_INT(count(text(), "\n"), 10);
	CHECK_STR_HAS(text(), "run 1 demo  100/1,000 queries (10%)  1000/s  ETA 1s\n");
	CHECK_STR_HAS(text(), "run 1 demo  500/1,000 queries (50%)  1000/s  ETA 1s\n");
	CHECK_STR_HAS(text(), "run 1 demo  900/1,000 queries (90%)  1000/s  ETA 0s\n");
	CHECK_STR_HAS(text(), "run 1 demo  1,000/1,000 queries (100%)  1000/s  ETA 0s\n");
	CHECK(strchr(text(), '\r') == NULL && strchr(text(), '\033') == NULL);
	progress_end(&p, 1); /* the final count was shown: nothing more */
	CHECK_INT(count(text(), "\n"), 10);

	/* ETA arithmetic: 250 of 1000 in 5 s is 15 s left; 40 of 3600 at
	 * 1/s is 59m20s */
	open_mem(&p, 0);
	progress_task(&p, NULL, 1000);
	fake_ns += 5000 * MS;
	progress_update(&p, 250);
	CHECK_STR_HAS(text(), "250/1,000 (25%)  50/s  ETA 15s\n");
	open_mem(&p, 0);
	progress_task(&p, "x", 3600);
	fake_ns += 40000 * MS;
	progress_update(&p, 40);
	CHECK_STR_HAS(text(), "x  40/3,600 (1%)  1.0/s  ETA 59m20s\n");
	/* the caller's estimate, a lower bound, none */
	progress_estimate(&p, 90000, 1);
	fake_ns += 11000 * MS;
	progress_update(&p, 41); /* log_ns passed: a line without a new tenth */
	CHECK_STR_HAS(text(), "x  41/3,600 (1%)  0.8/s  ETA >1m30s\n");
	progress_estimate(&p, -1, 0);
	fake_ns += 11000 * MS;
	progress_update(&p, 42);
	CHECK_STR_HAS(text(), "x  42/3,600 (1%)  0.7/s  ETA ?\n");
	/* a rate of millions */
	open_mem(&p, 0);
	progress_task(&p, NULL, 4000000);
	fake_ns += 1000 * MS;
	progress_update(&p, 1500000);
	CHECK_STR_HAS(text(), "1,500,000/4,000,000 (37%)  1.5M/s  ETA 2s\n");

	/* unknown total: a line every log_ns, no ETA; elapsed since init */
	open_mem(&p, 0);
	p.elapsed = 1;
	progress_task(&p, "run 7 trace", 0);
	for (int i = 1; i <= 250; i++) { /* 25 s at 10 a second */
		fake_ns += 100 * MS;
		progress_update(&p, i);
	}
	CHECK_INT(count(text(), "\n"), 2);
	CHECK_STR_HAS(text(), "run 7 trace  100  10/s  elapsed 10s\n");
	CHECK(strstr(text(), "ETA") == NULL);
	progress_end(&p, 1); /* a log gets the final count */
	CHECK_STR_HAS(text(), "run 7 trace  250  10/s  elapsed 25s\n");
	CHECK_INT(count(text(), "\n"), 3);

	/* gap_ns: tenths closer than it are left out, the end still shown */
	open_mem(&p, 0);
	p.gap_ns = 2000 * MS;
	progress_task(&p, NULL, 100);
	for (int i = 1; i <= 100; i++) { /* 10 s, a tenth a second */
		fake_ns += 100 * MS;
		progress_update(&p, i);
	}
	/* the first line at once, then none within 2 s of the last */
	CHECK_INT(count(text(), "\n"), 5);
	CHECK_STR_HAS(text(), "10/100 (10%)  10/s  ETA 9s\n30/100 (30%)");
	CHECK_STR_HAS(text(), "90/100 (90%)  10/s  ETA 1s\n");
	progress_end(&p, 0); /* a log gets the final count, 1 s after the last */
	CHECK_INT(count(text(), "\n"), 6);
	CHECK_STR_HAS(text(), "\n100/100 (100%)  10/s  ETA 0s\n");

	/* a delay: short work shows nothing, not even at its end */
	open_mem(&p, 0);
	p.delay_ns = 1000 * MS;
	progress_task(&p, "short", 100);
	for (int i = 1; i <= 100; i++) {
		fake_ns += 5 * MS;
		progress_update(&p, i);
	}
	progress_end(&p, 1);
	CHECK_INT((int)strlen(text()), 0);
	/* ... and long work shows from the delay on */
	progress_task(&p, "long", 100);
	for (int i = 1; i <= 100; i++) {
		fake_ns += 50 * MS; /* 5 s in all; the delay ends 0.5 s into it */
		progress_update(&p, i);
	}
	CHECK_STR_HAS(text(), "long  10/100 (10%)");
	CHECK(strstr(text(), "short") == NULL);

	/* a terminal: redrawn in place at most every draw_ns */
	open_mem(&p, 1);
	progress_task(&p, "fit", 1000);
	for (int i = 1; i <= 1000; i++) {
		fake_ns += MS;
		progress_update(&p, i);
	}
	/* 1 s of updates: the first draw, then one per 250 ms */
	CHECK_INT(count(text(), "\r"), 4);
	CHECK_INT(count(text(), "\033[K"), 4);
	CHECK(strchr(text(), '\n') == NULL);
	CHECK_STR_HAS(text(), "\rfit  1/1,000 (0%)");
	progress_end(&p, 1); /* the final count, then a newline */
	CHECK_STR_HAS(text(), "\rfit  1,000/1,000 (100%)  1000/s  ETA 0s\033[K\n");
	CHECK_INT(p.open, 0);
	progress_end(&p, 1); /* once */
	CHECK_INT(count(text(), "\n"), 1);
	/* erased rather than kept */
	progress_task(&p, "run 2", 10);
	fake_ns += MS;
	progress_update(&p, 5);
	progress_end(&p, 0);
	size_t n = strlen(text());
	CHECK(n > 4 && strcmp(text() + n - 4, "\r\033[K") == 0);

	/* no stream: nothing, but the count is kept */
	progress_init(&p, NULL, 1);
	progress_task(&p, "x", 10);
	progress_step(&p);
	progress_step(&p);
	CHECK_INT(p.done, 2);
	progress_end(&p, 1);

	fclose(mem);
	free(buf);
	return check_report("test_progress");
}
