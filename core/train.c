/* train.c: trained predictors: data, fitting, evaluation, storage and
 * the `abacus train` command.
 *
 * Why it is built this way:
 *  - Learners see standardised features and a standardised target only;
 *    the standardisation, the feature code and the conversion back to a
 *    duration live here once for all of them.
 *  - The predictor's hot path (trained_predict) works in chunks of
 *    TRAIN_CHUNK groups on scratch space inside its context: no
 *    allocation per call, whatever n the caller passes.
 *  - The stored model of `abacus train` is fitted on all the rows given,
 *    after its error was measured on held-out rows (split, folds or
 *    left-out pairs): the error stored with it is an honest estimate for
 *    groups it has not seen, and no measured group is wasted.
 *  - A predictor is a file beside the data it was trained on, named by
 *    kind, and its header names that data by digest: a run that finds the
 *    data changed under it trains a new one rather than trust the old.
 */
#include "train.h"
#include "buf.h"
#include "progress.h"

#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "clk.h"
#include "data.h"
#include "hash.h"
#include "rng.h"

enum { TRAIN_CHUNK = 16 };


struct train_model {
	const pred_learner *L;
	const feat_set *fs;
	char kind[32]; /* the learner's, with "@<set>" for a set not ours */
	void *state;
	int d;
	double xm[PRED_MAX_FEAT], xs[PRED_MAX_FEAT]; /* x_std = (x - xm) / xs */
	double ym, ys;                               /* y_std = (y - ym) / ys */
	/* xm and 1 / xs in float: the hot path multiplies, never divides. */
	float fxm[PRED_MAX_FEAT], fxinv[PRED_MAX_FEAT];
};

static void train_model_prepare(train_model *m)
{
	for (int j = 0; j < m->d; j++) {
		m->fxm[j] = (float)m->xm[j];
		m->fxinv[j] = (float)(1.0 / m->xs[j]);
	}
}

const pred_learner *train_learner(const char *kind)
{
	const pred_learner *L = pred_learner_find(kind);
	return L && L->fit ? L : NULL;
}

/* "lr" for ours, "lr@paper" for the paper's features. */
static void train_kind_name(char *buf, size_t len, const pred_learner *L, const feat_set *fs)
{
	if (fs == &feat_ours)
		snprintf(buf, len, "%s", L->kind);
	else
		snprintf(buf, len, "%s@%s", L->kind, fs->name);
}

/* "unknown predictor 'x' (trained ones: mlp, lr, svm, each also @paper)" */
static int unknown_learner(const char *kind, char *err, size_t errlen)
{
	char names[128];
	pred_learner_names(1, names, sizeof names);
	snprintf(err, errlen, "unknown predictor '%s' (trained ones: %s, each also as "
	         "<name>@paper on the paper's features)", kind ? kind : "", names);
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void train_combo_name(const char *const *names, int n, char *out, size_t len)
{
	const char *sorted[SMP_MAX_SEG];
	size_t used = 0;
	if (n > SMP_MAX_SEG)
		n = SMP_MAX_SEG;
	memcpy(sorted, names, (size_t)n * sizeof *sorted);
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
	out[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "+" : "", sorted[i]);
}

/* ---- data ------------------------------------------------------------- */

void train_data_free(train_data *d)
{
	if (!d)
		return;
	free(d->x);
	free(d->base_ns);
	free(d->truth_ns);
	free(d->combo);
	free(d->combos);
	memset(d, 0, sizeof *d);
}

int train_data_build(train_data *out, const smp_set *s, const prof *p, char *err, size_t errlen)
{
	return train_data_build_set(out, s, p, &feat_ours, err, errlen);
}

int train_data_build_set(train_data *out, const smp_set *s, const prof *p, const feat_set *fs,
                         char *err, size_t errlen)
{
	zoo_model *models[64];
	int n_models = 0, status = -1;
	feat *f = NULL;
	train_data d = {0};

	memset(out, 0, sizeof *out);
	if (s->n == 0) {
		snprintf(err, errlen, "no measured groups to train on");
		return -1;
	}
	size_t n = s->n;
	d.n = (int)n;
	d.d = fs->count;
	d.fs = fs;
	d.x = malloc(n * (size_t)fs->count * sizeof *d.x);
	d.base_ns = malloc(n * sizeof *d.base_ns);
	d.truth_ns = malloc(n * sizeof *d.truth_ns);
	d.combo = malloc(n * sizeof *d.combo);
	d.combos = calloc(n, sizeof *d.combos);
	if (!d.x || !d.base_ns || !d.truth_ns || !d.combo || !d.combos) {
		snprintf(err, errlen, "out of memory building the training rows");
		goto done;
	}
	/* Every distinct model becomes one service of a feature context. */
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < s->g[i].n; k++) {
			const char *name = s->g[i].seg[k].model;
			int found = 0;
			for (int m = 0; m < n_models && !found; m++)
				found = strcmp(models[m]->name, name) == 0;
			if (found)
				continue;
			if (n_models == (int)(sizeof models / sizeof models[0])) {
				snprintf(err, errlen, "too many distinct models in the samples");
				goto done;
			}
			char zerr[512];
			if (!(models[n_models] = zoo_model_new(name, zerr, sizeof zerr))) {
				snprintf(err, errlen, "sample %zu (%s): %s", i + 1, s->g[i].combo, zerr);
				goto done;
			}
			n_models++;
			/* features of estimated ops would teach the predictor guesses */
			if (prof_check_model(p, models[n_models - 1], err, errlen))
				goto done;
		}
	if (!(f = feat_new_set(fs, p, (const zoo_model *const *)models, n_models, err, errlen)))
		goto done;
	for (size_t i = 0; i < n; i++) {
		const smp_group *g = &s->g[i];
		dev_segment seg[SMP_MAX_SEG];
		const char *names[SMP_MAX_SEG];
		for (int k = 0; k < g->n; k++) {
			int m = 0;
			while (strcmp(models[m]->name, g->seg[k].model) != 0)
				m++;
			seg[k] = (dev_segment){m, g->seg[k].batch, g->seg[k].seq, g->seg[k].start,
			                       g->seg[k].end, 1};
			names[k] = g->seg[k].model;
		}
		dev_group grp = {g->n, seg};
		if (feat_group(f, &grp, d.x + i * (size_t)fs->count, &d.base_ns[i])) {
			snprintf(err, errlen,
			         "sample %zu (%s): an op range lies outside its model, or out of memory",
			         i + 1, g->combo);
			goto done;
		}
		d.truth_ns[i] = g->median_us * 1e3;
		if (!(d.base_ns[i] > 0) || !(d.truth_ns[i] > 0) || !isfinite(d.truth_ns[i])) {
			snprintf(err, errlen,
			         "sample %zu (%s): a group needs ops and a positive measured time", i + 1,
			         g->combo);
			goto done;
		}
		char key[sizeof d.combos[0]];
		train_combo_name(names, g->n, key, sizeof key);
		int c = 0;
		while (c < d.n_combos && strcmp(d.combos[c], key) != 0)
			c++;
		if (c == d.n_combos)
			snprintf(d.combos[d.n_combos++], sizeof d.combos[0], "%s", key);
		d.combo[i] = c;
	}
	*out = d;
	memset(&d, 0, sizeof d);
	status = 0;
done:
	feat_free(f);
	for (int m = 0; m < n_models; m++)
		zoo_model_free(models[m]);
	train_data_free(&d);
	return status;
}

