/* rng.c: xoshiro256** (Blackman and Vigna) seeded by splitmix64. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_u64(rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_double(rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

uint32_t rng_below(rng *r, uint32_t n)
{
	/* Lemire's multiply-shift with rejection of the biased low range. */
	uint64_t m = (uint64_t)(uint32_t)(rng_u64(r) >> 32) * n;
	uint32_t low = (uint32_t)m;
	if (low < n) {
		uint32_t threshold = (uint32_t)(-n) % n;
		while (low < threshold) {
			m = (uint64_t)(uint32_t)(rng_u64(r) >> 32) * n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

double rng_exp(rng *r, double rate)
{
	/* 1 - u is in (0, 1], so the log is finite. */
	return -log(1.0 - rng_double(r)) / rate;
}

double rng_normal(rng *r)
{
	double u1 = 1.0 - rng_double(r);
	double u2 = rng_double(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

rng rng_split(rng *r)
{
	rng out;
	rng_seed(&out, rng_u64(r));
	return out;
}
