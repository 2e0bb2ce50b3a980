/* pred_lin.c: linear regression on the group features.
 *
 * Least squares by LAPACK's dgelsd (SVD): a slot that no training group
 * fills standardises to an all-zero column, and the SVD gives such a
 * rank-deficient problem its minimum-norm answer instead of failing.
 */
#include "pred_trained.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>

typedef pred_linear lin;

static int lin_fit(const pred_rows *r, uint64_t seed, void **out, char *err, size_t errlen)
{
	(void)seed; /* least squares has one answer */
	if (r->d > PRED_MAX_FEAT || r->n < 1) {
		snprintf(err, errlen,
		         "linear regression: %d rows of %d features (need rows, at most %d features)",
		         r->n, r->d, PRED_MAX_FEAT);
		return -1;
	}
	int m = r->d + 1; /* features and the intercept */
	int rows = r->n > m ? r->n : m;
	double *a = calloc((size_t)r->n * (size_t)m, sizeof *a);
	double *b = calloc((size_t)rows, sizeof *b);
	double *sv = calloc((size_t)m, sizeof *sv);
	lin *l = calloc(1, sizeof *l);
	if (!a || !b || !sv || !l) {
		free(a);
		free(b);
		free(sv);
		free(l);
		snprintf(err, errlen, "out of memory fitting the linear regression");
		return -1;
	}
	for (int i = 0; i < r->n; i++) {
		const float *x = r->x + (size_t)i * (size_t)r->d;
		for (int j = 0; j < r->d; j++)
			a[(size_t)i * (size_t)m + (size_t)j] = x[j];
		a[(size_t)i * (size_t)m + (size_t)r->d] = 1.0;
		b[i] = r->y[i];
	}
	lapack_int rank = 0;
	lapack_int info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, r->n, m, 1, a, m, b, 1, sv, 1e-10, &rank);
	if (info == 0) {
		l->d = r->d;
		for (int j = 0; j < m; j++)
			l->w[j] = b[j];
	}
	free(a);
	free(b);
	free(sv);
	if (info != 0) {
		free(l);
		snprintf(err, errlen, "linear regression: LAPACKE_dgelsd failed (info %d)", (int)info);
		return -1;
	}
	*out = l;
	return 0;
}

void pred_linear_predict(const void *m, const float *x, int n, int d, float *y)
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

int pred_linear_encode(const void *m, pred_buf *b)
{
	const lin *l = m;
	pred_put_u32(b, (uint32_t)l->d + 1);
	for (int j = 0; j <= l->d; j++)
		pred_put_f64(b, l->w[j]);
	return b->oom ? -1 : 0;
}

int pred_linear_decode(pred_rd *r, int d, void **out, char *err, size_t errlen)
{
	uint32_t m = pred_get_u32(r);
	if (r->bad || d > PRED_MAX_FEAT || m != (uint32_t)d + 1) {
		snprintf(err, errlen, "linear model blob: %u coefficients for %d features",
		         (unsigned)m, d);
		return -1;
	}
	lin *l = calloc(1, sizeof *l);
	if (!l) {
		snprintf(err, errlen, "out of memory loading the linear model");
		return -1;
	}
	l->d = d;
	for (int j = 0; j <= d; j++)
		l->w[j] = pred_get_f64(r);
	if (r->bad) {
		free(l);
		snprintf(err, errlen, "linear model blob is truncated");
		return -1;
	}
	*out = l;
	return 0;
}

void pred_linear_free(void *m)
{
	free(m);
}

const pred_learner pred_lin_learner = {
    .kind = "lr",
    .what = "linear least squares",
    .fit = lin_fit,
    .predict = pred_linear_predict,
    .encode = pred_linear_encode,
    .decode = pred_linear_decode,
    .free = pred_linear_free,
};