/* ---- models ----------------------------------------------------------- */

void train_model_free(train_model *m)
{
	if (!m)
		return;
	if (m->L && m->state)
		m->L->free(m->state);
	free(m);
}

const char *train_model_kind(const train_model *m)
{
	return m->kind;
}

/* log(duration / base), kept in a range that no real group leaves: it
 * guards exp() against a wild extrapolation. A set that learns durations
 * (the paper's) has base 1 ms and its target is duration / base; a
 * prediction under 1 us is taken as 1 us. */
static double train_target(const feat_set *fs, double truth, double base)
{
	return fs->log_ratio ? log(truth / base) : truth / base;
}

static double train_untarget(const feat_set *fs, double y, double base)
{
	if (!fs->log_ratio)
		return (y > 1e-3 ? y : 1e-3) * base;
	if (!(y > -2))
		y = -2;
	if (y > 4)
		y = 4;
	return exp(y) * base;
}

int train_fit(const char *kind, const train_data *d, const int *rows, int n, uint64_t seed,
              train_model **out, char *err, size_t errlen)
{
	const pred_learner *L = train_learner(kind);
	const feat_set *fs = feat_set_of_kind(kind);
	if (!L || !fs)
		return unknown_learner(kind, err, errlen);
	if (d->fs != fs || d->d != fs->count) {
		snprintf(err, errlen, "%s: the training rows hold %s features, not %s", kind,
		         d->fs ? d->fs->name : "other", fs->name);
		return -1;
	}
	if (n < 2) {
		snprintf(err, errlen, "%s: %d training rows are too few", kind, n);
		return -1;
	}
	train_model *m = calloc(1, sizeof *m);
	float *x = malloc((size_t)n * (size_t)d->d * sizeof *x);
	float *y = malloc((size_t)n * sizeof *y);
	int status = -1;
	if (!m || !x || !y) {
		snprintf(err, errlen, "out of memory training the %s predictor", kind);
		goto done;
	}
	m->L = L;
	m->fs = fs;
	train_kind_name(m->kind, sizeof m->kind, L, fs);
	m->d = d->d;
	for (int j = 0; j < d->d; j++) {
		double s = 0, ss = 0;
		for (int i = 0; i < n; i++) {
			double v = d->x[(size_t)(rows ? rows[i] : i) * (size_t)d->d + (size_t)j];
			s += v;
			ss += v * v;
		}
		double mean = s / n, var = ss / n - mean * mean;
		m->xm[j] = mean;
		/* A constant feature (an empty slot) standardises to 0. */
		m->xs[j] = var > 1e-12 ? sqrt(var) : 1.0;
	}
	double s = 0, ss = 0;
	for (int i = 0; i < n; i++) {
		int r = rows ? rows[i] : i;
		double t = train_target(fs, d->truth_ns[r], d->base_ns[r]);
		s += t;
		ss += t * t;
	}
	m->ym = s / n;
	double var = ss / n - m->ym * m->ym;
	m->ys = var > 1e-12 ? sqrt(var) : 1.0;
	for (int i = 0; i < n; i++) {
		int r = rows ? rows[i] : i;
		const float *src = d->x + (size_t)r * (size_t)d->d;
		for (int j = 0; j < d->d; j++)
			x[(size_t)i * (size_t)d->d + (size_t)j] = (float)((src[j] - m->xm[j]) / m->xs[j]);
		y[i] = (float)((train_target(fs, d->truth_ns[r], d->base_ns[r]) - m->ym) / m->ys);
	}
	train_model_prepare(m);
	pred_rows pr = {n, d->d, x, y};
	if (L->fit(&pr, seed, &m->state, err, errlen))
		goto done;
	*out = m;
	m = NULL;
	status = 0;
done:
	train_model_free(m);
	free(x);
	free(y);
	return status;
}

/* Predicts up to TRAIN_CHUNK rows of raw features: standardises into
 * scratch, runs the learner, converts back to ns. */
static void train_chunk(const train_model *m, const float *raw, const double *base, int n,
                        float *scratch, double *out_ns)
{
	float y[TRAIN_CHUNK];
	const int d = m->d;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			scratch[i * d + j] = (raw[i * d + j] - m->fxm[j]) * m->fxinv[j];
	m->L->predict(m->state, scratch, n, d, y);
	for (int i = 0; i < n; i++)
		out_ns[i] = base[i] > 0 ? train_untarget(m->fs, y[i] * m->ys + m->ym, base[i]) : 0;
}

int train_model_predict_rows(const train_model *m, const train_data *d, const int *rows, int n,
                             double *out_ns)
{
	float raw[TRAIN_CHUNK * PRED_MAX_FEAT], scratch[TRAIN_CHUNK * PRED_MAX_FEAT];
	double base[TRAIN_CHUNK];
	if (d->d != m->d)
		return -1;
	for (int s = 0; s < n; s += TRAIN_CHUNK) {
		int c = n - s < TRAIN_CHUNK ? n - s : TRAIN_CHUNK;
		for (int i = 0; i < c; i++) {
			int r = rows ? rows[s + i] : s + i;
			memcpy(raw + i * d->d, d->x + (size_t)r * (size_t)d->d,
			       (size_t)d->d * sizeof *raw);
			base[i] = d->base_ns[r];
		}
		train_chunk(m, raw, base, c, scratch, out_ns + s);
	}
	return 0;
}

void train_errors(const train_data *d, const int *rows, int n, const double *pred_ns,
                  double *mae_ms, double *mape)
{
	double ae = 0, ape = 0;
	for (int i = 0; i < n; i++) {
		double t = d->truth_ns[rows ? rows[i] : i];
		ae += fabs(pred_ns[i] - t);
		ape += fabs(pred_ns[i] - t) / t;
	}
	*mae_ms = n ? ae / n * 1e-6 : 0;
	*mape = n ? 100.0 * ape / n : 0;
}

/* ---- blobs ------------------------------------------------------------ */

uint64_t train_checksum(const uint8_t *p, size_t n)
{
	return hash_bytes(HASH_INIT, p, n);
}

