/* half.c: binary16 conversions (see half.h), by bit manipulation. */
#include "half.h"

#include <string.h>

uint16_t half_from_float(float f)
{
	uint32_t x;
	memcpy(&x, &f, sizeof x);
	uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
	uint32_t a = x & 0x7fffffffu;
	if (a > 0x7f800000u) /* NaN: quiet, keep the sign */
		return sign | 0x7e00u;
	if (a >= 0x477ff000u) /* 65520 and up round to infinity */
		return sign | 0x7c00u;
	if (a >= 0x38800000u) { /* a normal half: rebias, round off 13 bits */
		uint32_t h = (a - 0x38000000u) >> 13, rem = a & 0x1fffu;
		if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
			h++; /* a carry into the exponent is still right */
		return sign | (uint16_t)h;
	}
	if (a <= 0x33000000u) /* at most 2^-25: zero (2^-25 itself ties to 0) */
		return sign;
	/* a subnormal half: units of 2^-24 */
	uint32_t e = a >> 23, m = (a & 0x7fffffu) | 0x800000u;
	int shift = (int)(126u - e); /* 14 .. 24 */
	uint32_t h = m >> shift, rem = m & ((1u << shift) - 1u), mid = 1u << (shift - 1);
	if (rem > mid || (rem == mid && (h & 1u)))
		h++;
	return sign | (uint16_t)h;
}

float half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu, x;
	if (e == 0 && m == 0) {
		x = sign;
	} else if (e == 0) { /* subnormal: normalise */
		e = 113;
		while (!(m & 0x400u)) {
			m <<= 1;
			e--;
		}
		x = sign | (e << 23) | ((m & 0x3ffu) << 13);
	} else if (e == 31) {
		x = sign | 0x7f800000u | (m << 13);
	} else {
		x = sign | ((e + 112u) << 23) | (m << 13);
	}
	float f;
	memcpy(&f, &x, sizeof f);
	return f;
}

void half_from_floats(uint16_t *dst, const float *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = half_from_float(src[i]);
}

void half_to_floats(float *dst, const uint16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = half_to_float(src[i]);
}

uint16_t bf16_from_float(float f)
{
	uint32_t x;
	memcpy(&x, &f, sizeof x);
	if ((x & 0x7fffffffu) > 0x7f800000u) /* NaN: quiet, keep the sign */
		return (uint16_t)((x >> 16) | 0x0040u);
	/* round off 16 bits; a carry into the exponent (up to infinity) is right */
	x += 0x7fffu + ((x >> 16) & 1u);
	return (uint16_t)(x >> 16);
}

float bf16_to_float(uint16_t h)
{
	uint32_t x = (uint32_t)h << 16;
	float f;
	memcpy(&f, &x, sizeof f);
	return f;
}

void bf16_from_floats(uint16_t *dst, const float *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = bf16_from_float(src[i]);
}

void bf16_to_floats(float *dst, const uint16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = bf16_to_float(src[i]);
}
