/* test_pred.c: group features (ours and the paper's) and the trained
 * predictors (mlp, lr, svm, lsvr) on groups measured on the simulated GPU.
 *
 * The bounds come from measurements on this generator (21 pairs x 100
 * groups, seeded 80/20 split): the longest segment's solo latency alone
 * is about 7% off, linear regression about 3.4%, the MLP and the SVR
 * about 1.8-2.0%. The simulator's noise (a 2% log-normal factor per
 * segment) puts a floor near 1.5% under any predictor, so the MLP is
 * held to 3%: at the floor plus room for the seed, and clearly under
 * linear regression.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "test_pred_gen.h"
#include "train.h"

static void test_features(const prof *p, zoo_model *const *m)
{
	char err[256];
	const zoo_model *two[2] = {m[0], m[6]}; /* resnet50, bert */
	feat *f = feat_new(p, two, 2, err, sizeof err);
	CHECK(f != NULL);
	dev_segment a[2] = {{0, 4, 0, 2, 9, 1}, {1, 8, 64, 0, 5, 1}};
	dev_segment b[2] = {a[1], a[0]};
	dev_group ga = {2, a}, gb = {2, b};
	float xa[FEAT_COUNT], xb[FEAT_COUNT];
	double base_a, base_b;
	CHECK_INT(feat_group(f, &ga, xa, &base_a), 0);
	CHECK_INT(feat_group(f, &gb, xb, &base_b), 0);
	/* order of the services does not matter */
	CHECK(memcmp(xa, xb, sizeof xa) == 0);
	CHECK(base_a == base_b);

	/* base is the longest solo latency, from the profile's prefix sums */
	prof_table *t0 = prof_table_new(p, m[0]), *t1 = prof_table_new(p, m[6]);
	const int64_t *p0 = prof_table_prefix(t0, 4, 0), *p1 = prof_table_prefix(t1, 8, 64);
	double s0 = (double)(p0[9] - p0[2]), s1 = (double)(p1[5] - p1[0]);
	CHECK_NEAR(base_a, fmax(s0, s1), 0.5);
	int g0 = FEAT_SLOTS * FEAT_PER_SLOT;
	CHECK_NEAR(xa[g0 + 0], 2, 0);                                 /* segments */
	CHECK_NEAR(xa[g0 + 2], (s0 + s1) / fmax(s0, s1), 1e-5);       /* sum / max */
	CHECK_NEAR(xa[g0 + 3], fmin(s0, s1) / fmax(s0, s1), 1e-5);    /* second / max */
	CHECK_NEAR(xa[0], 1, 0);                                      /* slot 0 present */
	CHECK_NEAR(xa[2], 1, 1e-6);                                   /* share of the longest */
	CHECK_NEAR(xa[2 * FEAT_PER_SLOT], 0, 0);                      /* slot 2 empty */
	zoo_cost c;
	double flops = 0;
	for (int op = 2; op < 9; op++) {
		zoo_op_cost(m[0], op, 4, 0, &c);
		flops += c.flops;
	}
	int slot = s0 > s1 ? 0 : 1; /* resnet50's slot */
	CHECK_NEAR(xa[slot * FEAT_PER_SLOT + 3], log1p(flops * 1e-9), 1e-4);
	CHECK_NEAR(xa[slot * FEAT_PER_SLOT + 7], 7, 0); /* ops */
	CHECK_NEAR(xa[slot * FEAT_PER_SLOT + 8], 2, 0); /* log2 batch 4 */

	/* an empty group: no base, all zeros; a bad range is refused */
	dev_segment e = {0, 4, 0, 3, 3, 1};
	dev_group ge = {1, &e};
	CHECK_INT(feat_group(f, &ge, xa, &base_a), 0);
	CHECK(base_a == 0 && xa[0] == 0);
	dev_segment bad = {0, 4, 0, 3, 99, 1};
	dev_group gbad = {1, &bad};
	CHECK_INT(feat_group(f, &gbad, xa, &base_a), -1);
	prof_table_free(t0);
	prof_table_free(t1);
	feat_free(f);
}

/* The paper's features: one-hot model id in the zoo's order, start, end,
 * batch, seq per segment, segments ordered by model then start; base 1 ms
 * (the target is the duration). */