int train_model_encode(const train_model *m, uint8_t **blob, size_t *len, char *err,
                       size_t errlen)
{
	pred_buf b = {0};
	size_t kl = strlen(m->kind);
	pred_put(&b, "ABPR", 4);
	pred_put_u32(&b, TRAIN_BLOB_VERSION);
	pred_put_u32(&b, (uint32_t)m->fs->version);
	pred_put_u32(&b, (uint32_t)m->d);
	pred_put_u32(&b, (uint32_t)kl);
	pred_put(&b, m->kind, kl);
	for (int j = 0; j < m->d; j++)
		pred_put_f64(&b, m->xm[j]);
	for (int j = 0; j < m->d; j++)
		pred_put_f64(&b, m->xs[j]);
	pred_put_f64(&b, m->ym);
	pred_put_f64(&b, m->ys);
	if (b.oom || m->L->encode(m->state, &b) || b.oom) {
		free(b.p);
		snprintf(err, errlen, "out of memory encoding the %s predictor", m->kind);
		return -1;
	}
	*blob = b.p;
	*len = b.n;
	return 0;
}

int train_model_decode(const uint8_t *blob, size_t len, train_model **out, char *err,
                       size_t errlen)
{
	pred_rd r = {blob, len, 0, 0};
	const uint8_t *magic = pred_get(&r, 4);
	if (!magic || memcmp(magic, "ABPR", 4) != 0) {
		snprintf(err, errlen, "not a predictor blob (bad magic)");
		return -1;
	}
	uint32_t ver = pred_get_u32(&r), fver = pred_get_u32(&r), d = pred_get_u32(&r);
	uint32_t kl = pred_get_u32(&r);
	if (r.bad || ver != TRAIN_BLOB_VERSION) {
		snprintf(err, errlen, "predictor blob format %u, this abacus reads %d", (unsigned)ver,
		         TRAIN_BLOB_VERSION);
		return -1;
	}
	char kind[32] = "";
	const uint8_t *kp = kl < sizeof kind ? pred_get(&r, kl) : NULL;
	if (kp)
		memcpy(kind, kp, kl);
	const pred_learner *L = kp ? train_learner(kind) : NULL;
	const feat_set *fs = kp ? feat_set_of_kind(kind) : NULL;
	if (!L || !fs) {
		snprintf(err, errlen, "predictor blob names an unknown kind");
		return -1;
	}
	if (fver != (uint32_t)fs->version || d != (uint32_t)fs->count) {
		snprintf(err, errlen,
		         "predictor was trained on features version %u with %u features; this abacus "
		         "computes version %d with %d",
		         (unsigned)fver, (unsigned)d, fs->version, fs->count);
		return -1;
	}
	train_model *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory loading the predictor");
		return -1;
	}
	m->L = L;
	m->fs = fs;
	train_kind_name(m->kind, sizeof m->kind, L, fs);
	m->d = (int)d;
	for (int j = 0; j < m->d; j++)
		m->xm[j] = pred_get_f64(&r);
	for (int j = 0; j < m->d; j++)
		m->xs[j] = pred_get_f64(&r);
	m->ym = pred_get_f64(&r);
	m->ys = pred_get_f64(&r);
	int ok = !r.bad && isfinite(m->ym) && m->ys > 0 && isfinite(m->ys);
	for (int j = 0; ok && j < m->d; j++)
		ok = isfinite(m->xm[j]) && m->xs[j] > 0 && isfinite(m->xs[j]);
	if (!ok) {
		train_model_free(m);
		snprintf(err, errlen, "predictor blob is truncated or its standardisation is invalid");
		return -1;
	}
	train_model_prepare(m);
	if (L->decode(&r, m->d, &m->state, err, errlen)) {
		train_model_free(m);
		return -1;
	}
	if (r.off != r.n) {
		train_model_free(m);
		snprintf(err, errlen, "predictor blob has %zu bytes after the %s state", r.n - r.off,
		         kind);
		return -1;
	}
	*out = m;
	return 0;
}

/* ---- the predictor ---------------------------------------------------- */

/* A memo of predictions: a learner predicts each row on its own, so a
 * group's prediction is the same whenever it is asked, and the groups of
 * a run repeat (the same services, batches and cut points on every GPU
 * of a cluster). Direct-mapped, a new group taking its slot's place:
 * bounded memory, made on the first call once train_predictor_memo turned
 * it on. A group is its segments packed 64 bits each (memo_key), so that
 * an entry is 40 bytes (a group's dev_segments were 112); groups of more
 * segments than MEMO_SEGS, or with a field too wide to pack, are
 * predicted every time. */
enum { MEMO_SEGS = 4, MEMO_BITS = 18, MEMO_SLOTS = 1 << MEMO_BITS };

typedef struct memo {
	uint64_t key[MEMO_SEGS]; /* 0 past the group's segments; key[0] 0: empty */
	int64_t ns;
} memo;

typedef struct trained {
	pred_iface iface; /* named after the learner */
	feat *f;
	train_model *m;
	float raw[TRAIN_CHUNK * PRED_MAX_FEAT];
	float scratch[TRAIN_CHUNK * PRED_MAX_FEAT];
	double base[TRAIN_CHUNK];
	memo *memo;
	int memo_on;  /* train_predictor_memo */
	int memo_off; /* out of memory making it: predicted every time */
} trained;

/* Group g packed: service 8 bits, batch, seq, start and end 12 each,
 * queries 8, a segment a word (never 0: its end is at least 1); -1 where
 * it does not pack. */
static int memo_key(const dev_group *g, uint64_t *key)
{
	if (g->n < 1 || g->n > MEMO_SEGS)
		return -1;
	for (int k = 0; k < MEMO_SEGS; k++) {
		if (k >= g->n) {
			key[k] = 0;
			continue;
		}
		const dev_segment *x = &g->seg[k];
		if ((unsigned)x->service > 255 || (unsigned)x->batch > 4095 ||
		    (unsigned)x->seq > 4095 || (unsigned)x->start > 4095 || x->end < 1 ||
		    x->end > 4095 || (unsigned)x->queries > 255)
			return -1;
		key[k] = (uint64_t)x->service << 56 | (uint64_t)x->batch << 44 |
		         (uint64_t)x->seq << 32 | (uint64_t)x->start << 20 | (uint64_t)x->end << 8 |
		         (uint64_t)x->queries;
	}
	return 0;
}

