/* pred_lin.c: linear regression on the group features.
 *
 * Least squares through the normal equations, solved by Cholesky in
 * double. With a few dozen standardised features the system is tiny and
 * well scaled, so LAPACK (whose static build needs the Fortran runtime)
 * buys nothing. A ridge of 1e-6 per row keeps the system positive
 * definite when a feature is constant in the training rows (a slot no
 * group fills standardises to all zeros).
 */
#include "pred_trained.h"

#include <math.h>
#include <stdio.h>

typedef struct lin {
	int d;
	double w[PRED_MAX_FEAT + 1]; /* w[d] is the intercept */
} lin;

/* Solves A z = b in place for symmetric positive definite A (m x m). */
static int lin_cholesky_solve(double *a, double *b, int m)
{
	for (int j = 0; j < m; j++) {
		double s = a[j * m + j];
		for (int k = 0; k < j; k++)
			s -= a[j * m + k] * a[j * m + k];
		if (!(s > 0))
			return -1;
		double l = sqrt(s);
		a[j * m + j] = l;
		for (int i = j + 1; i < m; i++) {
			double t = a[i * m + j];
			for (int k = 0; k < j; k++)
				t -= a[i * m + k] * a[j * m + k];
			a[i * m + j] = t / l;
		}
	}
	for (int i = 0; i < m; i++) {
		double t = b[i];
		for (int k = 0; k < i; k++)
			t -= a[i * m + k] * b[k];
		b[i] = t / a[i * m + i];
	}
	for (int i = m - 1; i >= 0; i--) {
		double t = b[i];
		for (int k = i + 1; k < m; k++)
			t -= a[k * m + i] * b[k];
		b[i] = t / a[i * m + i];
	}
	return 0;
}

static int lin_fit(const pred_rows *r, uint64_t seed, void **out, char *err, size_t errlen)
{
	(void)seed; /* least squares has one answer */
	if (r->d > PRED_MAX_FEAT || r->n < 1) {
		snprintf(err, errlen, "linear regression: %d rows of %d features (need rows, at most %d features)",
		         r->n, r->d, PRED_MAX_FEAT);
		return -1;
	}
	int m = r->d + 1;
	double *a = calloc((size_t)m * (size_t)m, sizeof *a);
	lin *l = calloc(1, sizeof *l);
	if (!a || !l) {
		free(a);
		free(l);
		snprintf(err, errlen, "out of memory fitting the linear regression");
		return -1;
	}
	double *b = l->w;
	double z[PRED_MAX_FEAT + 1];
	for (int i = 0; i < r->n; i++) {
		const float *x = r->x + (size_t)i * (size_t)r->d;
		for (int j = 0; j < r->d; j++)
			z[j] = x[j];
		z[r->d] = 1.0;
		for (int j = 0; j < m; j++) {
			b[j] += z[j] * r->y[i];
			for (int k = 0; k <= j; k++)
				a[j * m + k] += z[j] * z[k];
		}
	}
	for (int j = 0; j < m; j++)
		for (int k = j + 1; k < m; k++)
			a[j * m + k] = a[k * m + j];
	for (int j = 0; j < r->d; j++)
		a[j * m + j] += 1e-6 * r->n;
	l->d = r->d;
	int rc = lin_cholesky_solve(a, b, m);
	free(a);
	if (rc) {
		free(l);
		snprintf(err, errlen, "linear regression: the normal equations are singular");
		return -1;
	}
	*out = l;
	return 0;
}

static void lin_predict(const void *m, const float *x, int n, int d, float *y)
{
	const lin *l = m;
	for (int i = 0; i < n; i++) {
		const float *row = x + (size_t)i * (size_t)d;
		double s = l->w[d];
		for (int j = 0; j < d; j++)
			s += l->w[j] * row[j];
		y[i] = (float)s;
	}
}

static int lin_encode(const void *m, pred_buf *b)
{
	const lin *l = m;
	pred_put_u32(b, (uint32_t)l->d + 1);
	for (int j = 0; j <= l->d; j++)
		pred_put_f64(b, l->w[j]);
	return b->oom ? -1 : 0;
}

static int lin_decode(pred_rd *r, int d, void **out, char *err, size_t errlen)
{
	uint32_t m = pred_get_u32(r);
	if (r->bad || d > PRED_MAX_FEAT || m != (uint32_t)d + 1) {
		snprintf(err, errlen, "linear regression blob: %u coefficients for %d features",
		         (unsigned)m, d);
		return -1;
	}
	lin *l = calloc(1, sizeof *l);
	if (!l) {
		snprintf(err, errlen, "out of memory loading the linear regression");
		return -1;
	}
	l->d = d;
	for (int j = 0; j <= d; j++)
		l->w[j] = pred_get_f64(r);
	if (r->bad) {
		free(l);
		snprintf(err, errlen, "linear regression blob is truncated");
		return -1;
	}
	*out = l;
	return 0;
}

static void lin_free(void *m)
{
	free(m);
}

const pred_learner pred_lin_learner = {"lr", lin_fit, lin_predict, lin_encode, lin_decode,
                                       lin_free};
