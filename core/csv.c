/* csv.c: see csv.h. Lines come from text_getline, so the bound on a line
 * is the one every reader of abacus keeps. */
#include "csv.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*e = '\0';
	return s;
}

/* The next line that is not blank or a comment, split into c->field
 * (c->nf counts every field, also those past CSV_MAX_COLS). 1, 0 at the
 * end, -1 with the message in err. */
static int next_line(csv *c, char *err, size_t errlen)
{
	for (;;) {
		errno = 0;
		long got = text_getline(&c->line, &c->cap, c->f);
		if (got == TEXT_TOO_LONG)
			return text_fail(err, errlen, "%s:%ld:%d: line longer than %d bytes",
			                 c->path, c->lineno + 1, TEXT_LINE_MAX + 1, TEXT_LINE_MAX);
		if (got == TEXT_NOMEM)
			return text_fail(err, errlen, "%s:%ld:1: out of memory", c->path,
			                 c->lineno + 1);
		if (got < 0) {
			if (ferror(c->f))
				return text_fail(err, errlen, "%s:%ld:1: read error: %s", c->path,
				                 c->lineno + 1, strerror(errno ? errno : EIO));
			return 0;
		}
		c->lineno++;
		size_t len = strlen(c->line);
		/* a NUL would end the line early, dropping what follows it */
		if (len != (size_t)got)
			return text_fail(err, errlen,
			                 "%s:%ld:%zu: NUL byte in the line (not a text "
			                 "file?)",
			                 c->path, c->lineno, len + 1);
		char *s = c->line;
		if (c->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3;
		s = trim(s);
		if (*s == '\0' || *s == '#')
			continue;
		c->nf = 0;
		for (;;) {
			char *comma = strchr(s, ',');
			if (comma)
				*comma = '\0';
			if (c->nf < CSV_MAX_COLS)
				c->field[c->nf] = trim(s);
			c->nf++;
			if (!comma)
				break;
			s = comma + 1;
		}
		return 1;
	}
}

/* "a, b (optional)" for messages. */
static void expected(const csv *c, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int k = 0; k < c->n_cols && used < len; k++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s%s", k ? ", " : "",
		                         c->cols[k].name, c->cols[k].required ? "" : " (optional)");
}

static int read_header(csv *c, char *err, size_t errlen)
{
	char expect[256];
	expected(c, expect, sizeof expect);
	for (int k = 0; k < c->n_cols; k++)
		c->pos[k] = -1;
	int r = next_line(c, err, errlen);
	if (r < 0)
		return -1;
	if (r == 0)
		return text_fail(err, errlen, "%s:%ld:1: no header row, expected columns %s",
		                 c->path, c->lineno + 1, expect);
	for (int i = 0; i < c->nf; i++) {
		if (i >= CSV_MAX_COLS)
			return text_fail(err, errlen, "%s:%ld:%d: too many columns, expected %s",
			                 c->path, c->lineno, i + 1, expect);
		const char *h = c->field[i];
		int k = 0;
		while (k < c->n_cols && strcmp(h, c->cols[k].name) != 0)
			k++;
		if (k == c->n_cols)
			return text_fail(err, errlen, "%s:%ld:%d: unknown column '%s', expected %s",
			                 c->path, c->lineno, i + 1, h, expect);
		if (c->pos[k] >= 0)
			return text_fail(err, errlen,
			                 "%s:%ld:%d: column '%s' appears twice (also column %d)",
			                 c->path, c->lineno, i + 1, h, c->pos[k] + 1);
		c->pos[k] = i;
	}
	for (int k = 0; k < c->n_cols; k++)
		if (c->cols[k].required && c->pos[k] < 0)
			return text_fail(err, errlen,
			                 "%s:%ld:%d: header has no '%s' column, expected %s",
			                 c->path, c->lineno, c->nf + 1, c->cols[k].name, expect);
	c->n_head = c->nf;
	return 0;
}

int csv_open(csv *c, const char *path, const csv_col *cols, int n_cols, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	if (!path)
		return text_fail(err, errlen, "no file name given");
	if (n_cols < 1 || n_cols > CSV_MAX_COLS)
		return text_fail(err, errlen, "%s: %d columns asked for (1 to %d)", path, n_cols,
		                 CSV_MAX_COLS);
	c->f = fopen(path, "r");
	if (!c->f)
		return text_fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
	/* fopen takes a folder, and reading it fails only with EISDIR */
	struct stat st;
	if (fstat(fileno(c->f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(c->f);
		c->f = NULL;
		return text_fail(err, errlen, "cannot open %s: it is a folder, not a file", path);
	}
	c->path = strdup(path);
	c->cols = cols;
	c->n_cols = n_cols;
	if (!c->path) {
		csv_close(c);
		return text_fail(err, errlen, "out of memory opening %s", path);
	}
	if (read_header(c, err, errlen)) {
		csv_close(c);
		return -1;
	}
	return 0;
}

void csv_close(csv *c)
{
	if (c->f)
		fclose(c->f);
	free(c->path);
	free(c->line);
	memset(c, 0, sizeof *c);
}

int csv_next(csv *c, char *err, size_t errlen)
{
	int r = next_line(c, err, errlen);
	if (r <= 0)
		return r;
	if (c->nf > c->n_head)
		return text_fail(err, errlen, "%s:%ld:%d: extra field (the header has %d columns)",
		                 c->path, c->lineno, c->n_head + 1, c->n_head);
	for (int k = 0; k < c->n_cols; k++)
		if (c->cols[k].required && !csv_get(c, k))
			return csv_fail(c, k, err, errlen, "missing field '%s'", c->cols[k].name);
	return 1;
}

const char *csv_get(const csv *c, int k)
{
	int p = c->pos[k];
	return p >= 0 && p < c->nf && c->field[p][0] != '\0' ? c->field[p] : NULL;
}

int csv_colno(const csv *c, int k)
{
	int p = c->pos[k];
	return p >= 0 && p < c->nf ? p + 1 : c->nf + 1;
}

int csv_fail(const csv *c, int k, char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return -1;
	int w =
	    snprintf(err, errlen, "%s:%ld:%d: ", c->path, c->lineno, k < 0 ? 1 : csv_colno(c, k));
	if (w >= 0 && (size_t)w < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + w, errlen - (size_t)w, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int csv_double(const char *s, double *out)
{
	if (!s || *s == '\0')
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int csv_long(const char *s, long *out)
{
	if (!s || *s == '\0')
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}
