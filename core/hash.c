/* hash.c: FNV-1a 64 (hash.h). */
#include "hash.h"

#include <stdio.h>

uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

uint64_t hash_str(uint64_t h, const char *s)
{
	for (const unsigned char *b = (const unsigned char *)s; *b; b++)
		h = (h ^ *b) * 0x100000001b3ULL;
	return h;
}

void hash_hex(uint64_t h, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
