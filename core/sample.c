/* sample.c: reading and writing measured groups as CSV. */
#include "sample.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int smp_push(smp_set *s, const smp_group *g)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		smp_group *n = realloc(s->g, cap * sizeof *n);
		if (!n)
			return -1;
		s->g = n;
		s->cap = cap;
	}
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

void smp_fprint(FILE *f, const smp_group *g)
{
	fprintf(f, "%s,", g->combo);
	for (int i = 0; i < g->n; i++)
		fprintf(f, "%s%s:%d:%d:%d:%d", i ? ";" : "", g->seg[i].model, g->seg[i].batch,
		        g->seg[i].seq, g->seg[i].start, g->seg[i].end);
	fprintf(f, ",%.3f,%.3f\n", g->median_us, g->p99_us);
}

int smp_write_csv(const char *path, const smp_set *s, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "combo,segments,median_us,p99_us\n");
	for (size_t i = 0; i < s->n; i++)
		smp_fprint(f, &s->g[i]);
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

int smp_read_csv(const char *path, smp_set *s, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	zoo_set ms = {{NULL}, 0};
	long got;
	while ((got = text_getline(&line, &cap, f)) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line || line[0] == '#' || (lineno == 1 && strncmp(line, "combo,", 6) == 0))
			continue;
		char *fld[4];
		int nf = 0;
		for (char *p = line; nf < 4; nf++) {
			fld[nf] = p;
			char *c = strchr(p, ',');
			if (!c) {
				nf++;
				break;
			}
			*c = '\0';
			p = c + 1;
		}
		if (nf != 4) {
			snprintf(err, errlen, "%s:%d: expected combo,segments,median_us,p99_us", path,
			         lineno);
			rc = -1;
			break;
		}
		smp_group g;
		memset(&g, 0, sizeof g);
		char *save = NULL;
		for (char *tok = strtok_r(fld[1], ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
			if (g.n == SMP_MAX_SEG || parse_segment(tok, &g.seg[g.n])) {
				snprintf(err, errlen, "%s:%d:2: bad segment '%s' (model:batch:seq:start:end)",
				         path, lineno, tok);
				rc = -1;
				break;
			}
			char why[512];
			if (check_segment(&ms, &g.seg[g.n], why, sizeof why)) {
				snprintf(err, errlen, "%s:%d:2: segment %d: %s", path, lineno, g.n + 1, why);
				rc = -1;
				break;
			}
			g.n++;
		}
		if (rc)
			break;
		char *end;
		g.median_us = strtod(fld[2], &end);
		if (end == fld[2] || *end || !(g.median_us > 0) || !isfinite(g.median_us)) {
			snprintf(err, errlen, "%s:%d:3: bad latency '%s'", path, lineno, fld[2]);
			rc = -1;
			break;
		}
		g.p99_us = strtod(fld[3], &end);
		if (end == fld[3] || *end || !isfinite(g.p99_us)) {
			snprintf(err, errlen, "%s:%d:4: bad latency '%s'", path, lineno, fld[3]);
			rc = -1;
			break;
		}
		if (g.n == 0) {
			snprintf(err, errlen, "%s:%d:2: no segments", path, lineno);
			rc = -1;
			break;
		}
		smp_set_combo(&g);
		if (smp_push(s, &g)) {
			snprintf(err, errlen, "out of memory reading %s", path);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && got == TEXT_TOO_LONG) {
		snprintf(err, errlen, "%s:%d: line longer than %d bytes", path, lineno + 1,
		         TEXT_LINE_MAX);
		rc = -1;
	} else if (rc == 0 && got == TEXT_NOMEM) {
		snprintf(err, errlen, "out of memory reading %s", path);
		rc = -1;
	} else if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "error reading %s: %s", path, strerror(errno ? errno : EIO));
		rc = -1;
	}
	free(line);
	fclose(f);
	zoo_set_free(&ms);
	return rc;
}