/* The memo's slot of group g (its key in key), or NULL where it has none. */
static memo *memo_slot(trained *t, const dev_group *g, uint64_t *key)
{
	if (!t->memo_on || t->memo_off || memo_key(g, key))
		return NULL;
	if (!t->memo && !(t->memo = calloc(MEMO_SLOTS, sizeof *t->memo))) {
		t->memo_off = 1;
		return NULL;
	}
	uint64_t h = 0;
	for (int k = 0; k < g->n; k++) {
		h = (h ^ key[k]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	/* the top bits of a product depend on every bit of the key */
	return &t->memo[(h * 0xbf58476d1ce4e5b9ULL) >> (64 - MEMO_BITS)];
}

static int memo_is(const memo *e, const uint64_t *key)
{
	return !memcmp(e->key, key, sizeof e->key);
}

/* Rows i[0..c) of g into out, predicted together. */
static int trained_rows(trained *t, const dev_group *g, const int *i, int c, int64_t *out)
{
	double ns[TRAIN_CHUNK];
	for (int r = 0; r < c; r++)
		if (feat_group(t->f, &g[i[r]], t->raw + r * t->m->d, &t->base[r]))
			return -1;
	train_chunk(t->m, t->raw, t->base, c, t->scratch, ns);
	for (int r = 0; r < c; r++) {
		out[i[r]] = (int64_t)(ns[r] + 0.5);
		uint64_t key[MEMO_SEGS];
		memo *e = memo_slot(t, &g[i[r]], key);
		if (e) {
			memcpy(e->key, key, sizeof e->key);
			e->ns = out[i[r]];
		}
	}
	return 0;
}

static int trained_predict(void *ctx, const dev_group *g, int n, int64_t *out)
{
	trained *t = ctx;
	int miss[TRAIN_CHUNK], c = 0;
	for (int i = 0; i < n; i++) {
		uint64_t key[MEMO_SEGS];
		const memo *e = memo_slot(t, &g[i], key);
		if (e && memo_is(e, key)) {
			out[i] = e->ns;
			continue;
		}
		miss[c++] = i;
		if (c == TRAIN_CHUNK) {
			if (trained_rows(t, g, miss, c, out))
				return -1;
			c = 0;
		}
	}
	return c ? trained_rows(t, g, miss, c, out) : 0;
}

static void trained_free(void *ctx)
{
	trained *t = ctx;
	if (!t)
		return;
	free(t->memo);
	feat_free(t->f);
	train_model_free(t->m);
	free(t);
}

int train_predictor_open(predictor *out, train_model *m, const prof *p,
                         const zoo_model *const *models, int n_svc, char *err, size_t errlen)
{
	if (m->d != m->fs->count || m->d > PRED_MAX_FEAT) {
		snprintf(err, errlen, "predictor %s with %d features cannot run here", m->kind,
		         m->d);
		train_model_free(m);
		return -1;
	}
	trained *t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, errlen, "out of memory opening the %s predictor", m->kind);
		train_model_free(m);
		return -1;
	}
	t->m = m;
	if (!(t->f = feat_new_set(m->fs, p, models, n_svc, err, errlen))) {
		trained_free(t);
		return -1;
	}
	/* the predictor's iface lives in its context: pred_free reads free
	 * before calling it */
	t->iface = (pred_iface){.name = m->kind, .predict = trained_predict, .free = trained_free};
	out->iface = &t->iface;
	out->ctx = t;
	out->err[0] = '\0';
	return 0;
}

void train_predictor_memo(predictor *p)
{
	if (p && p->iface && p->iface->predict == trained_predict)
		((trained *)p->ctx)->memo_on = 1;
}

/* ---- predictor files ------------------------------------------------- */

void train_file_name(char *buf, size_t len, const char *kind, const char *combo)
{
	if (combo && strcmp(combo, "*") != 0)
		snprintf(buf, len, "%s.%s.pred", kind, combo);
	else
		snprintf(buf, len, "%s.pred", kind);
}

