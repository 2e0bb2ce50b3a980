/* heap.h: the one min-heap, for the loops that need one (the worker loop's
 * group ends and idle workers, the poisson load's arrival processes).
 *
 * Items of any size (at most HEAP_ITEM_MAX bytes) in an array the caller
 * owns and grows, ordered by the caller's `before`. `before` must be a
 * strict order (ties broken by an index or the like): then the items come
 * off the top in one order whatever the heap's shape, and a run is the
 * same bit for bit. Four children a node: half the depth of a binary
 * heap, and the children to compare sit side by side in memory.
 *
 * Header-only and inline: at each use `before` is a known function and
 * the item size a constant, so both compile to direct code.
 *
 * Push: put the item at base[n], then heap_up(base, size, n, ...), n + 1
 * items now. Pop: heap_pop(base, size, n, ...), n - 1 items now (or copy
 * base[n - 1] over base[0], then heap_down with n - 1 items). After the
 * top's key grew: heap_down from 0. Build: heap_down from (n - 2) /
 * HEAP_D down to 0.
 */
#ifndef ABACUS_HEAP_H
#define ABACUS_HEAP_H

#include <assert.h>
#include <stddef.h>
#include <string.h>

#define HEAP_D 4
#define HEAP_ITEM_MAX 32

/* 1 when item a must come off before item b. */
typedef int (*heap_before)(const void *a, const void *b, const void *ctx);

static inline void *heap_at(void *base, size_t size, size_t i)
{
	return (char *)base + i * size;
}

/* Item i may come before its parents: moves it up to its place. */
static inline void heap_up(void *base, size_t size, size_t i, heap_before before, const void *ctx)
{
	unsigned char x[HEAP_ITEM_MAX];
	assert(size <= sizeof x);
	memcpy(x, heap_at(base, size, i), size);
	while (i > 0) {
		size_t p = (i - 1) / HEAP_D;
		if (!before(x, heap_at(base, size, p), ctx))
			break;
		memcpy(heap_at(base, size, i), heap_at(base, size, p), size);
		i = p;
	}
	memcpy(heap_at(base, size, i), x, size);
}

/* The least of item i's children of n items, n when it has none. */
static inline size_t heap_least_child(void *base, size_t size, size_t n, size_t i,
                                      heap_before before, const void *ctx)
{
	size_t c = HEAP_D * i + 1, best = c;
	if (c >= n)
		return n;
	for (size_t j = c + 1; j < c + HEAP_D && j < n; j++)
		if (before(heap_at(base, size, j), heap_at(base, size, best), ctx))
			best = j;
	return best;
}

/* Item i of n may come after its children: moves it down to its place. */
static inline void heap_down(void *base, size_t size, size_t n, size_t i, heap_before before,
                             const void *ctx)
{
	unsigned char x[HEAP_ITEM_MAX];
	assert(size <= sizeof x);
	memcpy(x, heap_at(base, size, i), size);
	for (;;) {
		size_t best = heap_least_child(base, size, n, i, before, ctx);
		if (best == n)
			break;
		if (!before(heap_at(base, size, best), x, ctx))
			break;
		memcpy(heap_at(base, size, i), heap_at(base, size, best), size);
		i = best;
	}
	memcpy(heap_at(base, size, i), x, size);
}

/* Takes the top off a heap of n > 0 items, n - 1 left: the hole at the
 * top goes down along the least children to a leaf and the last item
 * moves up into it from there (Floyd's), a comparison a level fewer than
 * heap_down's, as the last item mostly belongs near the bottom. */
static inline void heap_pop(void *base, size_t size, size_t n, heap_before before,
                            const void *ctx)
{
	size_t i = 0;
	n--;
	for (;;) {
		size_t best = heap_least_child(base, size, n, i, before, ctx);
		if (best == n)
			break;
		memcpy(heap_at(base, size, i), heap_at(base, size, best), size);
		i = best;
	}
	if (i < n) {
		memcpy(heap_at(base, size, i), heap_at(base, size, n), size);
		heap_up(base, size, i, before, ctx);
	}
}

#endif
