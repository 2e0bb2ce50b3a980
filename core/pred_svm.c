/* pred_svm.c: epsilon-SVR with an RBF kernel, through libsvm.
 *
 * libsvm keeps a trained model's support vectors inside the training
 * problem and serialises only to a file, so a fit saves the model to a
 * temporary file, reads that text back (it is what the blob stores) and
 * reloads it as a model that owns its vectors. Training is O(n^2) in
 * rows: beyond SVM_MAX_ROWS a seeded sample of the rows is used.
 * Prediction calls svm_predict_values, which, unlike svm_predict, does
 * not allocate for regression.
 */
#include "pred_trained.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <libsvm/svm.h>

#include "rng.h"

enum { SVM_MAX_ROWS = 4000 };

typedef struct svr {
	int d;
	struct svm_model *model;
	char *text; /* the model as libsvm writes it */
	size_t len;
} svr;

static void svr_quiet(const char *s)
{
	(void)s; /* libsvm's progress dots have no place on our stdout */
}

static void svr_free(void *p)
{
	svr *s = p;
	if (!s)
		return;
	svm_free_and_destroy_model(&s->model);
	free(s->text);
	free(s);
}

static int svr_tmpfile(char *path, size_t len, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, len, "%s/abacus-svr-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, errlen, "svm: cannot create a temporary file in %s: %s",
		         dir && *dir ? dir : "/tmp", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* svm_load_model with libsvm's own complaints about a damaged file
 * ("unknown svm type.", ...) kept off stderr, where they would stand
 * beside our one-line error: stderr points at /dev/null while it reads.
 * Models load before a run's threads start, so nothing else is writing. */
static struct svm_model *svm_load_quiet(const char *path)
{
	fflush(stderr);
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
	int quiet = saved >= 0 && null >= 0 && dup2(null, STDERR_FILENO) >= 0;
	struct svm_model *m = svm_load_model(path);
	if (quiet) {
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
	}
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	return m;
}

/* Loads model text through a temporary file (libsvm reads files only). */
static struct svm_model *svr_from_text(const char *text, size_t len, char *err, size_t errlen)
{
	char path[512];
	if (svr_tmpfile(path, sizeof path, err, errlen))
		return NULL;
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(text, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok) {
		snprintf(err, errlen, "svm: cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return NULL;
	}
	struct svm_model *m = svm_load_quiet(path);
	unlink(path);
	if (!m)
		snprintf(err, errlen, "svm: libsvm cannot read the stored model text");
	else if (svm_get_svm_type(m) != EPSILON_SVR) {
		svm_free_and_destroy_model(&m);
		snprintf(err, errlen, "svm: the stored model is not an epsilon-SVR");
	}
	return m;
}

static int svr_fit(const pred_rows *r, uint64_t seed, void **out, char *err, size_t errlen)
{
	if (r->n < 2 || r->d < 1 || r->d > PRED_MAX_FEAT) {
		snprintf(err, errlen, "svm: %d rows of %d features (need 2 rows, at most %d features)",
		         r->n, r->d, PRED_MAX_FEAT);
		return -1;
	}
	int n = r->n < SVM_MAX_ROWS ? r->n : SVM_MAX_ROWS;
	int *idx = malloc((size_t)r->n * sizeof *idx);
	struct svm_node *nodes = malloc((size_t)n * (size_t)(r->d + 1) * sizeof *nodes);
	struct svm_node **xs = malloc((size_t)n * sizeof *xs);
	double *ys = malloc((size_t)n * sizeof *ys);
	svr *s = calloc(1, sizeof *s);
	struct svm_model *trained = NULL;
	char path[512] = "";
	FILE *f = NULL;
	int status = -1;
	if (!idx || !nodes || !xs || !ys || !s) {
		snprintf(err, errlen, "out of memory training the svm");
		goto done;
	}
	for (int i = 0; i < r->n; i++)
		idx[i] = i;
	if (n < r->n) {
		rng g;
		rng_seed(&g, seed);
		for (int i = 0; i < n; i++) {
			int j = i + (int)rng_below(&g, (uint32_t)(r->n - i));
			int t = idx[i];
			idx[i] = idx[j];
			idx[j] = t;
		}
	}
	for (int i = 0; i < n; i++) {
		const float *x = r->x + (size_t)idx[i] * (size_t)r->d;
		struct svm_node *row = nodes + (size_t)i * (size_t)(r->d + 1);
		for (int k = 0; k < r->d; k++) {
			row[k].index = k + 1;
			row[k].value = x[k];
		}
		row[r->d].index = -1;
		xs[i] = row;
		ys[i] = r->y[idx[i]];
	}
	struct svm_problem prob = {n, ys, xs};
	struct svm_parameter par;
	memset(&par, 0, sizeof par);
	par.svm_type = EPSILON_SVR;
	par.kernel_type = RBF;
	/* Standardised features and target: gamma 1/d is libsvm's own
	 * default; epsilon 0.02 of the target's spread is below the noise of
	 * measured durations; C = 10 was the best of 1, 10, 100 on simulated
	 * groups. */
	par.gamma = 1.0 / r->d;
	par.C = 10;
	par.p = 0.02;
	par.eps = 1e-3;
	par.cache_size = 100;
	par.shrinking = 1;
	const char *bad = svm_check_parameter(&prob, &par);
	if (bad) {
		snprintf(err, errlen, "svm: libsvm refuses the parameters: %s", bad);
		goto done;
	}
	svm_set_print_string_function(svr_quiet);
	trained = svm_train(&prob, &par);
	if (!trained) {
		snprintf(err, errlen, "svm: svm_train failed");
		goto done;
	}
	if (svr_tmpfile(path, sizeof path, err, errlen))
		goto done;
	if (svm_save_model(path, trained) != 0) {
		snprintf(err, errlen, "svm: svm_save_model could not write %s", path);
		goto done;
	}
	f = fopen(path, "rb");
	long len = -1;
	if (f && fseek(f, 0, SEEK_END) == 0)
		len = ftell(f);
	if (len <= 0 || fseek(f, 0, SEEK_SET) != 0 || !(s->text = malloc((size_t)len)) ||
	    fread(s->text, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "svm: cannot read back the model from %s", path);
		goto done;
	}
	s->len = (size_t)len;
	s->d = r->d;
	if (!(s->model = svr_from_text(s->text, s->len, err, errlen)))
		goto done;
	*out = s;
	s = NULL;
	status = 0;
done:
	if (f)
		fclose(f);
	if (path[0])
		unlink(path);
	svm_free_and_destroy_model(&trained);
	svr_free(s);
	free(idx);
	free(nodes);
	free(xs);
	free(ys);
	return status;
}

static void svr_predict(const void *p, const float *x, int n, int d, float *y)
{
	const svr *s = p;
	struct svm_node row[PRED_MAX_FEAT + 1];
	for (int i = 0; i < n; i++) {
		const float *xi = x + (size_t)i * (size_t)d;
		for (int k = 0; k < d; k++) {
			row[k].index = k + 1;
			row[k].value = xi[k];
		}
		row[d].index = -1;
		double v = 0;
		svm_predict_values(s->model, row, &v);
		y[i] = (float)v;
	}
}

static int svr_encode(const void *p, pred_buf *b)
{
	const svr *s = p;
	pred_put_u64(b, s->len);
	pred_put(b, s->text, s->len);
	return b->oom ? -1 : 0;
}

static int svr_decode(pred_rd *r, int d, void **out, char *err, size_t errlen)
{
	uint64_t len = pred_get_u64(r);
	const uint8_t *text = r->bad ? NULL : pred_get(r, (size_t)len);
	if (!text || len == 0 || d < 1 || d > PRED_MAX_FEAT) {
		snprintf(err, errlen, "svm blob is truncated");
		return -1;
	}
	svr *s = calloc(1, sizeof *s);
	if (s)
		s->text = malloc((size_t)len);
	if (!s || !s->text) {
		svr_free(s);
		snprintf(err, errlen, "out of memory loading the svm");
		return -1;
	}
	memcpy(s->text, text, (size_t)len);
	s->len = (size_t)len;
	s->d = d;
	if (!(s->model = svr_from_text(s->text, s->len, err, errlen))) {
		svr_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

const pred_learner pred_svm_learner = {
    .kind = "svm",
    .what = "support vector regression (libsvm, RBF kernel)",
    .fit = svr_fit,
    .predict = svr_predict,
    .encode = svr_encode,
    .decode = svr_decode,
    .free = svr_free,
};