int train_file_write(const char *path, const train_meta *meta, const train_model *m, char *err,
                     size_t errlen)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	char tmp[1100], sum[17], dig[17];
	if (train_model_encode(m, &blob, &len, err, errlen))
		return -1;
	hash_hex(train_checksum(blob, len), sum);
	hash_hex(meta->digest, dig);
	if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
		free(blob);
		return text_fail(err, errlen, "path too long: %s", path);
	}
	/* Written beside and renamed over: a reader never sees half a file,
	 * and two runs retraining at once leave one whole predictor. */
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		text_fail(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		free(blob);
		return -1;
	}
	fprintf(f,
	        "abacus predictor\nformat %d\ngpu %s\nkind %s\nmode %s\ncombo %s\n"
	        "features_version %d\ndata_digest %s\nn_train %d\nmae_ms %.6f\nmape %.4f\n"
	        "seed %llu\nblob %zu %s\n",
	        TRAIN_FILE_VERSION, meta->gpu, m->kind, meta->mode, meta->combo, m->fs->version, dig,
	        meta->n_train, meta->mae_ms, meta->mape, (unsigned long long)meta->seed, len, sum);
	fwrite(blob, 1, len, f);
	free(blob);
	int bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		text_fail(err, errlen, "writing %s failed: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		text_fail(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The whole file, at most max bytes (malloc'd). */
static int slurp(const char *path, size_t max, uint8_t **out, size_t *len, char *err,
                 size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return text_fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		fclose(f);
		return text_fail(err, errlen, "%s is not a predictor file (%s)", path,
		                 S_ISREG(st.st_mode) ? "too large" : "not a plain file");
	}
	uint8_t *b = malloc((size_t)st.st_size + 1);
	size_t n = b ? fread(b, 1, (size_t)st.st_size, f) : 0;
	int bad = !b || ferror(f) || n != (size_t)st.st_size;
	fclose(f);
	if (bad) {
		free(b);
		return text_fail(err, errlen, "reading %s failed", path);
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* The header's keys, in the order they are written. */
enum { TF_MAGIC, TF_FORMAT, TF_GPU, TF_KIND, TF_MODE, TF_COMBO, TF_FEAT, TF_DIGEST, TF_NTRAIN,
       TF_MAE, TF_MAPE, TF_SEED, TF_BLOB, TF_N };
static const char *const train_file_keys[TF_N] = {
    "abacus", "format", "gpu", "kind", "mode", "combo", "features_version",
    "data_digest", "n_train", "mae_ms", "mape", "seed", "blob"};

int train_file_read(const char *path, train_meta *meta, train_model **out, char *err,
                    size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0, off = 0;
	int status = -1;
	memset(meta, 0, sizeof *meta);
	if (out)
		*out = NULL;
	if (slurp(path, (size_t)1 << 30, &buf, &len, err, errlen))
		return -1;
	unsigned long long blob_len = 0;
	char blob_sum[17] = "";
	for (int k = 0; k < TF_N; k++) {
		const uint8_t *nl = memchr(buf + off, '\n', len - off);
		if (!nl) {
			text_fail(err, errlen, "%s:%d: not a predictor file (header ends early)", path,
			          k + 1);
			goto done;
		}
		char line[256];
		size_t ll = (size_t)(nl - (buf + off));
		if (ll >= sizeof line) {
			text_fail(err, errlen, "%s:%d: header line too long", path, k + 1);
			goto done;
		}
		memcpy(line, buf + off, ll);
		line[ll] = '\0';
		off += ll + 1;
		char *sp = strchr(line, ' ');
		char *v = sp ? sp + 1 : line + ll;
		if (sp)
			*sp = '\0';
		if (strcmp(line, train_file_keys[k]) != 0) {
			text_fail(err, errlen, "%s:%d: expected '%s', got '%s'", path, k + 1,
			          train_file_keys[k], line);
			goto done;
		}
		char *end = NULL;
		int bad = 0;
		switch (k) {
		case TF_MAGIC: bad = strcmp(v, "predictor") != 0; break;
		case TF_FORMAT: meta->format = (int)strtol(v, &end, 10); bad = end == v || *end; break;
		case TF_GPU: bad = snprintf(meta->gpu, sizeof meta->gpu, "%s", v) >= (int)sizeof meta->gpu; break;
		case TF_KIND: bad = snprintf(meta->kind, sizeof meta->kind, "%s", v) >= (int)sizeof meta->kind; break;
		case TF_MODE:
			bad = snprintf(meta->mode, sizeof meta->mode, "%s", v) >= (int)sizeof meta->mode ||
			      (strcmp(v, "all") != 0 && strcmp(v, "one") != 0);
			break;
		case TF_COMBO: bad = snprintf(meta->combo, sizeof meta->combo, "%s", v) >= (int)sizeof meta->combo; break;
		case TF_FEAT: meta->features_version = (int)strtol(v, &end, 10); bad = end == v || *end; break;
		case TF_DIGEST: meta->digest = strtoull(v, &end, 16); bad = strlen(v) != 16 || *end; break;
		case TF_NTRAIN: meta->n_train = (int)strtol(v, &end, 10); bad = end == v || *end; break;
		case TF_MAE: meta->mae_ms = strtod(v, &end); bad = end == v || *end; break;
		case TF_MAPE: meta->mape = strtod(v, &end); bad = end == v || *end; break;
		case TF_SEED: meta->seed = strtoull(v, &end, 10); bad = end == v || *end; break;
		case TF_BLOB:
			bad = sscanf(v, "%llu %16s", &blob_len, blob_sum) != 2 || strlen(blob_sum) != 16;
			break;
		}
		if (bad) {
			text_fail(err, errlen, "%s:%d: bad value '%s' for %s", path, k + 1, v,
			          train_file_keys[k]);
			goto done;
		}
	}
	if (blob_len != len - off) {
		text_fail(err, errlen, "%s is truncated or has bytes after its predictor: the header "
		          "says %llu bytes, the file holds %zu",
		          path, blob_len, len - off);
		goto done;
	}
	char got[17];
	hash_hex(train_checksum(buf + off, len - off), got);
	if (strcmp(got, blob_sum) != 0) {
		text_fail(err, errlen, "%s is corrupt: its checksum is %s, its predictor's is %s", path,
		          blob_sum, got);
		goto done;
	}
	if (!out) { /* whole and unchanged; decoding is for the run that uses it */
		status = 0;
		goto done;
	}
	char derr[512];
	if (train_model_decode(buf + off, len - off, out, derr, sizeof derr)) {
		text_fail(err, errlen, "%s is refused: %s", path, derr);
		goto done;
	}
	if (strcmp((*out)->kind, meta->kind) != 0) {
		text_fail(err, errlen, "%s says kind %s but holds a %s predictor", path, meta->kind,
		          (*out)->kind);
		train_model_free(*out);
		*out = NULL;
		goto done;
	}
	status = 0;
done:
	free(buf);
	return status;
}

/* ---- where predictors come from and go ---------------------------------- */

int train_source_init(train_source *s, const char *gpu, const char *dir, const char *ops,
                      const char *groups, char *err, size_t errlen)
{
	char own_ops[1024], own_groups[1024];
	memset(s, 0, sizeof *s);
	if (snprintf(s->gpu, sizeof s->gpu, "%s", gpu) >= (int)sizeof s->gpu ||
	    data_path(own_ops, sizeof own_ops, dir, gpu, "ops.csv") ||
	    data_path(own_groups, sizeof own_groups, dir, gpu, "groups.csv"))
		return text_fail(err, errlen, "path too long for gpu %s in %s", gpu, dir);
	snprintf(s->ops, sizeof s->ops, "%s", ops ? ops : own_ops);
	snprintf(s->groups, sizeof s->groups, "%s", groups ? groups : own_groups);
	/* Only predictors of the bundle's own files belong in the bundle. */
	if (strcmp(s->ops, own_ops) == 0 && strcmp(s->groups, own_groups) == 0)
		snprintf(s->bundle, sizeof s->bundle, "%s/%s", dir, gpu);
	const char *files[2] = {s->ops, s->groups};
	if (access(s->groups, F_OK) != 0)
		return text_fail(err, errlen,
		                 "no measured groups for gpu %s: %s does not exist (measure groups on "
		                 "that GPU with abacus profile first)",
		                 gpu, s->groups);
	if (data_digest(files, 2, &s->digest, err, errlen))
		return -1;
	char cache[900], dig[17];
	if (data_cache_dir(cache, sizeof cache, err, errlen) == 0) {
		hash_hex(s->digest, dig);
		snprintf(s->cache, sizeof s->cache, "%s/%s-%s-f%d", cache, gpu, dig, FEAT_VERSION);
	}
	return 0;
}

/* Where new predictors of s go: the bundle when it may be written, else
 * the cache (created). */
static int train_dest(const train_source *s, char *dir, size_t len, char *err, size_t errlen)
{
	if (s->bundle[0] && data_writable(s->bundle)) {
		snprintf(dir, len, "%s", s->bundle);
		return 0;
	}
	if (!s->cache[0])
		return text_fail(err, errlen, "%s%s cannot be written and there is no cache folder "
		                 "(set XDG_CACHE_HOME or HOME)",
		                 s->bundle[0] ? s->bundle : "the data folder", "");
	if (data_mkdirs(s->cache, err, errlen))
		return -1;
	snprintf(dir, len, "%s", s->cache);
	return 0;
}

/* 1 when the file's header says it was trained on s's data with today's
 * features, 0 when it is stale (*why says how), -1 when it is unreadable
 * or malformed. */
static int train_current(const train_source *s, const char *path, const char *kind,
                         char *why, size_t wlen, char *err, size_t errlen)
{
	train_meta meta;
	if (train_file_read(path, &meta, NULL, err, errlen))
		return -1;
	char have[17], want[17];
	hash_hex(meta.digest, have);
	hash_hex(s->digest, want);
	if (meta.format != TRAIN_FILE_VERSION)
		snprintf(why, wlen, "it is in file format %d, this abacus writes %d", meta.format,
		         TRAIN_FILE_VERSION);
	else if (!feat_set_of_kind(kind) || meta.features_version != feat_set_of_kind(kind)->version)
		snprintf(why, wlen, "it was trained on features version %d, this abacus computes %d",
		         meta.features_version,
		         feat_set_of_kind(kind) ? feat_set_of_kind(kind)->version : 0);
	else if (meta.digest != s->digest)
		snprintf(why, wlen, "it was trained on data %s, the data is now %s", have, want);
	else if (strcmp(meta.gpu, s->gpu) != 0 || strcmp(meta.kind, kind) != 0)
		snprintf(why, wlen, "it is the %s predictor of gpu %s", meta.kind, meta.gpu);
	else
		return 1;
	return 0;
}

/* The current file of (kind, combo) for s, in the bundle or the cache:
 * 1 with its path, 0 when there is none (stale ones reported to
 * progress), -1 on a malformed file. */
static int train_find(const train_source *s, const char *kind, const char *combo,
                      FILE *train_log, char *path, size_t plen, char *err, size_t errlen)
{
	char name[256];
	train_file_name(name, sizeof name, kind, combo);
	const char *dirs[2] = {s->bundle, s->cache};
	for (int i = 0; i < 2; i++) {
		if (!dirs[i][0])
			continue;
		snprintf(path, plen, "%s/%s", dirs[i], name);
		if (access(path, F_OK) != 0)
			continue;
		char why[256];
		int cur = train_current(s, path, kind, why, sizeof why, err, errlen);
		if (cur != 0)
			return cur;
		if (train_log)
			fprintf(train_log, "abacus: %s is stale (%s): not used\n", path, why);
	}
	return 0;
}

/* ---- abacus train ----------------------------------------------------- */

typedef struct train_result {
	char kind[32];
	char combo[4 * ZOO_NAME_MAX];
	int n_train, n_test;
	double mae_ms, mape;
	char stored[TRAIN_PATH_MAX]; /* the file written, "" when none */
} train_result;

typedef struct train_results {
	train_result *r;
	int n;
	size_t cap;
} train_results;

static train_result *train_results_add(train_results *rs)
{
	if (buf_grow(&rs->r, &rs->cap, (size_t)rs->n + 1, sizeof *rs->r))
		return NULL;
	train_result *r = &rs->r[rs->n++];
	memset(r, 0, sizeof *r);
	return r;
}

static void train_shuffle(int *v, int n, rng *g)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rng_below(g, (uint32_t)i + 1);
		int t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/* Fits on train, predicts test, returns the errors. */
static int train_eval(const char *kind, const train_data *d, const int *tr, int n_tr,
                      const int *te, int n_te, uint64_t seed, double *pred, progress *pg,
                      char *err, size_t errlen)
{
	train_model *m = NULL;
	if (train_fit(kind, d, tr, n_tr, seed, &m, err, errlen))
		return -1;
	if (pg)
		progress_step(pg);
	int rc = train_model_predict_rows(m, d, te, n_te, pred);
	train_model_free(m);
	if (rc)
		snprintf(err, errlen, "%s: predicting the held-out rows failed", kind);
	return rc;
}

/* Measures the held-out error of `kind` on rows u[0..n) by a split or by
 * folds. */
static int train_measure(const train_config *o, const char *kind, const train_data *d, const int *u,
                         int n, train_result *res, char *err, size_t errlen)
{
	int *idx = malloc((size_t)n * sizeof *idx), *tr = malloc((size_t)n * sizeof *tr);
	double *pred = malloc((size_t)n * sizeof *pred);
	int status = -1;
	rng g;
	if (!idx || !tr || !pred) {
		snprintf(err, errlen, "out of memory evaluating %s", kind);
		goto done;
	}
	memcpy(idx, u, (size_t)n * sizeof *idx);
	rng_seed(&g, o->seed);
	train_shuffle(idx, n, &g);
	if (o->folds >= 2) {
		if (n < o->folds) {
			snprintf(err, errlen, "%s: %d rows cannot make %d folds", res->combo, n, o->folds);
			goto done;
		}
		for (int k = 0; k < o->folds; k++) {
			int lo = (int)((long long)n * k / o->folds), hi = (int)((long long)n * (k + 1) / o->folds);
			int nt = 0;
			for (int i = 0; i < n; i++)
				if (i < lo || i >= hi)
					tr[nt++] = idx[i];
			if (train_eval(kind, d, tr, nt, idx + lo, hi - lo, o->seed + (uint64_t)k + 1,
			               pred + lo, o->progress, err, errlen))
				goto done;
		}
		train_errors(d, idx, n, pred, &res->mae_ms, &res->mape);
		res->n_train = n - n / o->folds;
		res->n_test = n;
	} else {
		int n_te = (int)(o->test_frac * n + 0.5);
		if (n_te < 1)
			n_te = 1;
		if (n - n_te < 2) {
			snprintf(err, errlen, "%s: %d rows are too few to hold %d back", res->combo, n,
			         n_te);
			goto done;
		}
		if (train_eval(kind, d, idx + n_te, n - n_te, idx, n_te, o->seed + 1, pred,
		               o->progress, err, errlen))
			goto done;
		train_errors(d, idx, n_te, pred, &res->mae_ms, &res->mape);
		res->n_train = n - n_te;
		res->n_test = n_te;
	}
	status = 0;
done:
	free(idx);
	free(tr);
	free(pred);
	return status;
}

/* Fits on all rows u and writes the model with the measured errors into
 * the bundle (or the cache). */
static int train_store_final(const train_source *src, const train_config *o, const char *kind,
                             const char *mode, const train_data *d, const int *u, int n,
                             train_result *res, char *err, size_t errlen)
{
	train_model *m = NULL;
	char dir[1100], name[256];
	if (train_dest(src, dir, sizeof dir, err, errlen))
		return -1;
	if (train_fit(kind, d, u, n, o->seed, &m, err, errlen))
		return -1;
	if (o->progress)
		progress_step(o->progress);
	const char *combo = strcmp(mode, "all") == 0 ? "*" : res->combo;
	train_meta meta = {.format = TRAIN_FILE_VERSION, .features_version = d->fs->version,
	                   .digest = src->digest, .n_train = n, .mae_ms = res->mae_ms,
	                   .mape = res->mape, .seed = o->seed};
	snprintf(meta.gpu, sizeof meta.gpu, "%s", src->gpu);
	snprintf(meta.kind, sizeof meta.kind, "%s", kind);
	snprintf(meta.mode, sizeof meta.mode, "%s", mode);
	snprintf(meta.combo, sizeof meta.combo, "%s", combo);
	train_file_name(name, sizeof name, kind, combo);
	snprintf(res->stored, sizeof res->stored, "%s/%s", dir, name);
	int rc = train_file_write(res->stored, &meta, m, err, errlen);
	train_model_free(m);
	if (rc)
		res->stored[0] = '\0';
	return rc;
}

/* How many fits train_run_kind makes for one learner: each held-out
 * measure and the final fit. */
static int64_t train_count_fits(const train_config *o, const train_data *d)
{
	int64_t per = (o->folds >= 2 ? o->folds : 1) + 1;
	if (strcmp(o->mode, "one") == 0) {
		int64_t n = 0;
		for (int c = 0; c < d->n_combos; c++) {
			int rows = 0;
			for (int i = 0; i < d->n; i++)
				rows += d->combo[i] == c;
			n += rows < 5 ? 0 : per; /* skipped below 5, as train_run_kind does */
		}
		return n;
	}
	return o->lopo ? d->n_combos + 1 : per;
}

static int train_run_kind(const train_source *src, const train_config *o, const char *kind,
                          const train_data *d, train_results *rs, char *err, size_t errlen)
{
	int *u = malloc((size_t)d->n * sizeof *u), *te = malloc((size_t)d->n * sizeof *te);
	double *pred = malloc((size_t)d->n * sizeof *pred);
	int status = -1;
	train_result *res;
	if (!u || !te || !pred) {
		snprintf(err, errlen, "out of memory training %s", kind);
		goto done;
	}
	if (strcmp(o->mode, "one") == 0) {
		for (int c = 0; c < d->n_combos; c++) {
			int n = 0;
			for (int i = 0; i < d->n; i++)
				if (d->combo[i] == c)
					u[n++] = i;
			if (n < 5) {
				fprintf(stderr, "abacus train: %s has %d measured groups, too few for its "
				                "own predictor; skipped\n", d->combos[c], n);
				continue;
			}
			if (!(res = train_results_add(rs)))
				goto oom;
			snprintf(res->kind, sizeof res->kind, "%s", kind);
			snprintf(res->combo, sizeof res->combo, "%s", d->combos[c]);
			if (train_measure(o, kind, d, u, n, res, err, errlen) ||
			    train_store_final(src, o, kind, "one", d, u, n, res, err, errlen))
				goto done;
		}
		status = 0;
		goto done;
	}
	for (int i = 0; i < d->n; i++)
		u[i] = i;
	if (o->lopo) {
		if (d->n_combos < 2) {
			snprintf(err, errlen, "--lopo needs groups of at least two combinations");
			goto done;
		}
		double sum_mae = 0, sum_mape = 0;
		for (int c = 0; c < d->n_combos; c++) {
			int n_tr = 0, n_te = 0;
			for (int i = 0; i < d->n; i++)
				if (d->combo[i] == c)
					te[n_te++] = i;
				else
					u[n_tr++] = i;
			if (!(res = train_results_add(rs)))
				goto oom;
			snprintf(res->kind, sizeof res->kind, "%s", kind);
			snprintf(res->combo, sizeof res->combo, "%s", d->combos[c]);
			if (train_eval(kind, d, u, n_tr, te, n_te, o->seed + (uint64_t)c + 1, pred,
			               o->progress, err, errlen))
				goto done;
			train_errors(d, te, n_te, pred, &res->mae_ms, &res->mape);
			res->n_train = n_tr;
			res->n_test = n_te;
			sum_mae += res->mae_ms;
			sum_mape += res->mape;
		}
		if (!(res = train_results_add(rs)))
			goto oom;
		snprintf(res->kind, sizeof res->kind, "%s", kind);
		snprintf(res->combo, sizeof res->combo, "mean");
		res->mae_ms = sum_mae / d->n_combos;
		res->mape = sum_mape / d->n_combos;
		res->n_train = d->n;
		for (int i = 0; i < d->n; i++)
			u[i] = i;
	} else {
		if (!(res = train_results_add(rs)))
			goto oom;
		snprintf(res->kind, sizeof res->kind, "%s", kind);
		snprintf(res->combo, sizeof res->combo, "all");
		if (train_measure(o, kind, d, u, d->n, res, err, errlen))
			goto done;
	}
	if (train_store_final(src, o, kind, "all", d, u, d->n, res, err, errlen))
		goto done;
	status = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory training %s", kind);
done:
	free(u);
	free(te);
	free(pred);
	return status;
}

static int train_print(FILE *out, const train_config *o, const train_results *rs)
{
	if (strcmp(o->format, "csv") == 0) {
		fprintf(out, "predictor,combination,mae_ms,mape\n");
		for (int i = 0; i < rs->n; i++)
			fprintf(out, "%s,%s,%.4f,%.3f\n", rs->r[i].kind, rs->r[i].combo, rs->r[i].mae_ms,
			        rs->r[i].mape);
	} else {
		int w = (int)strlen("combination"), kw = (int)strlen("predictor");
		const char *dir = NULL;
		for (int i = 0; i < rs->n; i++) {
			if ((int)strlen(rs->r[i].combo) > w)
				w = (int)strlen(rs->r[i].combo);
			if ((int)strlen(rs->r[i].kind) > kw)
				kw = (int)strlen(rs->r[i].kind);
			if (rs->r[i].stored[0])
				dir = rs->r[i].stored;
		}
		fprintf(out, "%-*s  %-*s  %7s  %6s  %8s  %7s  %s\n", kw, "predictor", w, "combination",
		        "n_train", "n_test", "mae_ms", "mape%", "stored");
		for (int i = 0; i < rs->n; i++) {
			const train_result *r = &rs->r[i];
			const char *slash = strrchr(r->stored, '/');
			fprintf(out, "%-*s  %-*s  %7d  %6d  %8.4f  %7.2f  %s\n", kw, r->kind, w, r->combo,
			        r->n_train, r->n_test, r->mae_ms, r->mape,
			        r->stored[0] ? (slash ? slash + 1 : r->stored) : "-");
		}
		const char *slash = dir ? strrchr(dir, '/') : NULL;
		fprintf(out, "predictors written to %.*s; error measured on %s\n",
		        slash ? (int)(slash - dir) : 1, slash ? dir : "-",
		        o->lopo ? "each held-out combination"
		        : o->folds >= 2 ? "the folds"
		                        : "the held-out split");
	}
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}

void train_config_default(train_config *c)
{
	*c = (train_config){.gpu = "h200",
	                    .predictor = "all",
	                    .features = "ours",
	                    .mode = "all",
	                    .format = "table",
	                    .test_frac = 0.2,
	                    .seed = 1};
}

/* Reads the profile and groups of s and trains `kind` (or every kind on
 * o's features: NULL) under o into rs. */
static int train_source_run(const train_source *src, const train_config *o, const char *kind,
                            train_results *rs, char *err, size_t errlen)
{
	smp_set s = {0};
	train_data d = {0};
	int status = -1;
	const feat_set *fs = kind ? feat_set_of_kind(kind) : feat_set_find(o->features);
	prof *p = prof_new_file(src->gpu, src->ops, err, errlen);
	if (!p)
		goto done;
	if (!fs) {
		unknown_learner(kind, err, errlen);
		goto done;
	}
	if (smp_read_csv(src->groups, &s, err, errlen))
		goto done;
	if (train_data_build_set(&d, &s, p, fs, err, errlen)) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, " (in %s)", src->groups);
		goto done;
	}
	int64_t fits = 0;
	char name[32];
	for (int k = 0; pred_learners[k]; k++) {
		train_kind_name(name, sizeof name, pred_learners[k], fs);
		if (pred_learners[k]->fit && (!kind || strcmp(kind, name) == 0))
			fits += train_count_fits(o, &d);
	}
	if (o->progress) {
		progress_task(o->progress, NULL, fits);
		o->progress->unit = "fits";
	}
	for (int k = 0; pred_learners[k]; k++) {
		train_kind_name(name, sizeof name, pred_learners[k], fs);
		if (!pred_learners[k]->fit || (kind && strcmp(kind, name) != 0))
			continue;
		if (o->progress) {
			char label[64];
			snprintf(label, sizeof label, "training %s", name);
			progress_label(o->progress, label);
		}
		if (train_run_kind(src, o, name, &d, rs, err, errlen))
			goto done;
	}
	if (o->progress)
		progress_end(o->progress, 1);
	status = 0;
done:
	train_data_free(&d);
	smp_set_free(&s);
	prof_free(p);
	return status;
}

