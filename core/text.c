/* text.c: see text.h. */
#include "text.h"
#include "buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int text_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void text_join_ints(char *buf, size_t len, const int *v, int n)
{
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? "," : "", v[i]);
}

long text_getline(char **buf, size_t *cap, FILE *f)
{
	size_t n = 0;
	int ch;
	while ((ch = getc(f)) != EOF) {
		if (buf_grow(buf, cap, n + 2, 1))
			return TEXT_NOMEM;
		(*buf)[n++] = (char)ch;
		if (ch == '\n')
			break;
		if (n > TEXT_LINE_MAX)
			return TEXT_TOO_LONG;
	}
	if (n == 0)
		return TEXT_EOF;
	(*buf)[n] = '\0';
	return (long)n;
}

int text_parse_u64(const char *v, unsigned long long *out)
{
	char *end;
	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end ? -1 : 0;
}
