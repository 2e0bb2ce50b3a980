/* sample.c: reading and writing measured groups as CSV. */
#include "sample.h"
#include "buf.h"
#include "csv.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int smp_push(smp_set *s, const smp_group *g)
{
	if (buf_grow(&s->g, &s->cap, s->n + 1, sizeof *s->g))
		return -1;
	s->g[s->n++] = *g;
	return 0;
}

void smp_set_free(smp_set *s)
{
	free(s->g);
	s->g = NULL;
	s->n = s->cap = 0;
}

void smp_set_combo(smp_group *g)
{
	/* built apart from g: snprintf may not read what it writes */
	char combo[sizeof g->combo];
	size_t used = 0;
	combo[0] = '\0';
	for (int i = 0; i < g->n && used < sizeof combo; i++)
		used += (size_t)snprintf(combo + used, sizeof combo - used, "%s%s", i ? "+" : "",
		                         g->seg[i].model);
	memcpy(g->combo, combo, sizeof combo);
}

/* A row's four columns, without its newline. */
static void fprint_row(FILE *f, const smp_group *g)
{
	fprintf(f, "%s,", g->combo);
	for (int i = 0; i < g->n; i++)
		fprintf(f, "%s%s:%d:%d:%d:%d", i ? ";" : "", g->seg[i].model, g->seg[i].batch,
		        g->seg[i].seq, g->seg[i].start, g->seg[i].end);
	fprintf(f, ",%.3f,%.3f", g->median_us, g->p99_us);
}

void smp_fprint(FILE *f, const smp_group *g)
{
	fprint_row(f, g);
	fputc('\n', f);
}