static double train_now_s(void)
{
	return (double)clk_ns() * 1e-9;
}

int train_ensure(const train_source *s, const char *kind, FILE *train_log, char *path,
                 size_t plen, char *err, size_t errlen)
{
	if (!train_learner(kind))
		return unknown_learner(kind, err, errlen);
	int found = train_find(s, kind, NULL, train_log, path, plen, err, errlen);
	if (found)
		return found < 0 ? -1 : 0;
	if (train_log)
		fprintf(train_log, "abacus: training the %s predictor of gpu %s on %s and %s\n", kind,
		        s->gpu, s->ops, s->groups);
	train_results rs = {0};
	double t0 = train_now_s();
	/* the options of a plain `abacus train`, so that it writes the same
	 * file */
	train_config o;
	train_config_default(&o);
	int rc = train_source_run(s, &o, kind, &rs, err, errlen);
	if (rc == 0 && (rs.n < 1 || !rs.r[rs.n - 1].stored[0]))
		rc = text_fail(err, errlen, "training the %s predictor stored nothing", kind);
	if (rc == 0) {
		const train_result *r = &rs.r[rs.n - 1];
		snprintf(path, plen, "%s", r->stored);
		if (train_log)
			fprintf(train_log,
			        "abacus: trained the %s predictor in %.1f s (held-out error %.2f%%), "
			        "wrote %s\n",
			        kind, train_now_s() - t0, r->mape, r->stored);
	}
	free(rs.r);
	return rc;
}

