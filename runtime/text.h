/* text.h: the small string chores every module has: writing a failure
 * into a caller's error buffer, and joining numbers into a list. */
#ifndef ABACUS_TEXT_H
#define ABACUS_TEXT_H

#include <stddef.h>

/* Formats into err (when err and errlen are set) and returns -1, so a
 * failing function can `return text_fail(err, errlen, "...", ...)`. */
int text_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "1,4,8" into buf (truncated to len); "" for n == 0. */
void text_join_ints(char *buf, size_t len, const int *v, int n);

#endif
