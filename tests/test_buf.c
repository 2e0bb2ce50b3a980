/* test_buf.c: the growable buffer (core/buf.c): arrays that grow by
 * doubling, refuse sizes that overflow, and strings built by appends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

int main(void)
{
	/* an array grown one item at a time keeps what it held */
	int *v = NULL;
	size_t cap = 0;
	for (int i = 0; i < 1000; i++) {
		CHECK_INT(buf_grow(&v, &cap, (size_t)i + 1, sizeof *v), 0);
		v[i] = i * 3;
	}
	CHECK_INT(cap, 1024); /* 16, doubled */
	long sum = 0;
	for (int i = 0; i < 1000; i++)
		sum += v[i];
	CHECK_INT(sum, 3L * 999 * 1000 / 2);
	/* asking for less than there is changes nothing */
	int *same = v;
	CHECK_INT(buf_grow(&v, &cap, 10, sizeof *v), 0);
	CHECK(v == same);
	CHECK_INT(cap, 1024);
	/* a size past memory is refused with the array untouched */
	CHECK_INT(buf_grow(&v, &cap, SIZE_MAX / 2, sizeof *v), -1);
	CHECK(v == same);
	CHECK_INT(cap, 1024);
	CHECK_INT(buf_grow(&v, &cap, SIZE_MAX, 1), -1);
	CHECK_INT(v[999], 2997);
	free(v);

	/* strings */
	buf_str b = {0};
	CHECK(b.s == NULL);
	buf_adds(&b, "kappa");
	buf_add(&b, ",xyz", 1);
	buf_addf(&b, "%d.%02d", 0, 5);
	CHECK_INT(strcmp(b.s, "kappa,0.05"), 0);
	CHECK_INT(b.len, 10);
	for (int i = 0; i < 5000; i++)
		buf_addf(&b, "%c", 'a' + i % 26);
	CHECK_INT(b.len, 5010);
	CHECK_INT(strlen(b.s), 5010);
	CHECK_INT(b.s[5009], 'a' + 4999 % 26);
	CHECK_INT(b.oom, 0);
	/* after a failed append, nothing more is added */
	b.oom = 1;
	buf_adds(&b, "more");
	CHECK_INT(b.len, 5010);
	buf_free(&b);
	CHECK(b.s == NULL && b.len == 0 && b.oom == 0);
	buf_free(&b); /* twice is fine */
	return check_report("test_buf");
}
