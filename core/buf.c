/* buf.c: see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int buf_grow(void *items, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < n) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (size && ncap > SIZE_MAX / size)
		return -1;
	/* the pointer is copied, not cast through void **, which would read a
	 * T * through another type */
	void *old;
	memcpy(&old, items, sizeof old);
	void *p = realloc(old, ncap * size);
	if (!p)
		return -1;
	memcpy(items, &p, sizeof p);
	*cap = ncap;
	return 0;
}

void buf_add(buf_str *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (n >= SIZE_MAX - b->len || buf_grow(&b->s, &b->cap, b->len + n + 1, 1)) {
		b->oom = 1;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void buf_adds(buf_str *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addf(buf_str *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(&b->s, &b->cap, b->len + (size_t)n + 1, 1)) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_free(buf_str *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}
