/* text.c: see text.h. */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>

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
