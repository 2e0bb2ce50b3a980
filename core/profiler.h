/* profiler.h: `abacus profile`, measuring a GPU for the simulator and the
 * predictor.
 *
 * Two kinds of measurement, both through the device interface (device.h),
 * so the same code profiles the live GPU and, for tests and laptops, the
 * simulator (whose ground truth then plays the GPU):
 *  - solo ops: every op of every model alone, for every batch size (and
 *    sequence length) of the grid; the median and p99 of `repeats` timed
 *    runs after `warmup` untimed ones. The device's time_ops does the
 *    timing; a device without it gets each op run as a one-op group, which
 *    then includes the per-group synchronisation. Each unit also times
 *    the whole model run as one group, as an uncut query runs, stored as
 *    op n_ops (prof.h).
 *  - operator groups: for each combination of models, `samples` groups of
 *    one random segment per model (random batch, sequence length and op
 *    range), each the median and p99 of `repeats` timed runs after
 *    `warmup` untimed ones.
 *
 * Everything lands in an SQLite file of its own (default profile.db),
 * keyed by (gpu, device): tables solo_ops, groups and settings, schema
 * versioned with PRAGMA user_version.
 *
 * Resuming. Sample idx i of a combination is drawn from a generator seeded
 * by (seed, combination, i) alone, so a profile that is run again draws
 * exactly the samples it would have drawn and skips the rows already
 * stored. Rows are committed every PROFL_COMMIT_MS of wall time, so a kill
 * loses at most that much work; a stop request (SIGINT) commits first. The
 * settings that shape the measurements (seed, grid, repeats, warm-up,
 * simulator noise) must match those stored with earlier rows of the same
 * (gpu, device), or the run is refused: mixed settings would make one
 * profile of two.
 *
 * Export writes DIR/ops.csv (prof.h's format) and DIR/groups.csv
 * (sample.h's format) from the database, ready to commit as data/<gpu>/.
 */
#ifndef ABACUS_PROFILER_H
#define ABACUS_PROFILER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "device.h"

#define PROFL_SCHEMA_VERSION 1
#define PROFL_MAX_MODELS 16
#define PROFL_MAX_GRID 32
#define PROFL_BERT_MAX_BATCH 32 /* the paper's mix gives bert batch 32 */
#define PROFL_COMMIT_MS 2000

typedef struct profl_config {
	const char *device; /* a kind's name in `devices` ("cuda", "sim") */
	const dev_kind *const *devices; /* NULL-terminated (cli/devices.c) */
	const char *gpu;    /* profile name, e.g. "h100" */
	const char *db;     /* SQLite file */
	const char *data_dir; /* sim: where <gpu>/ops.csv is; NULL: data_find's (data.h) */
	int roofline;         /* sim: play the roofline estimate instead of a profile */
	/* Models measured solo; the default combinations keep only those made
	 * of these. Names, not owned. */
	const char *models[PROFL_MAX_MODELS];
	int n_models;
	int batches[PROFL_MAX_GRID];
	int n_batches;
	int seqs[PROFL_MAX_GRID]; /* for models with a sequence length */
	int n_seqs;
	int samples; /* per combination */
	int repeats, warmup;
	/* "default" (the 21 pairs of the seven models and the triplets and the
	 * quadruplet of resnet101, resnet152, vgg19, bert), "pairs" (every
	 * pair of the models) or a list "resnet50+bert,vgg16+bert". */
	const char *combos;
	/* The share of group samples whose segments each span their whole
	 * model (op 0 to the last), as a policy that runs whole queries
	 * (batching, fcfs) forms them; the rest are drawn at random starts and
	 * ends. 0 (the default) draws every sample at random, as before the
	 * option; a sample's other draws do not depend on it. */
	double whole;
	int solo, groups; /* 1: measure them */
	uint64_t seed;
	const char *export_dir; /* NULL: no export */
	double noise, kappa;    /* sim only */
	int commit_ms;          /* wall time between commits */
	/* SMs of the partition measured (a green context of that many SMs on
	 * the GPU: profile --sms); 0: the whole GPU. Stored with the settings,
	 * so one database never mixes sizes. */
	int sms;
	/* The executor measured (profile --engine): a comma list of
	 * dev_engine_apply's words, NULL or "default" for the CUDA defaults.
	 * Stored with the settings, so one database never mixes engines. */
	const char *engine;
	/* The progress line (NULL: none): one task over all the work, solo
	 * units and group samples. */
	struct progress *progress;
	/* Notes (how ops are timed, where rows went) on this stream; NULL:
	 * none. */
	FILE *notes;
	const volatile sig_atomic_t *stop; /* non-zero: commit and return 130 */
} profl_config;

/* The defaults of `abacus profile`: cuda, h100, profile.db, the seven
 * models, batches 1..32, seqs 8..256, 2000 samples, 5 repeats, 2 warm-up,
 * default combinations, solo and groups, seed 1, sim noise 0.02. */
void profl_config_default(profl_config *c);

/* Parses "a,b,c" into names pointing into buf (a copy the caller owns). */
int profl_parse_models(const char *text, char *buf, size_t buflen, const char **out, int max,
                       int *n, char *err, size_t errlen);

/* Checks the configuration: known device, gpu and models, a valid
 * combination list, positive numbers. 0 or -1 with one line in err. */
int profl_check(const profl_config *c, char *err, size_t errlen);

/* The whole command: checks, opens the database, opens the device named
 * by c->device when something is to be measured (never for an export
 * alone), measures, exports. 0 done, 130 stopped by c->stop (rows so far
 * committed, err says how to resume), -1 error with one line in err. */
int profl_run(const profl_config *c, char *err, size_t errlen);

/* Same, on a device the caller opened (and frees); it must not have been
 * set up, profl_run_on does that. dev may be NULL when nothing is to be
 * measured. For tests and for devices opened another way. */
int profl_run_on(const profl_config *c, device *dev, char *err, size_t errlen);

#endif