int train_load_predictor(predictor *out, const train_source *s, const char *kind, const prof *p,
                         const zoo_model *const *models, int n_svc, FILE *train_log, char *err,
                         size_t errlen)
{
	const char *names[SMP_MAX_SEG];
	char combo[4 * ZOO_NAME_MAX], path[TRAIN_PATH_MAX];
	if (!train_learner(kind))
		return unknown_learner(kind, err, errlen);
	if (n_svc < 1 || n_svc > SMP_MAX_SEG)
		return text_fail(err, errlen, "a trained predictor serves 1 to %d services, not %d",
		                 SMP_MAX_SEG, n_svc);
	for (int i = 0; i < n_svc; i++)
		names[i] = models[i]->name;
	train_combo_name(names, n_svc, combo, sizeof combo);
	/* a combination's own predictor (train --mode one) wins where current */
	int one = train_find(s, kind, combo, train_log, path, sizeof path, err, errlen);
	if (one < 0)
		return -1;
	if (!one && train_ensure(s, kind, train_log, path, sizeof path, err, errlen))
		return -1;
	train_meta meta;
	train_model *m = NULL;
	if (train_file_read(path, &meta, &m, err, errlen))
		return -1;
	return train_predictor_open(out, m, p, models, n_svc, err, errlen);
}

