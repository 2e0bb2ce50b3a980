/* pred_lsvr.c: a linear epsilon-SVR, through liblinear.
 *
 * The Abacus paper compared its MLP with linear regression and a linear
 * SVM; this is that SVM, beside the RBF one of pred_svm.c. liblinear
 * solves the dual by coordinate descent (L2-regularised, epsilon-
 * insensitive loss) and leaves a weight vector: a linear model like lr's
 * (pred_linear), stored and evaluated by pred_lin.c's code, so predict is
 * a dot product that neither allocates nor calls liblinear.
 *
 * liblinear permutes the rows with rand(): the fit seeds it (srand) so
 * that the same rows and seed give the same weights. rand()'s state is
 * the C library's, not ours; nothing else here draws from it.
 */
#include "pred_trained.h"

#include <linear.h>
#include <math.h>
#include <stdio.h>

typedef pred_linear lsvr;

static void lsvr_quiet(const char *s)
{
	(void)s; /* liblinear's iteration notes have no place on our stdout */
}

static int lsvr_fit(const pred_rows *r, uint64_t seed, void **out, char *err, size_t errlen)
{
	if (r->n < 2 || r->d < 1 || r->d > PRED_MAX_FEAT) {
		snprintf(err, errlen, "lsvr: %d rows of %d features (need 2 rows, at most %d features)",
		         r->n, r->d, PRED_MAX_FEAT);
		return -1;
	}
	/* each row: d features, the bias node, the end marker */
	struct feature_node *nodes = malloc((size_t)r->n * (size_t)(r->d + 2) * sizeof *nodes);
	struct feature_node **xs = malloc((size_t)r->n * sizeof *xs);
	double *ys = malloc((size_t)r->n * sizeof *ys);
	lsvr *l = calloc(1, sizeof *l);
	struct model *m = NULL;
	int status = -1;
	if (!nodes || !xs || !ys || !l) {
		snprintf(err, errlen, "out of memory training the lsvr");
		goto done;
	}
	for (int i = 0; i < r->n; i++) {
		const float *x = r->x + (size_t)i * (size_t)r->d;
		struct feature_node *row = nodes + (size_t)i * (size_t)(r->d + 2);
		for (int k = 0; k < r->d; k++)
			row[k] = (struct feature_node){k + 1, x[k]};
		row[r->d] = (struct feature_node){r->d + 1, 1.0}; /* the bias feature */
		row[r->d + 1] = (struct feature_node){-1, 0};
		xs[i] = row;
		ys[i] = r->y[i];
	}
	struct problem prob = {.l = r->n, .n = r->d + 1, .y = ys, .x = xs, .bias = 1.0};
	/* Standardised features and target: epsilon 0.02 of the target's
	 * spread as the RBF SVR has, C = 1 and stopping tolerance 0.1 are
	 * liblinear's defaults for this solver. */
	struct parameter par = {.solver_type = L2R_L1LOSS_SVR_DUAL, .eps = 0.1, .C = 1, .p = 0.02};
	const char *bad = check_parameter(&prob, &par);
	if (bad) {
		snprintf(err, errlen, "lsvr: liblinear refuses the parameters: %s", bad);
		goto done;
	}
	set_print_string_function(lsvr_quiet);
	srand((unsigned)(seed ^ (seed >> 32)));
	if (!(m = train(&prob, &par))) {
		snprintf(err, errlen, "lsvr: liblinear's train failed");
		goto done;
	}
	/* with a bias, liblinear counts the features without it and keeps
	 * its weight last, w[d] */
	if (get_nr_feature(m) != r->d) {
		snprintf(err, errlen, "lsvr: liblinear returned a model of %d features for %d",
		         get_nr_feature(m), r->d);
		goto done;
	}
	l->d = r->d;
	for (int j = 0; j <= r->d; j++) {
		l->w[j] = m->w[j];
		if (!isfinite(l->w[j])) {
			snprintf(err, errlen, "lsvr: liblinear returned a weight that is not finite");
			goto done;
		}
	}
	*out = l;
	l = NULL;
	status = 0;
done:
	if (m)
		free_and_destroy_model(&m);
	free(l);
	free(nodes);
	free(xs);
	free(ys);
	return status;
}

const pred_learner pred_lsvr_learner = {
    .kind = "lsvr",
    .what = "linear epsilon-SVR (liblinear), the paper's SVM",
    .fit = lsvr_fit,
    .predict = pred_linear_predict,
    .encode = pred_linear_encode,
    .decode = pred_linear_decode,
    .free = pred_linear_free,
};
