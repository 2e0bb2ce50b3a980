/* sample.h: measured operator groups, the predictor's training data.
 *
 * A sample is one operator group (one segment per service, in the order
 * of its combination) and its measured duration. Samples travel as CSV so
 * that the profile of a GPU can be committed under data/<gpu>/groups.csv
 * and read anywhere:
 *
 *   combo,segments,median_us,p99_us
 *   resnet101+bert,resnet101:4:0:3:17;bert:8:64:0:5,1834.2,1850.0
 *
 * combo names the models joined by '+'; segments are
 * model:batch:seq:start:end joined by ';' (seq 0 for models without one).
 * A fifth column, seg_us, may give when each segment ended, us from the
 * group's start, joined by ';' in the segments' order (a live timeline
 * measures them: bench/gpu/timeline.py --groups); a row may leave it
 * empty. The simulator's share of contention is fitted on them (calib.h).
 */
#ifndef ABACUS_SAMPLE_H
#define ABACUS_SAMPLE_H

#include <stddef.h>
#include <stdio.h>

#include "zoo.h"

#define SMP_MAX_SEG 8
/* The largest batch a segment may have, as everywhere in abacus. */
#define SMP_MAX_BATCH 4096

typedef struct smp_segment {
	char model[ZOO_NAME_MAX];
	int batch, seq, start, end;
} smp_segment;

typedef struct smp_group {
	char combo[4 * ZOO_NAME_MAX];
	int n;
	smp_segment seg[SMP_MAX_SEG];
	double median_us, p99_us;
	int has_seg;                /* seg_us given */
	double seg_us[SMP_MAX_SEG]; /* each segment's end from the start */
} smp_group;

typedef struct smp_set {
	smp_group *g;
	size_t n, cap;
} smp_set;

/* Appends; 0 or -1 when out of memory. */
int smp_push(smp_set *s, const smp_group *g);
void smp_set_free(smp_set *s);

/* Sets combo from the segments' models. */
void smp_set_combo(smp_group *g);

/* Reads a CSV (appending to s); errors name file:line:column. Every
 * segment must fit its zoo model: batch 1 to SMP_MAX_BATCH, seq within
 * the model's range (0 for models without one), 0 <= start < end <=
 * n_ops. */
int smp_read_csv(const char *path, smp_set *s, char *err, size_t errlen);
int smp_write_csv(const char *path, const smp_set *s, char *err, size_t errlen);
/* One row, no newline checks: for streaming writers, whose header has
 * no seg_us (smp_write_csv writes it where a group has it). */
void smp_fprint(FILE *f, const smp_group *g);

#endif
