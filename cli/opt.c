/* opt.c: parsing, help and usage from a command's option table (opt.h). */
#include "opt.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static const opt_spec *opt_find(const opt_spec *specs, const char *arg, size_t len)
{
	for (const opt_spec *s = specs; s && s->name; s++) {
		if (strlen(s->name) == len && strncmp(s->name, arg, len) == 0)
			return s;
		if (s->alias && strlen(s->alias) == len && strncmp(s->alias, arg, len) == 0)
			return s;
	}
	return NULL;
}

int opt_parse_ints(const char *text, const char *what, long long lo, long long hi, int *out,
                   int max, int *n, char *err, size_t errlen)
{
	*n = 0;
	const char *s = text ? text : "";
	for (;;) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (end == s || errno || (*end && *end != ',') || v < lo || v > hi)
			return text_fail(err, errlen,
			                 "%s needs a list of integers from %lld to %lld like 1,2,4, got '%s'",
			                 what, lo, hi, text ? text : "");
		int dup = 0;
		for (int i = 0; i < *n; i++)
			dup |= out[i] == (int)v;
		if (!dup) {
			if (*n == max)
				return text_fail(err, errlen, "%s: at most %d values", what, max);
			int i = (*n)++;
			for (; i > 0 && out[i - 1] > (int)v; i--)
				out[i] = out[i - 1];
			out[i] = (int)v;
		}
		if (!*end)
			return 0;
		s = end + 1;
	}
}

/* " (0: all groups)" after the kind of value a message says is wanted. */
static const char *hint_of(const opt_spec *s)
{
	return s->hint ? s->hint : "";
}

static int opt_store(const opt_spec *s, const char *v, void *args, char *err, size_t errlen)
{
	char *at = (char *)args + s->off;
	char *end;
	switch (s->kind) {
	case OPT_FLAG:
		*(int *)at = !s->clears;
		return 0;
	case OPT_INT: {
		errno = 0;
		long long x = strtoll(v, &end, 10);
		int number = *v && !errno && !*end;
		if (number && x >= s->min && x <= s->max) {
			*(int *)at = (int)x;
			return 0;
		}
		if (number && x > s->max && (s->min == 0 || s->min == 1))
			return text_fail(err, errlen, "%s must be at most %lld%s, got '%s'", s->name, s->max,
			                 hint_of(s), v);
		if (s->min == 1)
			return text_fail(err, errlen, "%s needs a positive integer%s, got '%s'", s->name,
			                 hint_of(s), v);
		if (s->min == 0)
			return text_fail(err, errlen, "%s needs a non-negative integer%s, got '%s'",
			                 s->name, hint_of(s), v);
		return text_fail(err, errlen, "%s needs an integer from %lld to %lld%s, got '%s'",
		                 s->name, s->min, s->max, hint_of(s), v);
	}
	case OPT_U64: {
		unsigned long long x;
		if (text_parse_u64(v, &x))
			return text_fail(err, errlen, "%s needs a non-negative integer%s, got '%s'", s->name,
			                 hint_of(s), v);
		*(uint64_t *)at = (uint64_t)x;
		return 0;
	}
	case OPT_NUM: {
		errno = 0;
		double x = strtod(v, &end);
		if (!*v || errno || *end || !isfinite(x))
			return text_fail(err, errlen, "%s needs a number%s, got '%s'", s->name, hint_of(s),
			                 v);
		*(double *)at = x;
		return 0;
	}
	case OPT_STR:
		*(const char **)at = v;
		return 0;
	case OPT_LIST:
		return opt_parse_ints(v, s->name, s->min, s->max, (int *)at, s->max_items,
		                      (int *)((char *)args + s->count_off), err, errlen);
	}
	return text_fail(err, errlen, "%s: unknown kind of option", s->name);
}

