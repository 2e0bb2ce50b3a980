/* buf.h: the one growable buffer, for arrays and for text.
 *
 * buf_grow is the doubling realloc every growing array needs, written
 * once: callers keep their own typed pointer and capacity and ask for
 * room before they append. A buf_str is a string being built (a message, a
 * serialised config) whose appends never fail one by one: the first
 * failed allocation sets oom, later appends do nothing, and the caller
 * checks once at the end, as Redis's sds callers check the result.
 */
#ifndef ABACUS_BUF_H
#define ABACUS_BUF_H

#include <stddef.h>

/* Makes room for n items of `size` bytes in *items (a T ** passed as
 * void *), whose capacity is *cap: doubles from 16 until it fits. 0, or
 * -1 when out of memory (or n * size overflows), with *items and *cap
 * unchanged. */
int buf_grow(void *items, size_t *cap, size_t n, size_t size);

typedef struct buf_str {
	char *s; /* NUL-terminated once anything was added; NULL before */
	size_t len, cap;
	int oom; /* an append failed: s holds what came before it */
} buf_str;

void buf_add(buf_str *b, const char *s, size_t n);
void buf_adds(buf_str *b, const char *s);
void buf_addf(buf_str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees and empties b; buf_free on a zeroed buf_str is a no-op. */
void buf_free(buf_str *b);

#endif
