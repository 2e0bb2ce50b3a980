/* runs.c: `abacus runs`, the runs stored in a results database, as a
 * table, CSV or JSON (store_walk_runs). Listing writes nothing: a
 * mistyped --db is not created, and a database in a read-only place lists
 * as well as any. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store.h"

typedef struct runs_args {
	const char *db, *format;
	int limit, all;
} runs_args;

static const opt_spec runs_opts[] = {
    {.name = "--db", .kind = OPT_STR, .meta = "PATH", .off = offsetof(runs_args, db),
     .help = "the results database (default " CLI_RESULTS_DB ")"},
    {.name = "--limit", .kind = OPT_INT, .meta = "N", .min = 1, .max = 1 << 20,
     .off = offsetof(runs_args, limit), .help = "the newest N runs (default 50)"},
    {.name = "--all", .kind = OPT_FLAG, .off = offsetof(runs_args, all),
     .help = "every run"},
    {.name = "--format", .kind = OPT_STR, .meta = "table|csv|json",
     .off = offsetof(runs_args, format),
     .help = "a table to read, CSV, or a JSON array of objects (default table)"},
    OPT_END,
};

/* The columns of csv and json, in this order. */
static const char *const runs_fields[] = {
    "id",      "name",   "device",  "gpu",          "policy",         "status",
    "queries", "p99_ms", "violation_ratio", "throughput_qps", "started_at",
};
enum { RUNS_NFIELDS = sizeof runs_fields / sizeof runs_fields[0] };

typedef struct runs_out {
	FILE *f;
	int json, n;
} runs_out;

/* RFC 4180: a field with a comma, quote or line break is quoted, its
 * quotes doubled. */
static void csv_text(FILE *f, const char *v)
{
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

/* The length of the valid UTF-8 sequence at p, or 0. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
	if (p[0] >= 0xF5)
		n = 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	/* overlong 3- and 4-byte forms, surrogates, past U+10FFFF */
	if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
		return 0;
	if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
		return 0;
	return n;
}

/* A JSON string: names are a scenario's bytes, so a byte that is not
 * UTF-8 becomes U+FFFD rather than making the document invalid. */
static void json_text(FILE *f, const char *v)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)v; *p;) {
		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7F) {
			fprintf(f, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else {
			int n = utf8_len(p);
			if (n) {
				fwrite(p, 1, (size_t)n, f);
				p += n;
			} else {
				fputs("\\ufffd", f);
				p++;
			}
		}
	}
	fputc('"', f);
}

static void runs_real(FILE *f, double v, int json)
{
	if (isnan(v))
		fputs(json ? "null" : "", f);
	else {
		/* the shortest of 15 and 17 digits that reads back as v */
		char buf[32];
		snprintf(buf, sizeof buf, "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, sizeof buf, "%.17g", v);
		fputs(buf, f);
	}
}

static int runs_row(void *ctx, const store_run_entry *r)
{
	runs_out *o = ctx;
	FILE *f = o->f;
	const char *text[] = {r->name, r->device, r->gpu, r->policy, r->status};
	void (*put)(FILE *, const char *) = o->json ? json_text : csv_text;
	const char *sep = o->json ? ", " : ",";
	if (o->json)
		fputs(o->n ? ",\n  {" : "\n  {", f);
	for (int i = 0; i < RUNS_NFIELDS; i++) {
		if (i)
			fputs(sep, f);
		if (o->json)
			fprintf(f, "\"%s\": ", runs_fields[i]);
		if (i == 0)
			fprintf(f, "%lld", (long long)r->id);
		else if (i <= 5)
			put(f, text[i - 1]);
		else if (i == 6)
			fprintf(f, "%lld", (long long)r->queries);
		else if (i == 7)
			runs_real(f, r->p99_ms, o->json);
		else if (i == 8)
			runs_real(f, r->violation_ratio, o->json);
		else if (i == 9)
			runs_real(f, r->throughput_qps, o->json);
		else
			put(f, r->started_at);
	}
	fputs(o->json ? "}" : "\n", f);
	o->n++;
	return 0;
}

static int runs_list(store *st, const runs_args *a, int limit, int64_t *total)
{
	if (strcmp(a->format, "table") == 0) {
		if (store_walk_runs(st, 0, NULL, NULL, total))
			return -1;
		return store_print_runs(st, stdout, limit);
	}
	runs_out o = {.f = stdout, .json = strcmp(a->format, "json") == 0};
	if (o.json) {
		fputc('[', stdout);
	} else {
		for (int i = 0; i < RUNS_NFIELDS; i++)
			printf("%s%s", i ? "," : "", runs_fields[i]);
		putchar('\n');
	}
	int rc = store_walk_runs(st, limit, runs_row, &o, total);
	if (o.json)
		fputs(o.n ? "\n]\n" : "]\n", stdout);
	return rc;
}

static int runs_main(const cli_command *self, const cli_env *env, int argc, char **argv)
{
	runs_args a = {.db = env->db ? env->db : CLI_RESULTS_DB, .format = "table", .limit = 50};
	int n_pos, rc;
	if (cli_options(self, argc, argv, &a, &n_pos, &rc))
		return rc;
	if (strcmp(a.format, "table") != 0 && strcmp(a.format, "csv") != 0 &&
	    strcmp(a.format, "json") != 0) {
		fprintf(stderr, "abacus runs: --format must be table, csv or json, got '%s'\n",
		        a.format);
		return 2;
	}
	int limit = a.all ? 0 : a.limit;
	char err[1024];
	store *st = store_open_readonly(a.db, err, sizeof err);
	if (!st) {
		fprintf(stderr, "abacus runs: %s\n", err);
		return 1;
	}
	int64_t total = 0;
	rc = runs_list(st, &a, limit, &total);
	if (rc)
		fprintf(stderr, "abacus runs: %s\n", store_errmsg(st));
	else if (limit > 0 && total > limit)
		/* on stderr: what stdout holds stays a table, CSV or JSON */
		fprintf(stderr, "abacus runs: newest %d of %lld runs; --all or --limit N for more\n",
		        limit, (long long)total);
	store_close(st);
	return rc ? 1 : 0;
}

const cli_command cli_runs = {
    .cmd = {.name = "runs",
            .what = "the runs stored in the database, newest last",
            .opts = runs_opts},
    .main = runs_main,
};
