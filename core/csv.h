/* csv.h: the one reader of abacus's data and trace files.
 *
 * Every CSV abacus reads (ops.csv, groups.csv, sim.csv, load traces, rate
 * files) goes through here, so they all take the same things and refuse
 * the same things:
 *
 *   - the first row that is not blank or a '#' comment is the header, and
 *     columns are found by name, in any order. A required column the
 *     header lacks, a column it does not know and a column named twice
 *     are errors: every file's columns are fixed, and a misspelt one must
 *     not pass as absent;
 *   - a UTF-8 byte order mark before the header (spreadsheets write one)
 *     is skipped, CRLF line ends are taken, blanks around fields trimmed;
 *   - lines are bounded (TEXT_LINE_MAX bytes): a longer one is an error,
 *     never cut into two rows, and a file without newlines (/dev/zero)
 *     does not grow a line until memory runs out;
 *   - a row with more fields than the header, or an empty or absent field
 *     in a required column, is an error;
 *   - no quoting: model names, segment lists and numbers never hold a
 *     comma, so a '"' is an ordinary character;
 *   - a folder given as the file is an error, not an empty file.
 *
 * Every message is "file:line:column: what", columns counted from 1.
 * Rows are read one at a time (a trace may be longer than memory); the
 * fields of the current row live until the next csv_next.
 */
#ifndef ABACUS_CSV_H
#define ABACUS_CSV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* The most columns a file may declare; no file abacus reads has half. */
#define CSV_MAX_COLS 16

typedef struct csv_col {
	const char *name;
	int required; /* the header must name it and every row fill it */
} csv_col;

typedef struct csv {
	FILE *f;
	char *path;
	char *line;
	size_t cap;
	long lineno; /* of the current row (the header after csv_open) */
	const csv_col *cols;
	int n_cols;
	int pos[CSV_MAX_COLS]; /* 0-based field of column k, or -1 */
	int n_head;            /* fields in the header */
	char *field[CSV_MAX_COLS];
	int nf; /* fields on the current row */
} csv;

/* Opens path and reads its header against cols (n_cols <= CSV_MAX_COLS).
 * 0, or -1 with the message in err; on failure c holds nothing to close,
 * on success csv_close frees it. */
int csv_open(csv *c, const char *path, const csv_col *cols, int n_cols, char *err, size_t errlen);
void csv_close(csv *c);

/* The next row: 1, 0 at the end of the file, -1 with the message in err. */
int csv_next(csv *c, char *err, size_t errlen);

/* Column k of the current row; NULL when the header lacks the column or
 * the row leaves it empty (never for a required column after csv_next
 * returned 1). */
const char *csv_get(const csv *c, int k);

/* The 1-based column a message about column k points at: its place in
 * the header, or one past the row's last field when the header lacks it. */
int csv_colno(const csv *c, int k);

/* Writes "file:line:column: " and the message into err (column from
 * csv_colno, or column 1 when k < 0) and returns -1. */
int csv_fail(const csv *c, int k, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Whole-field numbers: trailing junk ("12abc"), an empty field, overflow
 * and (for doubles) inf or nan are -1, *out untouched. */
int csv_double(const char *s, double *out);
int csv_long(const char *s, long *out);

#endif
