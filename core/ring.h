/* ring.h: the one growable FIFO ring, for the scheduler's per-service
 * queues and the clockwork controller's.
 *
 * Items of one size (the caller's), pushed at the tail, read by their
 * place from the head, popped at the head. The capacity doubles from 64
 * and stays a power of two, so a place is a mask, not a division; a push
 * that must grow and cannot returns -1 with the ring unchanged. A zeroed
 * ring is empty; ring_free empties it again.
 *
 * Header-only and inline: the scheduler reads it on every decision, and
 * the item size is a constant at each use.
 */
#ifndef ABACUS_RING_H
#define ABACUS_RING_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct ring {
	void *item;
	size_t head, len, cap; /* cap 0 or a power of two */
} ring;

/* The item k places from the head (k < len). */
static inline void *ring_at(const ring *r, size_t k, size_t size)
{
	return (char *)r->item + ((r->head + k) & (r->cap - 1)) * size;
}

static inline int ring_push(ring *r, const void *x, size_t size)
{
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		char *n = cap <= SIZE_MAX / size ? malloc(cap * size) : NULL;
		if (!n)
			return -1;
		for (size_t i = 0; i < r->len; i++) /* unwrapped into the new ring */
			memcpy(n + i * size, ring_at(r, i, size), size);
		free(r->item);
		r->item = n;
		r->head = 0;
		r->cap = cap;
	}
	memcpy(ring_at(r, r->len, size), x, size);
	r->len++;
	return 0;
}

/* Drops the head (len > 0). */
static inline void ring_pop(ring *r)
{
	r->head = (r->head + 1) & (r->cap - 1);
	r->len--;
}

static inline void ring_free(ring *r)
{
	free(r->item);
	*r = (ring){NULL, 0, 0, 0};
}

#endif
