/* text.h: the small string chores every module has: writing a failure
 * into a caller's error buffer, joining numbers into a list, reading a
 * line of bounded length. */
#ifndef ABACUS_TEXT_H
#define ABACUS_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* No row of a file abacus reads (traces, rates, profiles, groups) comes
 * near this; a file without newlines (/dev/zero given as one) would
 * otherwise grow the line until memory runs out. */
#define TEXT_LINE_MAX 65536

enum { TEXT_EOF = -1, TEXT_TOO_LONG = -2, TEXT_NOMEM = -3 };

/* Formats into err (when err and errlen are set) and returns -1, so a
 * failing function can `return text_fail(err, errlen, "...", ...)`. */
int text_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "1,4,8" into buf (truncated to len); "" for n == 0. */
void text_join_ints(char *buf, size_t len, const int *v, int n);

/* A seed or a count from the command line: decimal digits only, so that
 * "-1" is not wrapped to 2^64 - 1 and "5x" not read as 5. 0, or -1. */
int text_parse_u64(const char *v, unsigned long long *out);

/* getline, but at most TEXT_LINE_MAX bytes before the newline: the length
 * read (newline kept, *buf NUL-terminated and grown as needed), or
 * TEXT_EOF (end of file or a read error: ferror tells), TEXT_TOO_LONG or
 * TEXT_NOMEM. */
long text_getline(char **buf, size_t *cap, FILE *f);

#endif