int smp_write_csv(const char *path, const smp_set *s, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	int seg = 0;
	for (size_t i = 0; i < s->n; i++)
		seg |= s->g[i].has_seg;
	fprintf(f, "combo,segments,median_us,p99_us%s\n", seg ? ",seg_us" : "");
	for (size_t i = 0; i < s->n; i++) {
		const smp_group *g = &s->g[i];
		fprint_row(f, g);
		if (seg)
			fputc(',', f);
		for (int k = 0; g->has_seg && k < g->n; k++)
			fprintf(f, "%s%.3f", k ? ";" : "", g->seg_us[k]);
		fputc('\n', f);
	}
	if (fclose(f)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* model:batch:seq:start:end */
static int parse_segment(char *txt, smp_segment *seg)
{
	char *f[5];
	int n = 0;
	for (char *p = txt; n < 5; n++) {
		f[n] = p;
		char *c = strchr(p, ':');
		if (!c) {
			n++;
			break;
		}
		*c = '\0';
		p = c + 1;
	}
	if (n != 5 || !*f[0] || strlen(f[0]) >= sizeof seg->model)
		return -1;
	snprintf(seg->model, sizeof seg->model, "%s", f[0]);
	int *dst[4] = {&seg->batch, &seg->seq, &seg->start, &seg->end};
	for (int i = 0; i < 4; i++) {
		char *end;
		long v = strtol(f[i + 1], &end, 10);
		if (end == f[i + 1] || *end || v < 0 || v > 1 << 20)
			return -1;
		*dst[i] = (int)v;
	}
	return 0;
}

/* Whether a segment is one its model can run: a known model, a batch the
 * rest of abacus takes, a sequence length in the model's range (none for
 * models without one) and ops within the model. A sample outside that
 * trains a predictor on nonsense. 0, or -1 with what is wrong in err. */
static int check_segment(zoo_set *ms, const smp_segment *g, char *err, size_t errlen)
{
	const zoo_model *m = zoo_set_get(ms, g->model, err, errlen);
	if (!m)
		return -1;
	if (g->batch < 1 || g->batch > SMP_MAX_BATCH)
		snprintf(err, errlen, "%s batch %d is not between 1 and %d", m->name, g->batch,
		         SMP_MAX_BATCH);
	else if (m->has_seq && (g->seq < m->seq_min || g->seq > m->seq_max))
		snprintf(err, errlen, "%s seq %d is not between %d and %d", m->name, g->seq,
		         m->seq_min, m->seq_max);
	else if (!m->has_seq && g->seq != 0)
		snprintf(err, errlen, "%s has no sequence length, but seq is %d (write 0)", m->name,
		         g->seq);
	else if (g->start >= g->end || g->end > m->n_ops)
		snprintf(err, errlen,
		         "%s ops %d to %d are not a range of its %d ops (0 <= start < end <= %d)",
		         m->name, g->start, g->end, m->n_ops, m->n_ops);
	else
		return 0;
	return -1;
}

enum { SC_COMBO, SC_SEGMENTS, SC_MEDIAN, SC_P99, SC_SEG, SC_NCOL };

/* combo is written for people reading the file; the reader derives it
 * from the segments (smp_set_combo) */
static const csv_col smp_cols[SC_NCOL] = {
    {.name = "combo", .required = 1},     {.name = "segments", .required = 1},
    {.name = "median_us", .required = 1}, {.name = "p99_us", .required = 1},
    {.name = "seg_us", .required = 0},
};

/* seg_us into g: as many ends as segments, each above 0 and at most
 * the group's span (a rounding's 0.001 us over it allowed); -1 else. */
static int parse_ends(const char *text, smp_group *g)
{
	char buf[TEXT_LINE_MAX + 1];
	snprintf(buf, sizeof buf, "%s", text);
	char *save = NULL;
	int k = 0;
	for (char *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (k == g->n || csv_double(tok, &g->seg_us[k]) || !(g->seg_us[k] > 0) ||
		    g->seg_us[k] > g->median_us + 1e-3)
			return -1;
		k++;
	}
	g->has_seg = k == g->n;
	return g->has_seg ? 0 : -1;
}

/* One row into g: 0, or -1 with the message in err. */
static int parse_group(const csv *c, zoo_set *ms, smp_group *g, char *err, size_t errlen)
{
	memset(g, 0, sizeof *g);
	char segs[TEXT_LINE_MAX + 1];
	snprintf(segs, sizeof segs, "%s", csv_get(c, SC_SEGMENTS));
	char *save = NULL;
	for (char *tok = strtok_r(segs, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (g->n == SMP_MAX_SEG || parse_segment(tok, &g->seg[g->n]))
			return csv_fail(c, SC_SEGMENTS, err, errlen,
			                "bad segment '%s' (model:batch:seq:start:end)", tok);
		char why[512];
		if (check_segment(ms, &g->seg[g->n], why, sizeof why))
			return csv_fail(c, SC_SEGMENTS, err, errlen, "segment %d: %s", g->n + 1,
			                why);
		g->n++;
	}
	const char *med = csv_get(c, SC_MEDIAN), *p99 = csv_get(c, SC_P99);
	if (csv_double(med, &g->median_us) || !(g->median_us > 0))
		return csv_fail(c, SC_MEDIAN, err, errlen, "bad latency '%s'", med);
	if (csv_double(p99, &g->p99_us) || !(g->p99_us > 0))
		return csv_fail(c, SC_P99, err, errlen, "bad latency '%s'", p99);
	if (g->n == 0)
		return csv_fail(c, SC_SEGMENTS, err, errlen, "no segments");
	const char *ends = csv_get(c, SC_SEG);
	if (ends && parse_ends(ends, g))
		return csv_fail(c, SC_SEG, err, errlen,
		                "bad segment ends '%s' (%d numbers above 0, at most the group's "
		                "median, joined by ';')",
		                ends, g->n);
	smp_set_combo(g);
	return 0;
}

int smp_read_csv(const char *path, smp_set *s, char *err, size_t errlen)
{
	csv c;
	if (csv_open(&c, path, smp_cols, SC_NCOL, err, errlen))
		return -1;
	int rc = 0, got;
	zoo_set ms = {{NULL}, 0};
	smp_group g;
	while ((got = csv_next(&c, err, errlen)) == 1) {
		if (parse_group(&c, &ms, &g, err, errlen)) {
			rc = -1;
			break;
		}
		if (smp_push(s, &g)) {
			snprintf(err, errlen, "out of memory reading %s", path);
			rc = -1;
			break;
		}
	}
	if (got < 0)
		rc = -1;
	csv_close(&c);
	zoo_set_free(&ms);
	return rc;
}