static void test_paper_features(const prof *p, zoo_model *const *m)
{
	char err[256];
	const zoo_model *two[2] = {m[6], m[0]}; /* bert, resnet50 */
	feat *f = feat_new_set(&feat_paper, p, two, 2, err, sizeof err);
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(feat_set_get(f) == &feat_paper);
	dev_segment a[2] = {{0, 8, 64, 0, 5, 1}, {1, 4, 0, 2, 9, 1}};
	dev_segment b[2] = {a[1], a[0]};
	dev_group ga = {2, a}, gb = {2, b};
	float xa[FEAT_PAPER_COUNT], xb[FEAT_PAPER_COUNT];
	double base_a, base_b;
	CHECK_INT(feat_group(f, &ga, xa, &base_a), 0);
	CHECK_INT(feat_group(f, &gb, xb, &base_b), 0);
	CHECK(memcmp(xa, xb, sizeof xa) == 0);
	CHECK_NEAR(base_a, 1e6, 0);
	/* zoo order: resnet18 0, resnet50 1, ..., bert 8: resnet50 comes first */
	const char *const *names = zoo_names();
	int id50 = 0, idbert = 0;
	while (strcmp(names[id50], "resnet50") != 0)
		id50++;
	while (strcmp(names[idbert], "bert") != 0)
		idbert++;
	CHECK(id50 < idbert);
	float want[FEAT_PAPER_COUNT] = {0};
	want[id50] = 1;
	want[FEAT_PAPER_IDS + 0] = 2; /* start */
	want[FEAT_PAPER_IDS + 1] = 9; /* end */
	want[FEAT_PAPER_IDS + 2] = 4; /* batch */
	want[FEAT_PAPER_IDS + 3] = 0; /* no seq */
	want[FEAT_PAPER_PER_SLOT + idbert] = 1;
	want[FEAT_PAPER_PER_SLOT + FEAT_PAPER_IDS + 0] = 0;
	want[FEAT_PAPER_PER_SLOT + FEAT_PAPER_IDS + 1] = 5;
	want[FEAT_PAPER_PER_SLOT + FEAT_PAPER_IDS + 2] = 8;
	want[FEAT_PAPER_PER_SLOT + FEAT_PAPER_IDS + 3] = 64;
	for (int i = 0; i < FEAT_PAPER_COUNT; i++)
		CHECK_NEAR(xa[i], want[i], 0);
	/* an empty group has no base; a bad range is refused */
	dev_segment e = {0, 4, 16, 3, 3, 1};
	dev_group ge = {1, &e};
	CHECK_INT(feat_group(f, &ge, xa, &base_a), 0);
	CHECK(base_a == 0 && xa[idbert] == 0);
	dev_segment bad = {1, 4, 0, 3, 99, 1};
	dev_group gbad = {1, &bad};
	CHECK_INT(feat_group(f, &gbad, xa, &base_a), -1);
	feat_free(f);

	/* kinds name their set after '@' */
	CHECK(feat_set_of_kind("lr") == &feat_ours);
	CHECK(feat_set_of_kind("lr@paper") == &feat_paper);
	CHECK(feat_set_of_kind("lr@nope") == NULL);
	CHECK(pred_learner_find("lsvr@paper") == pred_learner_find("lsvr"));
	CHECK(pred_learner_find("lsvr") != NULL);
	CHECK(pred_learner_find("solo@paper") == NULL); /* learns nothing: no features */
	CHECK(pred_learner_find("lr@nope") == NULL);
	CHECK(pred_learner_find("lr@") == NULL);
}

static double eval(const char *kind, const train_data *d, const int *idx, int n_te,
                   train_model **keep)
{
	char err[512];
	train_model *m = NULL;
	double mae = -1, mape = -1;
	double *pr = malloc((size_t)n_te * sizeof *pr);
	if (train_fit(kind, d, idx + n_te, d->n - n_te, 1, &m, err, sizeof err)) {
		fprintf(stderr, "%s: %s\n", kind, err);
		check_failures++;
		free(pr);
		return 1e9;
	}
	CHECK_INT(train_model_predict_rows(m, d, idx, n_te, pr), 0);
	train_errors(d, idx, n_te, pr, &mae, &mape);
	printf("%-4s held-out (%d groups): mae %.4f ms, mape %.2f%%\n", kind, n_te, mae, mape);
	free(pr);
	if (keep)
		*keep = m;
	else
		train_model_free(m);
	return mape;
}

/* Encodes, decodes, and checks both predict the same, bit for bit. */
/* An svm blob whose libsvm text is damaged (an unknown svm type) is
 * refused with our one-line reason, and libsvm's own complaint does not
 * reach stderr */
