/* test_csv.c: the one CSV reader (core/csv.c) on good, hostile and random
 * input: columns by name, BOM, bounded lines, every error at
 * file:line:column, and random tables read back as they were written. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "csv.h"
#include "rng.h"
#include "text.h"

static char dir[] = "/tmp/abacus-csv-XXXXXX";
static char path[300];

static void write_bytes(const char *body, size_t n)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	fwrite(body, 1, n, f);
	fclose(f);
}

static void write_text(const char *body)
{
	write_bytes(body, strlen(body));
}

enum { C_TIME, C_MODEL, C_NOTE, C_N };
static const csv_col cols[C_N] = {
    {.name = "time", .required = 1},
    {.name = "model", .required = 1},
    {.name = "note", .required = 0},
};

/* Reads path to the end; the first failure's message in err, else "".
 * Returns the rows read before the end or the failure. */
static int read_all(char *err, size_t errlen)
{
	csv c;
	err[0] = '\0';
	if (csv_open(&c, path, cols, C_N, err, errlen))
		return -1;
	int n = 0, r;
	while ((r = csv_next(&c, err, errlen)) == 1)
		n++;
	csv_close(&c);
	return n;
}

/* err begins with path, then :line:column: and a message */
static int located(const char *err, long line, int col)
{
	char want[400];
	snprintf(want, sizeof want, "%s:%ld:%d: ", path, line, col);
	return strncmp(err, want, strlen(want)) == 0 && err[strlen(want)] != '\0';
}

