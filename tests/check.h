/* check.h: the few assertion macros the C tests share. A failed check
 * prints file:line, the expression and the values, and counts; main
 * returns check_report(). */
#ifndef ABACUS_CHECK_H
#define ABACUS_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			check_failures++;                                            \
		}                                                                    \
	} while (0)

#define CHECK_INT(a, b)                                                                        \
	do {                                                                                   \
		long long va_ = (long long)(a), vb_ = (long long)(b);                          \
		if (va_ != vb_) {                                                              \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, \
			        #a, #b, va_, vb_);                                             \
			check_failures++;                                                      \
		}                                                                              \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                                  \
	do {                                                                                   \
		double va_ = (double)(a), vb_ = (double)(b);                                   \
		if (!(fabs(va_ - vb_) <= (tol))) {                                             \
			fprintf(stderr, "%s:%d: %s ~= %s failed: %.9g vs %.9g (tol %g)\n", __FILE__, \
			        __LINE__, #a, #b, va_, vb_, (double)(tol));                    \
			check_failures++;                                                      \
		}                                                                              \
	} while (0)

#define CHECK_STR_HAS(s, sub)                                                                  \
	do {                                                                                   \
		const char *vs_ = (s);                                                         \
		if (!vs_ || !strstr(vs_, (sub))) {                                             \
			fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, \
			        vs_ ? vs_ : "(null)", (sub));                                  \
			check_failures++;                                                      \
		}                                                                              \
	} while (0)

static inline int check_report(const char *name)
{
	if (check_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}

#endif
