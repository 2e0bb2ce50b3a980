/* test_buf.c: the growable buffer (core/buf.c): arrays that grow by
 * doubling, refuse sizes that overflow, and strings built by appends;
 * and the min-heap beside it (core/heap.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "heap.h"

/* Items by key, ties by index: a strict order. */
typedef struct item {
	int64_t key;
	int idx;
} item;

static int item_before(const void *x, const void *y, const void *ctx)
{
	const item *a = x, *b = y;
	(void)ctx;
	return a->key < b->key || (a->key == b->key && a->idx < b->idx);
}

/* heap_pop and the pop by heap_down give the items in one order, the
 * sorted one, pushes and pops interleaved, many keys equal. */
static void test_heap(void)
{
	enum { N = 3000 };
	static item a[N], b[N];
	size_t na = 0, nb = 0;
	uint64_t x = 88172645463325252ULL;
	item last = {INT64_MIN, -1};
	int pushed = 0, popped = 0, in_order = 1, same = 1;
	while (popped < N) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (pushed < N && (x % 3 != 0 || na == 0)) {
			item it = {(int64_t)(x >> 40) % 50 + last.key, pushed++};
			a[na] = it;
			heap_up(a, sizeof *a, na++, item_before, NULL);
			b[nb] = it;
			heap_up(b, sizeof *b, nb++, item_before, NULL);
			continue;
		}
		item ta = a[0], tb = b[0];
		heap_pop(a, sizeof *a, na--, item_before, NULL);
		b[0] = b[--nb];
		heap_down(b, sizeof *b, nb, 0, item_before, NULL);
		same &= ta.key == tb.key && ta.idx == tb.idx;
		in_order &= !item_before(&ta, &last, NULL);
		last = ta;
		popped++;
	}
	CHECK(same);
	CHECK(in_order);
	CHECK_INT(na, 0);
	CHECK_INT(nb, 0);
}

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
	test_heap();
	return check_report("test_buf");
}
