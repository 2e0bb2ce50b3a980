/* test_half.c: binary16 conversions (runtime/half.c), exhaustively where
 * that is cheap: every half through float and back, every rounding
 * midpoint between neighbouring halves, and, where the compiler has
 * _Float16, random floats against its conversion. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "half.h"
#include "rng.h"

static float bits_float(uint32_t x)
{
	float f;
	memcpy(&f, &x, sizeof f);
	return f;
}

static void test_round_trip(void)
{
	int bad = 0, nans = 0;
	for (uint32_t h = 0; h < 65536; h++) {
		float f = half_to_float((uint16_t)h);
		if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu)) {
			nans += isnan(f) && (half_from_float(f) & 0x7e00u) == 0x7e00u;
			continue;
		}
		bad += half_from_float(f) != h;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(nans, 2 * 1023);
	CHECK_NEAR(half_to_float(0x3c00u), 1.0, 0);
	CHECK_NEAR(half_to_float(0x7bffu), 65504.0, 0);
	CHECK_NEAR(half_to_float(0x0001u), ldexp(1.0, -24), 0);
	CHECK_NEAR(half_to_float(0xc000u), -2.0, 0);
	CHECK(isinf(half_to_float(0x7c00u)) && half_to_float(0x7c00u) > 0);
}

/* Between neighbours a < b (both positive, finite): the midpoint goes to
 * the even one, anything above it to b, below it to a. */
static void test_midpoints(void)
{
	int bad = 0;
	for (uint32_t a = 0; a < 0x7bffu; a++) {
		uint32_t b = a + 1;
		double lo = half_to_float((uint16_t)a), hi = half_to_float((uint16_t)b);
		float mid = (float)((lo + hi) / 2); /* exact in float */
		uint16_t even = (a & 1u) ? (uint16_t)b : (uint16_t)a;
		bad += half_from_float(mid) != even;
		bad += half_from_float(nextafterf(mid, INFINITY)) != b;
		bad += half_from_float(nextafterf(mid, 0.0f)) != a;
		bad += half_from_float(-mid) != (even | 0x8000u);
	}
	CHECK_INT(bad, 0);
	/* the edges: the largest half, and what rounds past it */
	CHECK_INT(half_from_float(65504.0f), 0x7bffu);
	CHECK_INT(half_from_float(65519.99f), 0x7bffu);
	CHECK_INT(half_from_float(65520.0f), 0x7c00u);
	CHECK_INT(half_from_float(1e30f), 0x7c00u);
	CHECK_INT(half_from_float(-INFINITY), 0xfc00u);
	CHECK_INT(half_from_float(bits_float(0x33000000u)), 0); /* 2^-25: tie to 0 */
	CHECK_INT(half_from_float(bits_float(0x33000001u)), 1);
	CHECK_INT(half_from_float(-0.0f), 0x8000u);
}

static void test_arrays(void)
{
	float src[5] = {0.1f, -3.5f, 1000.25f, 7e-6f, 0.0f}, back[5];
	uint16_t h[5];
	half_from_floats(h, src, 5);
	half_to_floats(back, h, 5);
	for (int i = 0; i < 5; i++) {
		CHECK_INT(h[i], half_from_float(src[i]));
		/* within half an ulp: 2^-11 relative for normal halves */
		CHECK(fabs(back[i] - src[i]) <= fabs(src[i]) * ldexp(1.0, -11) + ldexp(1.0, -25));
	}
}

#ifdef __FLT16_MAX__
static void test_against_compiler(void)
{
	rng r;
	rng_seed(&r, 99);
	int bad = 0;
	for (int i = 0; i < 1000000; i++) {
		uint32_t x = (uint32_t)rng_u64(&r);
		float f = bits_float(x);
		if (isnan(f))
			continue;
		_Float16 c = (_Float16)f;
		uint16_t want;
		memcpy(&want, &c, sizeof want);
		bad += half_from_float(f) != want;
	}
	CHECK_INT(bad, 0);
}
#endif

/* bfloat16: every value through float and back, the midpoints between
 * neighbours, and the edges. */
static void test_bf16(void)
{
	int bad = 0, nans = 0;
	for (uint32_t h = 0; h < 65536; h++) {
		float f = bf16_to_float((uint16_t)h);
		if ((h & 0x7f80u) == 0x7f80u && (h & 0x7fu)) {
			nans += isnan(f) && isnan(bf16_to_float(bf16_from_float(f)));
			continue;
		}
		bad += bf16_from_float(f) != h;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(nans, 2 * 127);
	bad = 0;
	for (uint32_t a = 0; a < 0x7f7fu; a += 7) {
		uint32_t b = a + 1;
		double lo = bf16_to_float((uint16_t)a), hi = bf16_to_float((uint16_t)b);
		float mid = (float)((lo + hi) / 2);
		uint16_t even = (a & 1u) ? (uint16_t)b : (uint16_t)a;
		bad += bf16_from_float(mid) != even;
		bad += bf16_from_float(nextafterf(mid, INFINITY)) != b;
		bad += bf16_from_float(nextafterf(mid, 0.0f)) != a;
		bad += bf16_from_float(-mid) != (even | 0x8000u);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(bf16_from_float(1.0f), 0x3f80u);
	CHECK_INT(bf16_from_float(3.4e38f), 0x7f80u); /* past the largest: infinity */
	CHECK_NEAR(bf16_to_float(0xc000u), -2.0, 0);
	float in[3] = {1.5f, -0.25f, 1e-3f}, out[3];
	uint16_t mid[3];
	bf16_from_floats(mid, in, 3);
	bf16_to_floats(out, mid, 3);
	CHECK_NEAR(out[0], 1.5, 0);
	CHECK_NEAR(out[1], -0.25, 0);
	CHECK_NEAR(out[2], 1e-3, 1e-3 / 128);
}

int main(void)
{
	test_bf16();
	test_round_trip();
	test_midpoints();
	test_arrays();
#ifdef __FLT16_MAX__
	test_against_compiler();
#else
	printf("test_half: no _Float16 in this compiler: the comparison with it is skipped\n");
#endif
	return check_report("test_half");
}
