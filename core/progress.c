/* progress.c: the progress line (progress.h). */
#include "progress.h"

#include "clk.h"

#include <stdio.h>
#include <string.h>

static int64_t now_ns(const progress *p)
{
	return p->clock ? p->clock(p->clock_ctx) : clk_ns();
}

void progress_init(progress *p, FILE *out, int tty)
{
	memset(p, 0, sizeof *p);
	p->out = out;
	p->tty = tty;
	p->draw_ns = 250000000;
	p->log_ns = 10000000000LL;
	p->t0 = p->task_t0 = now_ns(p);
	p->last_draw = p->t0;
}

void progress_label(progress *p, const char *label)
{
	if (label != p->label)
		snprintf(p->label, sizeof p->label, "%s", label ? label : "");
}

void progress_task(progress *p, const char *label, int64_t total)
{
	if (label)
		progress_label(p, label);
	p->task_t0 = now_ns(p);
	p->done = 0;
	p->total = total;
	p->last_tenth = 0;
	p->shown = 0;
	p->shown_done = -1;
	p->eta_kind = PROGRESS_ETA_RATE;
}

void progress_estimate(progress *p, double ms, int lower)
{
	p->eta_ms = ms;
	p->eta_kind = ms < 0 ? PROGRESS_ETA_UNKNOWN : lower ? PROGRESS_ETA_LOWER : PROGRESS_ETA_GIVEN;
}

void progress_fmt_count(char *buf, size_t len, int64_t v)
{
	char digits[32];
	int nd = snprintf(digits, sizeof digits, "%lld", (long long)v);
	size_t o = 0;
	for (int i = 0; i < nd && o + 1 < len; i++) {
		if (i > 0 && digits[i - 1] != '-' && (nd - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

void progress_fmt_time(char *buf, size_t len, double ms)
{
	long s = (long)(ms / 1e3 + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, len, "%lds", s);
}

/* 12.3, 456, 7.8k, 1.2M */
static void fmt_rate(char *buf, size_t len, double r)
{
	if (r >= 1e6)
		snprintf(buf, len, "%.1fM", r / 1e6);
	else if (r >= 1e4)
		snprintf(buf, len, "%.1fk", r / 1e3);
	else if (r >= 10)
		snprintf(buf, len, "%.0f", r);
	else
		snprintf(buf, len, "%.1f", r);
}

static void draw(progress *p, int64_t now)
{
	char line[512], a[32], b[32], t[32];
	size_t n = 0;
	const char *unit = p->unit ? p->unit : "";
	double task_ms = (double)(now - p->task_t0) / 1e6;
#define ADD(...) (n += (size_t)snprintf(line + n, n < sizeof line ? sizeof line - n : 0, __VA_ARGS__))
	if (p->label[0])
		ADD("%s  ", p->label);
	progress_fmt_count(a, sizeof a, p->done);
	if (p->total > 0) {
		progress_fmt_count(b, sizeof b, p->total);
		ADD("%s/%s%s%s (%d%%)", a, b, *unit ? " " : "", unit,
		    (int)(100 * (p->done < p->total ? p->done : p->total) / p->total));
	} else {
		ADD("%s%s%s", a, *unit ? " " : "", unit);
	}
	double rate = task_ms > 0 ? (double)p->done / (task_ms / 1e3) : 0;
	if (rate > 0) {
		fmt_rate(t, sizeof t, rate);
		ADD("  %s/s", t);
	}
	if (p->total > 0) {
		int64_t left = p->total - p->done;
		int kind = p->eta_kind;
		double ms = p->eta_ms;
		if (left <= 0) {
			kind = PROGRESS_ETA_GIVEN;
			ms = 0;
		} else if (kind == PROGRESS_ETA_RATE) {
			kind = rate > 0 ? PROGRESS_ETA_GIVEN : PROGRESS_ETA_UNKNOWN;
			ms = rate > 0 ? (double)left / rate * 1e3 : 0;
		}
		progress_fmt_time(t, sizeof t, ms);
		if (kind == PROGRESS_ETA_UNKNOWN)
			ADD("  ETA ?");
		else
			ADD("  ETA %s%s", kind == PROGRESS_ETA_LOWER ? ">" : "", t);
	}
	if (p->elapsed) {
		progress_fmt_time(t, sizeof t, (double)(now - p->t0) / 1e6);
		ADD("  elapsed %s", t);
	}
#undef ADD
	fprintf(p->out, "%s%s%s", p->tty ? "\r" : "", line, p->tty ? "\033[K" : "\n");
	fflush(p->out);
	p->open = p->tty;
	p->shown = 1;
	p->lines++;
	p->shown_done = p->done;
	p->last_draw = now;
}

void progress_update(progress *p, int64_t done)
{
	p->done = done;
	if (!p->out)
		return;
	int64_t now = now_ns(p);
	if (now - p->t0 < p->delay_ns)
		return;
	if (p->tty) {
		if (p->open && now - p->last_draw < p->draw_ns)
			return;
		draw(p, now);
		return;
	}
	if (p->lines && now - p->last_draw < p->gap_ns)
		return;
	int tenth = p->total > 0 ? (int)(10 * (done < p->total ? done : p->total) / p->total) : 0;
	if (tenth > p->last_tenth || now - p->last_draw >= p->log_ns) {
		p->last_tenth = tenth;
		draw(p, now);
	}
}

void progress_step(progress *p)
{
	progress_update(p, p->done + 1);
}

void progress_end(progress *p, int keep)
{
	if (!p->out)
		return;
	if (p->tty) {
		if (!p->open)
			return;
		if (keep) {
			draw(p, now_ns(p));
			fputc('\n', p->out);
		} else {
			fputs("\r\033[K", p->out);
		}
		fflush(p->out);
		p->open = 0;
		return;
	}
	if (p->shown && p->shown_done != p->done)
		draw(p, now_ns(p));
}