static void test_svm_damaged(const train_model *svm)
{
	char err[512] = "";
	uint8_t *blob = NULL;
	size_t len = 0;
	CHECK_INT(train_model_encode(svm, &blob, &len, err, sizeof err), 0);
	static const char key[] = "epsilon_svr";
	uint8_t *at = NULL;
	for (size_t i = 0; blob && !at && i + sizeof key - 1 <= len; i++)
		if (!memcmp(blob + i, key, sizeof key - 1))
			at = blob + i;
	CHECK(at != NULL);
	if (!at) {
		free(blob);
		return;
	}
	at[1] = 'Q'; /* "eQsilon_svr" */
	FILE *cap = tmpfile();
	CHECK(cap != NULL);
	fflush(stderr);
	int keep = dup(STDERR_FILENO);
	if (cap)
		dup2(fileno(cap), STDERR_FILENO);
	train_model *x = NULL;
	int rc = train_model_decode(blob, len, &x, err, sizeof err);
	fflush(stderr);
	dup2(keep, STDERR_FILENO);
	close(keep);
	CHECK_INT(rc, -1);
	CHECK(x == NULL);
	CHECK_STR_HAS(err, "libsvm cannot read");
	if (cap) {
		CHECK_INT((int)ftell(cap), 0); /* nothing of libsvm's on stderr */
		fclose(cap);
	}
	free(blob);
}

static void test_roundtrip(const train_model *m, const train_data *d, const int *idx, int n)
{
	char err[512];
	uint8_t *blob = NULL;
	size_t len = 0;
	CHECK_INT(train_model_encode(m, &blob, &len, err, sizeof err), 0);
	train_model *back = NULL;
	CHECK_INT(train_model_decode(blob, len, &back, err, sizeof err), 0);
	if (!back) {
		free(blob);
		return;
	}
	double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
	train_model_predict_rows(m, d, idx, n, a);
	train_model_predict_rows(back, d, idx, n, b);
	CHECK(memcmp(a, b, (size_t)n * sizeof *a) == 0);
	train_model_free(back);

	/* damaged blobs are refused with a reason */
	train_model *x = NULL;
	CHECK_INT(train_model_decode(blob, len - 3, &x, err, sizeof err), -1);
	CHECK(x == NULL);
	uint8_t *bad = malloc(len);
	memcpy(bad, blob, len);
	bad[4] = 9; /* format version */
	CHECK_INT(train_model_decode(bad, len, &x, err, sizeof err), -1);
	CHECK_STR_HAS(err, "format 9");
	memcpy(bad, blob, len);
	bad[12] = FEAT_COUNT - 1; /* feature count */
	CHECK_INT(train_model_decode(bad, len, &x, err, sizeof err), -1);
	CHECK_STR_HAS(err, "features");
	memcpy(bad, blob, len);
	bad[0] = 'X';
	CHECK_INT(train_model_decode(bad, len, &x, err, sizeof err), -1);
	CHECK_STR_HAS(err, "magic");
	free(bad);
	free(blob);
	free(a);
	free(b);
}

