/* calib.h: fitting the simulator's contention model to measured groups.
 *
 * The simulator's solo latencies come straight from the measured profile;
 * what overlap costs is the contention model's job (sim.h), whose three
 * parameters (kappa, scale_c, scale_m) are fitted here to measured
 * operator groups (sample.h) by coordinate descent on a grid, minimising
 * the mean absolute percentage error of the simulated group durations on
 * a seeded training split. The held-out split says how far to trust the
 * simulator.
 */
#ifndef ABACUS_CALIB_H
#define ABACUS_CALIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "prof.h"
#include "sample.h"

typedef struct calib_result {
	double kappa, scale_c, scale_m;
	double mape_train, mape_test; /* percent */
	size_t n_train, n_test;
} calib_result;

/* Fits on (1 - test_frac) of the samples (at most max_train of them);
 * reports per-combination test MAPE to `report` when not NULL. */
int calib_fit(const prof *p, const smp_set *samples, double test_frac, size_t max_train,
              uint64_t seed, FILE *report, calib_result *out, char *err, size_t errlen);

/* Writes DIR/<gpu>/sim.csv, which sim_load_calibration reads. */
int calib_write(const char *data_dir, const char *gpu, const calib_result *r, char *err,
                size_t errlen);

#endif

/* `abacus calibrate [--gpu G] [--data DIR] [--groups CSV] [--test-frac F]
 *  [--max-train N] [--seed S] [--write]`: fits, prints the parameters, the
 *  train and held-out MAPE and the per-combination table; --write stores
 *  DIR/<gpu>/sim.csv. Returns the process exit code. */
int calib_cli(int argc, char **argv);