int train_run(const train_config *c, FILE *out, char *err, size_t errlen)
{
	train_config o = *c;
	if (!(o.test_frac > 0 && o.test_frac < 1)) {
		snprintf(err, errlen, "--test-frac must be between 0 and 1 (exclusive), got %g",
		         o.test_frac);
		return 2;
	}
	if (o.folds < 0 || o.folds == 1 || o.folds > 100) {
		snprintf(err, errlen, "--folds must be 0 (off) or 2 to 100, got %d", o.folds);
		return 2;
	}
	if (!o.features || !feat_set_find(o.features)) {
		snprintf(err, errlen, "--features must be ours or paper, got '%s'",
		         o.features ? o.features : "");
		return 2;
	}
	/* "lr" with --features paper is "lr@paper"; "lr@paper" says it itself */
	char full[32];
	if (strcmp(o.predictor, "all") != 0 && !strchr(o.predictor, '@') &&
	    strcmp(o.features, "ours") != 0) {
		snprintf(full, sizeof full, "%s@%s", o.predictor, o.features);
		o.predictor = full;
	}
	if (strcmp(o.predictor, "all") != 0 &&
	    (!train_learner(o.predictor) || !feat_set_of_kind(o.predictor))) {
		char names[128];
		pred_learner_names(1, names, sizeof names);
		snprintf(err, errlen, "--predictor must be one of %s or all, got '%s'", names,
		         o.predictor);
		return 2;
	}
	if (strcmp(o.mode, "all") != 0 && strcmp(o.mode, "one") != 0) {
		snprintf(err, errlen, "--mode must be all or one, got '%s'", o.mode);
		return 2;
	}
	if (strcmp(o.format, "table") != 0 && strcmp(o.format, "csv") != 0) {
		snprintf(err, errlen, "--format must be table or csv, got '%s'", o.format);
		return 2;
	}
	if (o.lopo && strcmp(o.mode, "one") == 0) {
		snprintf(err, errlen, "--lopo holds out whole combinations: it needs --mode all");
		return 2;
	}
	if (o.lopo && o.folds) {
		snprintf(err, errlen, "--lopo and --folds are two ways to hold data out: pick one");
		return 2;
	}
	if (!gpu_find(o.gpu)) {
		char names[256];
		gpu_names_join(names, sizeof names);
		snprintf(err, errlen, "unknown gpu '%s' (known: %s)", o.gpu, names);
		return 2;
	}
	data_where w;
	if (!o.data) {
		if (data_find(&w, err, errlen))
			return 1;
		o.data = w.dir;
	}
	/* the profile is the folder's: a GPU it has none of has nothing to
	 * train on (prof_new says what is missing) */
	prof *p = prof_new(o.gpu, o.data, err, errlen);
	if (!p)
		return 1;
	prof_free(p);
	train_source src;
	if (train_source_init(&src, o.gpu, o.data, NULL, o.groups, err, errlen))
		return 1;
	train_results rs = {0};
	int status = 1;
	if (train_source_run(&src, &o, strcmp(o.predictor, "all") == 0 ? NULL : o.predictor, &rs,
	                     err, errlen))
		goto done;
	if (train_print(out, &o, &rs)) {
		snprintf(err, errlen, "writing the results failed: %s", strerror(errno));
		goto done;
	}
	status = 0;
done:
	if (o.progress)
		progress_end(o.progress, 0);
	free(rs.r);
	return status;
}