int main(void)
{
	char err[1024];
	prof *p = prof_new_file("h100", NULL, err, sizeof err);
	zoo_model *m[GEN_N_MODELS];
	for (int i = 0; i < GEN_N_MODELS; i++)
		m[i] = zoo_model_new(gen_models[i], err, sizeof err);
	test_features(p, m);
	test_paper_features(p, m);

	smp_set s = {0};
	CHECK_INT(gen_groups(p, m, 100, 7, &s, err, sizeof err), 0);
	CHECK_INT((int)s.n, 2100);
	train_data d;
	CHECK_INT(train_data_build(&d, &s, p, err, sizeof err), 0);
	CHECK_INT(d.n_combos, 21);
	CHECK_INT(d.d, FEAT_COUNT);

	int n = d.n, n_te = n / 5;
	int *idx = malloc((size_t)n * sizeof *idx);
	for (int i = 0; i < n; i++)
		idx[i] = i;
	rng g;
	rng_seed(&g, 3);
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rng_below(&g, (uint32_t)i + 1), t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	/* the baseline a trained predictor must beat: the longest segment */
	double ape = 0;
	for (int i = 0; i < n_te; i++)
		ape += fabs(d.base_ns[idx[i]] - d.truth_ns[idx[i]]) / d.truth_ns[idx[i]];
	double base_mape = 100 * ape / n_te;
	printf("max-solo baseline mape %.2f%%\n", base_mape);

	train_model *mlp = NULL, *lr = NULL, *svm = NULL;
	double mape_lr = eval("lr", &d, idx, n_te, &lr);
	double mape_mlp = eval("mlp", &d, idx, n_te, &mlp);
	double mape_svm = eval("svm", &d, idx, n_te, &svm);
	CHECK(mape_mlp < 3.0);
	CHECK(mape_mlp < 0.75 * mape_lr);
	CHECK(mape_lr < base_mape);
	CHECK(mape_svm < 3.0);
	/* the same seed trains the same model */
	CHECK_NEAR(eval("mlp", &d, idx, n_te, NULL), mape_mlp, 0);

	/* the predictor over services gives what the rows give */
	const zoo_model *svc[GEN_N_MODELS];
	for (int i = 0; i < GEN_N_MODELS; i++)
		svc[i] = m[i];
	train_model *copy = NULL;
	{
		uint8_t *blob;
		size_t len;
		CHECK_INT(train_model_encode(mlp, &blob, &len, err, sizeof err), 0);
		CHECK_INT(train_model_decode(blob, len, &copy, err, sizeof err), 0);
		free(blob);
	}
	predictor pr;
	CHECK_INT(train_predictor_open(&pr, copy, p, svc, GEN_N_MODELS, err, sizeof err), 0);
	CHECK_STR_HAS(pr.iface->name, "mlp");
	enum { NG = 40 };
	dev_segment seg[NG][2];
	dev_group grp[NG];
	int64_t out[NG];
	double rows[NG];
	for (int i = 0; i < NG; i++) {
		const smp_group *sg = &s.g[idx[i]];
		for (int k = 0; k < 2; k++) {
			int sv = 0;
			while (strcmp(gen_models[sv], sg->seg[k].model) != 0)
				sv++;
			seg[i][k] = (dev_segment){sv, sg->seg[k].batch, sg->seg[k].seq, sg->seg[k].start,
			                          sg->seg[k].end, 1};
		}
		grp[i] = (dev_group){2, seg[i]};
	}
	CHECK_INT(pred_predict(&pr, grp, NG, out), 0);
	train_model_predict_rows(mlp, &d, idx, NG, rows);
	for (int i = 0; i < NG; i++)
		CHECK_NEAR((double)out[i], rows[i], 0.5);
	/* with the memo: the same value for each group, asked alone or in a
	 * batch, first (the model) or again (the memo), whatever its place */
	train_predictor_memo(&pr);
	int same = 0;
	for (int pass = 0; pass < 3; pass++) {
		int64_t again[NG];
		if (pass < 2) {
			CHECK_INT(pred_predict(&pr, grp, NG, again), 0);
		} else {
			for (int i = NG - 1; i >= 0; i--)
				CHECK_INT(pred_predict(&pr, &grp[i], 1, &again[i]), 0);
		}
		for (int i = 0; i < NG; i++)
			same += again[i] == out[i];
	}
	CHECK_INT(same, 3 * NG);
	/* groups that differ in one field, or in the number of segments, are
	 * told apart, and one too wide for the memo's key (300 queries) is
	 * predicted each time: all as a predictor without the memo says */
	{
		predictor plain;
		uint8_t *blob;
		size_t len;
		train_model *again = NULL;
		CHECK_INT(train_model_encode(mlp, &blob, &len, err, sizeof err), 0);
		CHECK_INT(train_model_decode(blob, len, &again, err, sizeof err), 0);
		free(blob);
		CHECK_INT(
		    train_predictor_open(&plain, again, p, svc, GEN_N_MODELS, err, sizeof err), 0);
		dev_segment a = seg[0][0], b = seg[0][1];
		dev_segment v[][2] = {{a, b}, {b, a}, {a, b}, {a, b}, {a, b}, {a, b}};
		int nv[] = {1, 2, 2, 2, 2, 2};
		v[2][1].queries = 2;
		v[3][1].end = b.end < svc[b.service]->n_ops ? b.end + 1 : b.end - 1;
		v[4][0].queries = 300;
		v[5][1].start = b.start > 0 ? b.start - 1 : b.start + 1;
		int64_t want[6], got[2][6];
		for (int i = 0; i < 6; i++)
			CHECK_INT(pred_predict(&plain, &(dev_group){nv[i], v[i]}, 1, &want[i]), 0);
		for (int r = 0; r < 2; r++)
			for (int i = 0; i < 6; i++)
				CHECK_INT(
				    pred_predict(&pr, &(dev_group){nv[i], v[i]}, 1, &got[r][i]), 0);
		int agree = 0, apart = 0;
		for (int i = 0; i < 6; i++) {
			agree += got[0][i] == want[i] && got[1][i] == want[i];
			apart += want[i] != want[0];
		}
		CHECK_INT(agree, 6);
		CHECK(apart >= 4); /* the variants do predict differently */
		pred_free(&plain);
	}
	pred_free(&pr);

	test_roundtrip(mlp, &d, idx, n_te);
	test_roundtrip(lr, &d, idx, n_te);
	test_roundtrip(svm, &d, idx, n_te);
	test_svm_damaged(svm);

	/* liblinear's linear SVR: a linear model like lr's, fitted to the
	 * epsilon-insensitive loss; seeded, so the same rows give the same */
	train_model *lsvr = NULL;
	double mape_lsvr = eval("lsvr", &d, idx, n_te, &lsvr);
	CHECK(mape_lsvr < base_mape);
	CHECK(mape_lsvr < 1.2 * mape_lr); /* measured: 3.27% against lr's 3.35% */
	CHECK_NEAR(eval("lsvr", &d, idx, n_te, NULL), mape_lsvr, 0);
	if (lsvr)
		test_roundtrip(lsvr, &d, idx, n_te);
	train_model_free(lsvr);

	/* the paper's features on the same groups: rows of that set, kinds
	 * with its suffix; a kind of one set refuses rows of the other */
	train_data dp;
	CHECK_INT(train_data_build_set(&dp, &s, p, &feat_paper, err, sizeof err), 0);
	CHECK_INT(dp.d, FEAT_PAPER_COUNT);
	CHECK(dp.fs == &feat_paper);
	train_model *x = NULL;
	CHECK_INT(train_fit("lr@paper", &d, NULL, n, 1, &x, err, sizeof err), -1);
	CHECK_STR_HAS(err, "not paper");
	CHECK_INT(train_fit("lr", &dp, NULL, n, 1, &x, err, sizeof err), -1);
	CHECK_INT(train_fit("lr@nope", &dp, NULL, n, 1, &x, err, sizeof err), -1);
	CHECK_STR_HAS(err, "unknown predictor 'lr@nope'");
	CHECK(x == NULL);
	train_model *mlp_p = NULL, *lr_p = NULL;
	double pm_lr = eval("lr@paper", &dp, idx, n_te, &lr_p);
	double pm_lsvr = eval("lsvr@paper", &dp, idx, n_te, NULL);
	double pm_mlp = eval("mlp@paper", &dp, idx, n_te, &mlp_p);
	printf("paper features: mlp %.2f%%, lr %.2f%%, lsvr %.2f%%\n", pm_mlp, pm_lr, pm_lsvr);
	/* measured here: mlp 30%, lr 70%, lsvr 61%. The paper's contrast (the
	 * MLP well under the linear ones) holds on these groups; all three are
	 * far worse than on our features, which know each op range's cost. */
	CHECK(pm_mlp < 0.6 * pm_lr && pm_mlp < 0.6 * pm_lsvr);
	CHECK(pm_mlp > 3 * mape_mlp);
	if (mlp_p) {
		CHECK_STR_HAS(train_model_kind(mlp_p), "mlp@paper");
		test_roundtrip(mlp_p, &dp, idx, n_te);
	}
	if (lr_p)
		test_roundtrip(lr_p, &dp, idx, n_te);
	train_model_free(mlp_p);
	train_model_free(lr_p);
	train_data_free(&dp);

	/* unknown kind and too little data are errors, not crashes */
	train_model *none = NULL;
	CHECK_INT(train_fit("knn", &d, NULL, n, 1, &none, err, sizeof err), -1);
	CHECK_STR_HAS(err, "unknown predictor 'knn'");
	CHECK_INT(train_fit("mlp", &d, idx, 1, 1, &none, err, sizeof err), -1);
	CHECK(none == NULL);

	train_model_free(mlp);
	train_model_free(lr);
	train_model_free(svm);
	train_data_free(&d);
	smp_set_free(&s);
	free(idx);
	for (int i = 0; i < GEN_N_MODELS; i++)
		zoo_model_free(m[i]);
	prof_free(p);
	return check_report("test_pred");
}
