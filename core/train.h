/* train.h: training, evaluating and storing the overlap-aware predictors.
 *
 * A trained model is a learner (pred_trained.h) plus the standardisation
 * of its inputs and target. It predicts log(duration / longest solo
 * latency) from the group features (feat.h); train_predictor_open wraps
 * it into a predictor (pred.h) for a run's services.
 *
 * Data: measured groups (sample.h) and the solo profile of the same GPU.
 * train_data_build turns each sample into its features, its base (the
 * longest solo latency of its segments) and its measured duration.
 *
 * Storage: the table `predictors` of results.db (schema 2). Each row
 * holds a blob with everything needed to predict, in this little-endian
 * format (u32, f64 as in pred_trained.h):
 *     "ABPR"  u32 format (TRAIN_BLOB_VERSION)  u32 features_version
 *     u32 d   u32 length of kind, kind bytes ("mlp", "lr", "svm")
 *     f64 x_mean[d]  f64 x_scale[d]  f64 y_mean  f64 y_scale
 *     the learner's own state (its encode)
 * and the FNV-1a 64 checksum of the blob as 16 hex digits, verified on
 * load. Rows are only ever added: the newest row for a key wins.
 */
#ifndef ABACUS_TRAIN_H
#define ABACUS_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "feat.h"
#include "pred.h"
#include "pred_trained.h"
#include "sample.h"

#define TRAIN_BLOB_VERSION 1

/* Samples as training rows. Combinations are named by their models
 * sorted and joined by '+' ("bert+resnet50"), so the order of services
 * does not matter. */
typedef struct train_data {
	int n, d;
	float *x;         /* n x d raw features */
	double *base_ns;  /* longest solo latency of each group */
	double *truth_ns; /* measured duration (median) */
	int *combo;       /* index into combos */
	char (*combos)[4 * ZOO_NAME_MAX];
	int n_combos;
} train_data;

int train_data_build(train_data *out, const smp_set *s, const prof *p, char *err,
                     size_t errlen);
void train_data_free(train_data *d);

/* The canonical name of a set of models ("bert+resnet50"). */
void train_combo_name(const char *const *names, int n, char *out, size_t len);

typedef struct train_model train_model;

/* The learner called kind if it trains (pred_learners' entries with a
 * fit), or NULL. */
const pred_learner *train_learner(const char *kind);

/* Fits a model of the given kind on rows[0..n) of d (all rows when rows
 * is NULL). */
int train_fit(const char *kind, const train_data *d, const int *rows, int n, uint64_t seed,
              train_model **out, char *err, size_t errlen);
void train_model_free(train_model *m);
const char *train_model_kind(const train_model *m);
/* Predicted durations (ns) of rows[0..n) of d. */
int train_model_predict_rows(const train_model *m, const train_data *d, const int *rows, int n,
                             double *out_ns);

/* Mean absolute error (ms) and mean absolute percentage error (percent)
 * of predictions against the truth of those rows. */
void train_errors(const train_data *d, const int *rows, int n, const double *pred_ns,
                  double *mae_ms, double *mape);

/* The blob (malloc'd, caller frees) and its checksum. */
int train_model_encode(const train_model *m, uint8_t **blob, size_t *len, char *err,
                       size_t errlen);
int train_model_decode(const uint8_t *blob, size_t len, train_model **out, char *err,
                       size_t errlen);
uint64_t train_checksum(const uint8_t *p, size_t n);

/* A predictor over a run's services from a model it takes ownership of
 * (freed by pred_free, or here on failure). Borrows the profile and the
 * models. */
int train_predictor_open(predictor *out, train_model *m, const prof *p,
                         const zoo_model *const *models, int n_svc, char *err, size_t errlen);

/* What a stored predictor row says about itself. */
typedef struct train_row {
	const char *gpu, *kind, *mode, *combo; /* mode "all" (combo "*") or "one" */
	int n_train;
	double mae_ms, mape;
} train_row;

/* Adds a row to the predictors table of db_path (created or migrated to
 * schema 2 first); its id in *id when id is not NULL. */
int train_save(const char *db_path, const train_row *row, const train_model *m, int64_t *id,
               char *err, size_t errlen);

/* The stored predictor of `kind` for this GPU and these services: the
 * 'one' predictor of exactly this combination of models when there is
 * one, else the 'all' predictor. A missing one is an error that says how
 * to make it; a corrupt blob (checksum, version, feature count) is
 * refused. The database is opened read-only. */
int train_load_predictor(predictor *out, const char *db_path, const char *gpu, const char *kind,
                         const prof *p, const zoo_model *const *models, int n_svc, char *err,
                         size_t errlen);

/* What `abacus train` does: train and measure the predictors of `predictor`
 * ("mlp", "lr", "svm" or "all") on the measured groups of a GPU, store
 * them in db, print the measured errors to out. */
typedef struct train_config {
	const char *db;     /* results database the predictors are added to */
	const char *gpu;    /* whose profile and groups */
	const char *groups; /* groups CSV; NULL: DATA/<gpu>/groups.csv */
	const char *data;   /* data folder; NULL: prof_default_data_dir() */
	const char *predictor, *mode, *format; /* mode "all" | "one"; format "table" | "csv" */
	double test_frac;   /* held out, in (0, 1), unless folds or lopo */
	int folds;          /* 0 (a split) or 2 to 100 */
	int lopo;           /* 1: hold out each combination in turn */
	uint64_t seed;
	struct progress *progress; /* a task of all the fits; NULL: none */
} train_config;

/* results.db, h100, every learner, mode all, a table, 0.2 held out, seed 1. */
void train_config_default(train_config *c);

/* Checks, trains, stores and prints. Returns 0, 1 for a failure or 2 for
 * a configuration that makes no sense (message in err either way). */
int train_run(const train_config *c, FILE *out, char *err, size_t errlen);

#endif
