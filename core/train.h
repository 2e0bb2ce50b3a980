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
 * Storage: one file per predictor in the GPU's data bundle (data.h),
 * <dir>/<gpu>/<kind>.pred for the one trained on every combination
 * (mode all) and <kind>.<combo>.pred for one combination's own (mode one);
 * where the bundle is read-only, in the cache instead (<cache>/<gpu>-
 * <digest>-f<features version>/). A file is a text header, one "key value"
 * line each, in this order:
 *     abacus predictor
 *     format 1               (TRAIN_FILE_VERSION)
 *     gpu h100
 *     kind mlp               (mlp, lr, svm, lsvr; lr@paper on the
 *                             paper's features, feat.h)
 *     mode all               (all, one)
 *     combo *                (* for mode all, else "bert+resnet50")
 *     features_version 1     (FEAT_VERSION, or the version of the kind's
 *                             feature set)
 *     data_digest 16 hex     (data_digest of the ops.csv and groups.csv it
 *                             was trained on)
 *     n_train 3120
 *     mae_ms 0.037300        (held-out error, as `abacus train` measured it)
 *     mape 2.3700
 *     seed 1
 *     blob N CHECKSUM        (bytes that follow, FNV-1a 64 of them in hex)
 * and then N bytes of blob, little-endian (u32, f64 as in pred_trained.h):
 *     "ABPR"  u32 format (TRAIN_BLOB_VERSION)  u32 features_version
 *     u32 d   u32 length of kind, kind bytes ("mlp", "lr@paper", ...)
 *     f64 x_mean[d]  f64 x_scale[d]  f64 y_mean  f64 y_scale
 *     the learner's own state (its encode)
 * A predictor whose digest, features version or format is not today's is
 * stale: never used, trained again where it is needed. One that cannot
 * be read (a bad header, a checksum that does not match) is an error.
 * Training is deterministic (seeded), so the same data gives the same
 * file.
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
	const feat_set *fs; /* what x holds */
} train_data;

int train_data_build(train_data *out, const smp_set *s, const prof *p, char *err,
                     size_t errlen);
/* The same on another feature set (feat.h). */
int train_data_build_set(train_data *out, const smp_set *s, const prof *p, const feat_set *fs,
                         char *err, size_t errlen);
void train_data_free(train_data *d);

/* The canonical name of a set of models ("bert+resnet50"). */
void train_combo_name(const char *const *names, int n, char *out, size_t len);

typedef struct train_model train_model;

/* The learner called kind if it trains (pred_learners' entries with a
 * fit), or NULL. A kind "lr@paper" is learner lr on the paper's features
 * (feat.h); its files are lr@paper.pred. */
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
/* Turns on, for a predictor train_predictor_open made (any other is left
 * as it is), a memo of its predictions: a group asked again gets the
 * value it got, without the model (the same value: each row is predicted
 * on its own). Bounded (a few MB, made on first use); what runs turn on,
 * not the benchmarks of the model itself. */
void train_predictor_memo(predictor *p);

#define TRAIN_FILE_VERSION 1
/* Room for a predictor file's path (a cache folder and a name). */
#define TRAIN_PATH_MAX 1400

/* What a predictor file's header says. */
typedef struct train_meta {
	int format, features_version;
	char gpu[32], kind[32], mode[8], combo[4 * ZOO_NAME_MAX];
	uint64_t digest;
	int n_train;
	double mae_ms, mape;
	uint64_t seed;
} train_meta;

/* "mlp.pred", or "mlp.bert+resnet50.pred" for a combination (combo NULL
 * or "*": mode all). */
void train_file_name(char *buf, size_t len, const char *kind, const char *combo);
/* Writes the file (to a temporary beside it, renamed over path). */
int train_file_write(const char *path, const train_meta *meta, const train_model *m, char *err,
                     size_t errlen);
/* Reads the header into meta and checks the blob's length and checksum;
 * decodes the model too when out is not NULL. */
int train_file_read(const char *path, train_meta *meta, train_model **out, char *err,
                    size_t errlen);

/* What predictors are trained on: a GPU's profile and measured groups,
 * and where they are kept. */
typedef struct train_source {
	char gpu[32];
	char ops[1024], groups[1024];
	char bundle[1100]; /* <dir>/<gpu> when ops and groups are its own files, else "" */
	char cache[1100];  /* the cache folder for this digest, "" when there is none */
	uint64_t digest;   /* data_digest of ops, groups */
} train_source;

/* The bundle <dir>/<gpu>, with ops (NULL: the bundle's ops.csv) and groups
 * (NULL: its groups.csv). Missing groups are an error that says so. */
int train_source_init(train_source *s, const char *gpu, const char *dir, const char *ops,
                      const char *groups, char *err, size_t errlen);

/* Makes sure a current `kind` predictor (mode all) of s exists: the
 * bundle's, else the cache's, else one trained now (with a line on
 * train_log before and after, when train_log is not NULL) and written into
 * the bundle, or into the cache where the bundle is read-only. Its path
 * in path. Stale files are reported on train_log and left unused. */
int train_ensure(const train_source *s, const char *kind, FILE *train_log, char *path,
                 size_t plen, char *err, size_t errlen);

/* The predictor of `kind` for these services: the current 'one'
 * predictor of exactly this combination of models when there is one, else
 * the 'all' predictor (train_ensure). */
int train_load_predictor(predictor *out, const train_source *s, const char *kind, const prof *p,
                         const zoo_model *const *models, int n_svc, FILE *train_log, char *err,
                         size_t errlen);

/* What `abacus train` does: train and measure the predictors of `predictor`
 * ("mlp", "lr", "svm" or "all") on the measured groups of a GPU, write
 * them into its bundle (or the cache: train_source), print the measured
 * errors to out. */
typedef struct train_config {
	const char *gpu;    /* whose profile and groups */
	const char *groups; /* groups CSV; NULL: DATA/<gpu>/groups.csv */
	const char *data;   /* data folder; NULL: the one data_find finds */
	const char *predictor, *mode, *format; /* mode "all" | "one"; format "table" | "csv" */
	const char *features; /* "ours" | "paper" (feat.h): what every learner is trained on */
	double test_frac;   /* held out, in (0, 1), unless folds or lopo */
	int folds;          /* 0 (a split) or 2 to 100 */
	int lopo;           /* 1: hold out each combination in turn */
	uint64_t seed;
	struct progress *progress; /* a task of all the fits; NULL: none */
} train_config;

/* h200, every learner on our features, mode all, a table, 0.2 held out,
 * seed 1. */
void train_config_default(train_config *c);

/* Checks, trains, writes and prints. Returns 0, 1 for a failure or 2 for
 * a configuration that makes no sense (message in err either way). */
int train_run(const train_config *c, FILE *out, char *err, size_t errlen);

#endif