#define CHECK_AT(err, line, col)                                                                   \
	do {                                                                                       \
		if (!located(err, line, col)) {                                                    \
			fprintf(stderr, "%s:%d: '%s' is not at %s:%d:%d\n", __FILE__, __LINE__,    \
			        err, path, line, col);                                             \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

static void test_good(void)
{
	char err[512];
	csv c;
	/* BOM, CRLF, blanks, comments, columns out of order, optional absent */
	write_text("\xEF\xBB\xBF# made by hand\r\n\r\n model , time\r\n"
	           "resnet50, 1.5\r\n  \r\n# skip\r\nbert,2\r\n");
	CHECK_INT(csv_open(&c, path, cols, C_N, err, sizeof err), 0);
	CHECK_INT(c.lineno, 3);
	CHECK_INT(csv_next(&c, err, sizeof err), 1);
	CHECK_INT(c.lineno, 4);
	CHECK_STR_HAS(csv_get(&c, C_MODEL), "resnet50");
	CHECK_INT(strcmp(csv_get(&c, C_TIME), "1.5"), 0);
	CHECK(csv_get(&c, C_NOTE) == NULL);
	CHECK_INT(csv_colno(&c, C_TIME), 2);
	CHECK_INT(csv_colno(&c, C_NOTE), 3); /* one past the row */
	double d;
	CHECK_INT(csv_double(csv_get(&c, C_TIME), &d), 0);
	CHECK_NEAR(d, 1.5, 0);
	CHECK_INT(csv_next(&c, err, sizeof err), 1);
	CHECK_INT(c.lineno, 7);
	CHECK_INT(strcmp(csv_get(&c, C_MODEL), "bert"), 0);
	CHECK_INT(csv_fail(&c, C_TIME, err, sizeof err, "time %s is %s", "2", "late"), -1);
	CHECK_AT(err, 7, 2);
	CHECK_STR_HAS(err, ": time 2 is late");
	CHECK_INT(csv_fail(&c, -1, err, sizeof err, "whole row"), -1);
	CHECK_AT(err, 7, 1);
	/* a short buffer is cut, not overrun */
	char tiny[8];
	memset(tiny, 'x', sizeof tiny);
	csv_fail(&c, C_TIME, tiny, sizeof tiny, "long message");
	CHECK_INT(tiny[7], '\0');
	CHECK_INT(csv_next(&c, err, sizeof err), 0);
	CHECK_INT(csv_next(&c, err, sizeof err), 0); /* stays at the end */
	csv_close(&c);

	/* an optional column present but empty on a row */
	write_text("time,model,note\n1,a,\n2,b,x\n");
	CHECK_INT(csv_open(&c, path, cols, C_N, err, sizeof err), 0);
	CHECK_INT(csv_next(&c, err, sizeof err), 1);
	CHECK(csv_get(&c, C_NOTE) == NULL);
	CHECK_INT(csv_next(&c, err, sizeof err), 1);
	CHECK_INT(strcmp(csv_get(&c, C_NOTE), "x"), 0);
	csv_close(&c);

	/* a quote is an ordinary character */
	write_text("time,model\n1,\"a\"\n");
	CHECK_INT(csv_open(&c, path, cols, C_N, err, sizeof err), 0);
	CHECK_INT(csv_next(&c, err, sizeof err), 1);
	CHECK_INT(strcmp(csv_get(&c, C_MODEL), "\"a\""), 0);
	csv_close(&c);
}

static void test_header_errors(void)
{
	char err[512];
	write_text("");
	CHECK_INT(read_all(err, sizeof err), -1);
	CHECK_AT(err, 1, 1);
	CHECK_STR_HAS(err, "no header row, expected columns time, model, note (optional)");
	write_text("# only\n\n");
	CHECK_INT(read_all(err, sizeof err), -1);
	CHECK_AT(err, 3, 1);
	write_text("time,modle\n");
	CHECK_INT(read_all(err, sizeof err), -1);
	CHECK_AT(err, 1, 2);
	CHECK_STR_HAS(err, "unknown column 'modle'");
	write_text("time,note\n");
	CHECK_INT(read_all(err, sizeof err), -1);
	CHECK_AT(err, 1, 3);
	CHECK_STR_HAS(err, "header has no 'model' column");
	write_text("time,model,time\n");
	CHECK_INT(read_all(err, sizeof err), -1);
	CHECK_AT(err, 1, 3);
	CHECK_STR_HAS(err, "column 'time' appears twice (also column 1)");
	write_text("time,model,,\n");
	CHECK_INT(read_all(err, sizeof err), -1);
	CHECK_AT(err, 1, 3);
	CHECK_STR_HAS(err, "unknown column ''");
	/* more fields than the reader holds: refused, not counted past */
	char many[256] = "time,model";
	for (int i = 0; i < CSV_MAX_COLS; i++)
		strcat(many, ",x");
	strcat(many, "\n");
	write_text(many);
	CHECK_INT(read_all(err, sizeof err), -1);
	CHECK_AT(err, 1, 3);
}

static void test_row_errors(void)
{
	char err[512];
	write_text("time,model\n1,a\n2,b,c\n3,d\n");
	CHECK_INT(read_all(err, sizeof err), 1);
	CHECK_AT(err, 3, 3);
	CHECK_STR_HAS(err, "extra field (the header has 2 columns)");
	write_text("model,time\nx,1\ny\n");
	CHECK_INT(read_all(err, sizeof err), 1);
	CHECK_AT(err, 3, 2);
	CHECK_STR_HAS(err, "missing field 'time'");
	write_text("model,time\n ,1\n");
	CHECK_INT(read_all(err, sizeof err), 0);
	CHECK_AT(err, 2, 1);
	CHECK_STR_HAS(err, "missing field 'model'");
	/* a NUL would hide the rest of the line */
	write_bytes("time,model\n1,a\0,b\n", 18);
	CHECK_INT(read_all(err, sizeof err), 0);
	CHECK_AT(err, 2, 4);
	CHECK_STR_HAS(err, "NUL byte");
}

/* A line over the bound is an error at its own number; the rows after it
 * are never read as rows of their own. */
static void test_long_lines(void)
{
	char err[512];
	size_t n = TEXT_LINE_MAX + 100;
	char *body = malloc(n + 64);
	CHECK(body != NULL);
	if (!body)
		return;
	for (int over = 0; over <= 1; over++) {
		/* the line's bytes before its newline: the bound, or one more */
		size_t len = (size_t)TEXT_LINE_MAX + (size_t)over;
		size_t used = (size_t)sprintf(body, "time,model\n1,");
		size_t fill = len - 2; /* "1," is part of the line */
		memset(body + used, 'm', fill);
		used += fill;
		used += (size_t)sprintf(body + used, "\n2,b\n");
		write_bytes(body, used);
		int rows = read_all(err, sizeof err);
		if (over) {
			CHECK_INT(rows, 0);
			CHECK_AT(err, 2, TEXT_LINE_MAX + 1);
			CHECK_STR_HAS(err, "line longer than 65536 bytes");
		} else {
			CHECK_INT(rows, 2);
			CHECK_INT(err[0], '\0');
		}
	}
	free(body);
	if (access("/dev/zero", R_OK) == 0) {
		char keep[sizeof path];
		memcpy(keep, path, sizeof path);
		snprintf(path, sizeof path, "/dev/zero");
		CHECK_INT(read_all(err, sizeof err), -1);
		CHECK_AT(err, 1, TEXT_LINE_MAX + 1);
		memcpy(path, keep, sizeof path);
	}
}

static void test_files(void)
{
	char err[512];
	csv c;
	CHECK_INT(csv_open(&c, NULL, cols, C_N, err, sizeof err), -1);
	CHECK_STR_HAS(err, "no file name given");
	CHECK_INT(csv_open(&c, "/nonexistent/x.csv", cols, C_N, err, sizeof err), -1);
	CHECK_STR_HAS(err, "cannot open /nonexistent/x.csv: No such file or directory");
	CHECK_INT(csv_open(&c, dir, cols, C_N, err, sizeof err), -1);
	CHECK_STR_HAS(err, ": it is a folder, not a file");
	CHECK_INT(csv_open(&c, path, cols, 0, err, sizeof err), -1);
	CHECK_INT(csv_open(&c, path, cols, CSV_MAX_COLS + 1, err, sizeof err), -1);
	/* unreadable: root reads anything, so only where the mode holds */
	write_text("time,model\n1,a\n");
	chmod(path, 0);
	if (access(path, R_OK) != 0) {
		CHECK_INT(csv_open(&c, path, cols, C_N, err, sizeof err), -1);
		CHECK_STR_HAS(err, "Permission denied");
	}
	chmod(path, 0600);
}

static void test_numbers(void)
{
	double d = 7;
	long l = 7;
	CHECK_INT(csv_double("2.5e3", &d), 0);
	CHECK_NEAR(d, 2500, 0);
	CHECK_INT(csv_double("-0.5", &d), 0);
	CHECK_NEAR(d, -0.5, 0);
	static const char *const bad_d[] = {"", "x", "1x", "1 2", "inf", "nan", "1e999", NULL};
	for (int i = 0; i < 7; i++) {
		d = 7;
		CHECK_INT(csv_double(bad_d[i], &d), -1);
		CHECK_NEAR(d, 7, 0);
	}
	CHECK_INT(csv_double(NULL, &d), -1);
	CHECK_INT(csv_long("42", &l), 0);
	CHECK_INT(l, 42);
	CHECK_INT(csv_long("-3", &l), 0);
	CHECK_INT(l, -3);
	static const char *const bad_l[] = {"", "4.0", "0x10", "12abc", "99999999999999999999"};
	for (int i = 0; i < 5; i++) {
		l = 7;
		CHECK_INT(csv_long(bad_l[i], &l), -1);
		CHECK_INT(l, 7);
	}
}

/* Random bytes, biased to what breaks readers (commas, newlines, CR, NUL,
 * quotes, '#', a BOM, runs long enough to pass the bound): the reader
 * never crashes, and every failure after the open names file:line:column
 * with a line it reached. */
static void test_random_bytes(void)
{
	static const char alphabet[] = ",,,\n\n\r\"#  \tabcmodeltime0123456789.-e";
	regex_t re;
	char pat[400];
	snprintf(pat, sizeof pat, "^%s:[0-9]+:[0-9]+: [^\n]+$", path);
	CHECK_INT(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB), 0);
	rng r;
	rng_seed(&r, 12);
	size_t cap = 3 * TEXT_LINE_MAX;
	char *body = malloc(cap);
	CHECK(body != NULL);
	if (!body)
		return;
	int opened = 0, failed_rows = 0;
	for (int trial = 0; trial < 400; trial++) {
		size_t n = 0;
		if (trial % 3 == 0)
			n += (size_t)sprintf(body, "%stime,model,note\n",
			                     trial % 2 ? "\xEF\xBB\xBF" : "");
		size_t len = rng_u64(&r) % (trial % 50 == 0 ? cap - 64 : 2000);
		for (size_t i = 0; i < len; i++) {
			uint64_t x = rng_u64(&r);
			if (x % 97 == 0)
				body[n++] = '\0';
			else if (x % 89 == 0)
				body[n++] = (char)(x >> 8);
			else if (trial % 50 == 0 && x % 7)
				body[n++] = 'x'; /* long runs */
			else
				body[n++] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
		}
		write_bytes(body, n);
		char err[512];
		csv c;
		err[0] = '\0';
		if (csv_open(&c, path, cols, C_N, err, sizeof err)) {
			CHECK(regexec(&re, err, 0, NULL, 0) == 0);
			if (regexec(&re, err, 0, NULL, 0) != 0)
				fprintf(stderr, "  trial %d: open: %s\n", trial, err);
			continue;
		}
		opened++;
		int got;
		long last = c.lineno;
		while ((got = csv_next(&c, err, sizeof err)) == 1) {
			CHECK(c.lineno > last);
			last = c.lineno;
			CHECK(c.nf <= c.n_head);
			CHECK(csv_get(&c, C_TIME) && csv_get(&c, C_MODEL));
		}
		if (got < 0) {
			failed_rows++;
			CHECK(regexec(&re, err, 0, NULL, 0) == 0);
			if (regexec(&re, err, 0, NULL, 0) != 0)
				fprintf(stderr, "  trial %d: row: %s\n", trial, err);
		}
		csv_close(&c);
	}
	/* the bias makes both paths common */
	CHECK(opened > 50);
	CHECK(failed_rows > 20);
	printf("random bytes: 400 files, %d opened, %d failed on a row\n", opened, failed_rows);
	free(body);
	regfree(&re);
}

/* Random tables (columns in a random order, blanks around fields, CRLF or
 * LF, comments and blank lines between rows) read back cell by cell. */
static void test_random_tables(void)
{
	rng r;
	rng_seed(&r, 99);
	enum { ROWS = 40 };
	static char cell[ROWS][C_N][24];
	for (int trial = 0; trial < 200; trial++) {
		int order[C_N] = {0, 1, 2};
		for (int i = C_N - 1; i > 0; i--) {
			int j = (int)(rng_u64(&r) % (uint64_t)(i + 1));
			int t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		int has_note = (int)(rng_u64(&r) % 2);
		const char *eol = rng_u64(&r) % 2 ? "\r\n" : "\n";
		FILE *f = fopen(path, "w");
		CHECK(f != NULL);
		if (!f)
			return;
		int first = 1;
		for (int k = 0; k < C_N; k++) {
			if (order[k] == C_NOTE && !has_note)
				continue;
			fprintf(f, "%s%s", first ? "" : ",", cols[order[k]].name);
			first = 0;
		}
		fputs(eol, f);
		int rows = (int)(rng_u64(&r) % ROWS);
		for (int i = 0; i < rows; i++) {
			if (rng_u64(&r) % 5 == 0)
				fprintf(f, "# comment, with commas%s%s", eol,
				        rng_u64(&r) % 2 ? eol : "");
			first = 1;
			for (int k = 0; k < C_N; k++) {
				int col = order[k];
				if (col == C_NOTE && !has_note)
					continue;
				char *v = cell[i][col];
				int len = 1 + (int)(rng_u64(&r) % 12);
				for (int j = 0; j < len; j++)
					v[j] = "abcxyz0123456789._-+:;"[rng_u64(&r) % 22];
				v[len] = '\0';
				if (col == C_NOTE && rng_u64(&r) % 3 == 0)
					v[0] = '\0'; /* optional: may be empty */
				fprintf(f, "%s%s%s%s", first ? "" : ",",
				        rng_u64(&r) % 3 ? "" : " \t", v,
				        rng_u64(&r) % 3 ? "" : "  ");
				first = 0;
			}
			fputs(eol, f);
		}
		fclose(f);
		char err[512];
		csv c;
		CHECK_INT(csv_open(&c, path, cols, C_N, err, sizeof err), 0);
		int i = 0, got;
		while ((got = csv_next(&c, err, sizeof err)) == 1 && i < rows) {
			for (int col = 0; col < C_N; col++) {
				const char *v = csv_get(&c, col);
				const char *want = col == C_NOTE && !has_note ? "" : cell[i][col];
				if (strcmp(v ? v : "", want) != 0) {
					fprintf(stderr, "trial %d row %d col %d: '%s' != '%s'\n",
					        trial, i, col, v ? v : "(null)", want);
					check_failures++;
				}
			}
			i++;
		}
		CHECK_INT(got, 0);
		CHECK_INT(i, rows);
		csv_close(&c);
	}
}

int main(void)
{
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/t.csv", dir);
	test_good();
	test_header_errors();
	test_row_errors();
	test_long_lines();
	test_files();
	test_numbers();
	test_random_bytes();
	test_random_tables();
	unlink(path);
	rmdir(dir);
	return check_report("test_csv");
}
