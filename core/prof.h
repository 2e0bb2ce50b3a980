/* prof.h: solo op latencies of one GPU.
 *
 * A profile maps (model, op, batch, seq) to the op's latency when it runs
 * alone. Measured profiles are CSV files shipped under data/<gpu>/ops.csv
 * (a header naming the columns model,op,batch,seq,median_us and optionally
 * p99_us, in any order, read by csv.h; seq 0 for models without one),
 * written by the GPU benchmark / `abacus profile`. Points between
 * measured batch sizes or sequence lengths are interpolated linearly (and
 * extrapolated from the last two points beyond them). A profile without a
 * file is the roofline estimate of gpu.h, which a scenario asks for by
 * name (profile = "roofline"); a run checks that the measured profile
 * covers every op of its models (prof_check_model) rather than estimate
 * the ones it lacks, and refuses batches and sequence lengths past the
 * largest measured (prof_max_batch, prof_max_seq) rather than extrapolate.
 *
 * A row whose op is the model's op count (one past its last op) is the
 * whole model run as one range, as an uncut query runs: the live device
 * replays it as one CUDA graph, which costs less than its ops one by one
 * (no gap between per-op graphs). Such rows are optional; without them a
 * whole run costs the sum of its ops.
 *
 * Lookups scan the model's rows: callers on a hot path (the simulator, the
 * solo predictor) tabulate what they need once at setup.
 */
#ifndef ABACUS_PROF_H
#define ABACUS_PROF_H

#include <stddef.h>
#include <stdint.h>

#include "gpu.h"
#include "zoo.h"

typedef struct prof prof;

/* Loads data_dir/<gpu>/ops.csv (data_dir NULL: the folder data_find
 * finds). The folder must exist and hold the profile: the message says
 * what is missing and where it looked. A malformed file is an error
 * (file:line:column), and so are a file without rows, a row whose model
 * is not in the zoo, an op beyond the model's (n_ops being the whole
 * model), a seq outside the model's range (0 for a model without one) and
 * two rows of one (model, op, batch, seq). */
prof *prof_new(const char *gpu, const char *data_dir, char *err, size_t errlen);
/* Same, from an explicit CSV path; NULL is the roofline estimate alone. */
prof *prof_new_file(const char *gpu, const char *path, char *err, size_t errlen);
void prof_free(prof *p);

const gpu_spec *prof_gpu(const prof *p);
/* The CSV the profile came from, or "" when roofline only. */
const char *prof_path(const prof *p);
/* 1 when the model's latencies are measured, 0 when estimated. */
int prof_measured(const prof *p, const char *model);
/* 0 when every op of m is measured (or p is the roofline), else -1 with a
 * message naming the file, the model and the op missing. Where an op
 * lacks rows, prof_op_ns would give its roofline estimate. */
int prof_check_model(const prof *p, const zoo_model *m, char *err, size_t errlen);

int64_t prof_op_ns(const prof *p, const zoo_model *m, int op, int batch, int seq);
/* The largest batch measured for the model (any op, any seq); 0 when the
 * model has no rows (the roofline). */
int prof_max_batch(const prof *p, const zoo_model *m);
/* The same for the sequence length; 0 for a model without one. */
int prof_max_seq(const prof *p, const zoo_model *m);
/* The whole model run as one range (rows with op = n_ops), interpolated
 * like an op; 0 when the profile has no such rows for the model. */
int64_t prof_whole_ns(const prof *p, const zoo_model *m, int batch, int seq);

/* Profiles measured inside SM partitions. data_dir/<gpu>/sms<N>/ops.csv
 * is the profile measured in a green context of N SMs (abacus profile
 * --sms N); prof_new loads every such file beside the whole GPU's
 * (prof_load_sizes), prof_add_size one explicitly. At most
 * PROF_MAX_SIZES sizes. N may be the GPU's whole SM count: that profile
 * then serves only as the whole-GPU end of the interpolation (measured
 * with the same engine and grid as the sizes), never as a plain run's,
 * which stays ops.csv. */
#define PROF_MAX_SIZES 8
int prof_add_size(prof *p, int sms, const char *path, char *err, size_t errlen);
int prof_load_sizes(prof *p, const char *gpu_dir, char *err, size_t errlen);
/* The measured sizes, ascending, into sms[0..max); returns how many. */
int prof_sizes(const prof *p, int *sms, int max);

/* The profile of an SM partition of `sms` of the GPU's SMs. Row by row
 * (model, op, batch, seq) of the whole GPU's profile p:
 *  - measured at that size: the measured time;
 *  - measured at sizes around it (the whole GPU counting as one, from its
 *    sms<total> profile where there is one, else ops.csv): linear
 *    in 1/sms between the nearest two, since compute time goes as 1/sms
 *    and memory time not at all (bench/results/h200/partitions/ has the
 *    error of this on a measured size left out);
 *  - below the smallest measured size: that size's time, scaled as the
 *    model below scales from it to sms;
 *  - measured at no size: the model (docs/partitions.md). Of an op's
 *    measured time t, the first gpu_spec.launch_ns (launch and tail, at
 *    most t) does not scale; the rest scales as the op's roofline time
 *    does when the compute peak shrinks to sms/total of itself and memory
 *    bandwidth stays whole,
 *        max(F/P * total/sms, B/W) / max(F/P, B/W)
 *    (F, B the op's FLOPs and bytes, P, W the spec's achievable peaks). A
 *    whole-model row scales as the sum of its ops does.
 * The roofline profile (no rows) scales by the model, op by op. sms must
 * be 1 to the GPU's SM count; sms == total gives a copy. */
prof *prof_new_partition(const prof *p, int sms, char *err, size_t errlen);
/* How a partition's profile was made: "64 SMs: 1200 rows measured, ...". */
const char *prof_origin(const prof *p);
/* The SMs a profile's latencies are for: the GPU's, or the partition's. */
int prof_sms(const prof *p);

/* Solo latencies of one model tabulated per (batch, seq) on first use, as
 * cumulative sums over ops, so the latency of a segment [a, b) alone is
 * prefix[b] - prefix[a]: the hot path of the simulator and the solo
 * predictor. */
typedef struct prof_table prof_table;

prof_table *prof_table_new(const prof *p, const zoo_model *m);
void prof_table_free(prof_table *t);
/* n_ops + 1 cumulative ns; NULL only when out of memory. */
const int64_t *prof_table_prefix(prof_table *t, int batch, int seq);
/* The entry of (batch, seq): 0, 1, ... in the order first asked, the same
 * for the table's life, so a user may keep what it derives from an entry
 * in an array beside the table; -1 only when out of memory. */
int prof_table_key(prof_table *t, int batch, int seq);
/* Solo ns of the segment [start, end): the prefix difference, except the
 * whole model [0, n_ops), which is prof_whole_ns where measured. -1 only
 * when out of memory. What a segment costs alone: the simulator, the solo
 * predictor and the features all take it from here. */
int64_t prof_table_seg_ns(prof_table *t, int batch, int seq, int start, int end);
/* n_ops + 1 cumulative FLOPs and bytes (zoo_op_cost) for the same key;
 * -1 only when out of memory. */
int prof_table_work(prof_table *t, int batch, int seq, const double **flops,
                    const double **bytes);

#endif
