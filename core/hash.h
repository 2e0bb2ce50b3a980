/* hash.h: the one hash of abacus, FNV-1a 64.
 *
 * Used wherever bytes need a short stable name: a trained predictor's
 * checksum, the digest of a GPU data folder, the seed of a profiled sample.
 * Not cryptographic: it detects change and corruption, not tampering.
 * Streaming: hash_bytes(hash_bytes(HASH_INIT, a), b) equals the hash of a
 * followed by b, so a digest over several files is one pass over each.
 */
#ifndef ABACUS_HASH_H
#define ABACUS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_INIT 0xcbf29ce484222325ULL

uint64_t hash_bytes(uint64_t h, const void *p, size_t n);
uint64_t hash_str(uint64_t h, const char *s);
/* 16 lowercase hex digits and a NUL into out[17]. */
void hash_hex(uint64_t h, char out[17]);

#endif
