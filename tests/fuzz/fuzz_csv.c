/* fuzz_csv.c: the CSV reader (core/csv.h) on a schema of two required
 * columns and one optional one, as traces and profiles use it: open, read
 * every row, look at every field. Whatever the bytes, the reader must
 * fail with one line that starts "file:line:column: " or hand back rows
 * whose required fields are there. */
#include "fuzz.h"

#include "csv.h"

enum { C_TIME, C_MODEL, C_NOTE, C_N };
static const csv_col cols[C_N] = {
    {.name = "time", .required = 1},
    {.name = "model", .required = 1},
    {.name = "note", .required = 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[512] = "";
	fuzz_file(path, sizeof path, "in.csv", data, size);
	csv c;
	if (csv_open(&c, path, cols, C_N, err, sizeof err)) {
		fuzz_check_message(err);
		return 0;
	}
	int r;
	while ((r = csv_next(&c, err, sizeof err)) == 1) {
		for (int k = 0; k < C_N; k++) {
			const char *v = csv_get(&c, k);
			if (cols[k].required && !v)
				fuzz_wrong("line %ld: required column %s is empty", c.lineno,
				           cols[k].name);
			int col = csv_colno(&c, k);
			if (col < 1 || col > CSV_MAX_COLS + 1)
				fuzz_wrong("line %ld: column %d of %s", c.lineno, col,
				           cols[k].name);
			double d;
			long l;
			(void)csv_double(v, &d);
			(void)csv_long(v, &l);
		}
	}
	if (r < 0) {
		fuzz_check_message(err);
		if (strncmp(err, path, strlen(path)) != 0 || err[strlen(path)] != ':')
			fuzz_wrong("message '%s' does not name the file", err);
	}
	csv_close(&c);
	return 0;
}