int opt_parse(const opt_command *cmd, int argc, char **argv, void *args, int *n_pos, char *err,
              size_t errlen)
{
	int np = 0;
	*n_pos = 0;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (int k = i + 1; k < argc; k++)
				argv[np++] = argv[k];
			break;
		}
		/* "-" alone is a positional argument, as for most tools (stdin) */
		if (a[0] != '-' || a[1] == '\0') {
			if (cmd->rest) {
				for (int k = i; k < argc; k++)
					argv[np++] = argv[k];
				break;
			}
			argv[np++] = a;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return 1;
		const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		const opt_spec *s = opt_find(cmd->opts, a, len);
		if (!s)
			return text_fail(err, errlen, "unknown option '%.*s' (abacus %s%s--help lists them)",
			                 (int)len, a, cmd->name, *cmd->name ? " " : "");
		const char *v = NULL;
		if (s->kind == OPT_FLAG) {
			if (eq)
				return text_fail(err, errlen, "%s takes no value, got '%s'", s->name, a);
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			return text_fail(err, errlen, "%s needs a value (%s)", s->name, s->meta);
		}
		if (opt_store(s, v, args, err, errlen))
			return -1;
	}
	if (!cmd->rest && np > cmd->max_pos) {
		if (cmd->max_pos == 0)
			return text_fail(err, errlen, "unexpected argument '%s' (abacus %s takes none)",
			                 argv[0], cmd->name);
		return text_fail(err, errlen, "unexpected argument '%s' (abacus %s takes %s)",
		                 argv[cmd->max_pos], cmd->name, cmd->args);
	}
	*n_pos = np;
	return 0;
}

/* A word of the synopsis, moved to a continuation line when it would pass
 * the width. */
static void put_word(FILE *f, int *col, int indent, int width, const char *w)
{
	int len = (int)strlen(w);
	if (*col > indent && *col + 1 + len > width) {
		fprintf(f, "\n%*s", indent, "");
		*col = indent;
	} else if (*col > 0) {
		fputc(' ', f);
		(*col)++;
	}
	fputs(w, f);
	*col += len;
}

void opt_synopsis(FILE *f, const char *prefix, const opt_command *cmd, int indent, int width)
{
	int col = 0;
	char w[128];
	snprintf(w, sizeof w, "%s %s", prefix, cmd->name);
	put_word(f, &col, indent, width, w);
	for (const opt_spec *s = cmd->opts; s && s->name; s++) {
		const char *name = s->alias ? s->alias : s->name;
		if (s->kind == OPT_FLAG)
			snprintf(w, sizeof w, "[%s]", name);
		else
			snprintf(w, sizeof w, "[%s %s]", name, s->meta);
		put_word(f, &col, indent, width, w);
	}
	if (cmd->args && *cmd->args)
		put_word(f, &col, indent, width, cmd->args);
	fputc('\n', f);
}

/* Text after a column that starts at `indent`, wrapped at `width`. */
static void put_text(FILE *f, const char *text, int indent, int width)
{
	int col = indent - 1; /* a blank comes before the first word */
	char w[256];
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n == 0)
			break;
		snprintf(w, sizeof w, "%.*s", (int)n, p);
		p += n;
		put_word(f, &col, indent, width, w);
	}
	fputc('\n', f);
}

void opt_help(FILE *f, const char *prefix, const opt_command *cmd)
{
	fputs("usage: ", f);
	opt_synopsis(f, prefix, cmd, 8, 79);
	fprintf(f, "%s\n", cmd->what);
	int w = (int)strlen("-h, --help");
	char left[128];
	for (const opt_spec *s = cmd->opts; s && s->name; s++) {
		int n = snprintf(left, sizeof left, "%s%s%s%s%s", s->alias ? s->alias : "",
		                 s->alias ? ", " : "", s->name, s->kind == OPT_FLAG ? "" : " ",
		                 s->kind == OPT_FLAG ? "" : s->meta);
		if (n > w)
			w = n;
	}
	fputs("\noptions:\n", f);
	for (const opt_spec *s = cmd->opts; s && s->name; s++) {
		snprintf(left, sizeof left, "%s%s%s%s%s", s->alias ? s->alias : "", s->alias ? ", " : "",
		         s->name, s->kind == OPT_FLAG ? "" : " ", s->kind == OPT_FLAG ? "" : s->meta);
		fprintf(f, "  %-*s ", w, left);
		put_text(f, s->help, w + 4, 79);
	}
	fprintf(f, "  %-*s ", w, "-h, --help");
	put_text(f, "this help", w + 4, 79);
	if (cmd->more)
		fprintf(f, "\n%s\n", cmd->more);
}
