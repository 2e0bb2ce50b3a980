/* calib.h: fitting the simulator's contention model to measured groups.
 *
 * The simulator's solo latencies come straight from the measured profile;
 * what overlap costs is the contention model's job (sim.h), whose three
 * parameters (kappa, scale_c, scale_m) are fitted here to measured
 * operator groups (sample.h) by coordinate descent on a grid, minimising
 * the mean absolute percentage error of the simulated group durations on
 * a seeded training split. The held-out split says how far to trust the
 * simulator.
 *
 * A fourth, share (sim.h: how the slowdown of overlapped ops is split
 * among them), cannot be told from a group's duration alone: it is held
 * fixed in a fit (0 unless given), or chosen on groups measured live with
 * each segment's end (sample.h's seg_us) as the share of a grid whose fit
 * gives those ends the least error (calib_config.segments).
 */
#ifndef ABACUS_CALIB_H
#define ABACUS_CALIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "prof.h"
#include "sample.h"

typedef struct calib_result {
	double kappa, scale_c, scale_m, share;
	double mape_train, mape_test; /* percent */
	size_t n_train, n_test;
	/* calib_check: the segment ends' error on the samples that give
	 * theirs (seg_us) */
	double mape_seg;
	size_t n_seg;
	/* the same on the groups share was chosen on (calib_run's segments) */
	double mape_seg_fit;
	size_t n_seg_fit;
} calib_result;

struct progress;

/* Fits on (1 - test_frac) of the samples (at most max_train of them),
 * share held fixed; reports per-combination test MAPE to `report` when
 * not NULL, and the fit's progress to pg (a task of every point tried)
 * when not NULL. */
int calib_fit(const prof *p, const smp_set *samples, double share, double test_frac,
              size_t max_train, uint64_t seed, FILE *report, struct progress *pg, calib_result *out,
              char *err, size_t errlen);

/* share chosen on the segment ends of seg (groups measured live, seg_us
 * given; seg_name names them in messages): for each share of a grid (0
 * to 3 by 0.25) the contention model fitted on s as calib_fit fits it,
 * then priced on seg; the share whose fit gives seg's segment ends the
 * least error wins and is fitted again, with the per-combination report.
 * A line a share goes to out; out's mape_seg_fit and n_seg_fit say the
 * winner's error on seg. At least 10 of seg's groups must give ends. */
int calib_fit_share(const prof *p, const smp_set *s, const smp_set *seg, const char *seg_name,
                    double test_frac, size_t max_train, uint64_t seed, FILE *out,
                    struct progress *pg, calib_result *r, char *err, size_t errlen);

/* The error of given contention parameters on every sample (none held
 * out, nothing fitted): out's mape_test and n_test say it, its other
 * error fields are 0; the per-combination table goes to report when not
 * NULL. For measured groups the fit never saw, such as a live run's
 * (bench/gpu/timeline.py --groups). */
int calib_check(const prof *p, const smp_set *samples, double kappa, double scale_c, double scale_m,
                double share, FILE *report, calib_result *out, char *err, size_t errlen);

/* Writes DIR/<gpu>/sim.csv, which sim_load_calibration reads. */
int calib_write(const char *data_dir, const char *gpu, const calib_result *r, char *err,
                size_t errlen);

/* What `abacus calibrate` does: fit on the groups of a GPU, print the
 * parameters, the train and held-out MAPE and the per-combination table,
 * and with `write` store DIR/<gpu>/sim.csv. */
typedef struct calib_config {
	const char *gpu;
	const char *data;   /* data folder; NULL: the one data_find finds */
	const char *groups; /* NULL: DATA/<gpu>/groups.csv */
	double test_frac;
	uint64_t max_train; /* 0: every training group */
	uint64_t seed;
	int write;
	int check; /* no fit: the stored DATA/<gpu>/sim.csv's error on every group */
	/* a fit: share held there (NAN: 0); --check: share tried in place of
	 * the stored one (NAN: the stored) */
	double share;
	/* groups with their segment ends (seg_us) on which share is chosen
	 * (calib_fit_share); NULL: none */
	const char *segments;
	struct progress *progress; /* the fit's; NULL: none */
} calib_config;

/* h200, 0.2 held out, at most 4000 training groups, seed 1, no write,
 * share NAN, no segments. */
void calib_config_default(calib_config *c);

/* 0, or -1 with one line in err. */
int calib_run(const calib_config *c, FILE *out, char *err, size_t errlen);

#endif
