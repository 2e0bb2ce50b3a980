/* device.h: where operator groups run.
 *
 * The scheduling core drives a device through this interface and never
 * knows which one it is: the simulated GPU (sim/), the CUDA executor
 * (runtime/) or a test double. Like SQLite's VFS or ggml's backends, a
 * device is a table of function pointers (dev_iface) beside an opaque
 * context.
 *
 * Time is int64_t nanoseconds on the device's own clock: virtual for the
 * simulator, CLOCK_MONOTONIC since the device was opened for CUDA. The core
 * reads it with now() and never looks at another clock.
 *
 * Protocol: setup() once with the run's services (the device allocates an
 * executor per service, sized for the largest batch and sequence length),
 * then any number of wait_until() / run_group() (or launch() and
 * wait_group(): at most one group in flight), then free().
 *
 * Partitions. A kind that can split one GPU into SM partitions opens
 * them together (open_parts): one device per partition, all on one clock
 * (the simulator's virtual clock, the GPU's monotonic clock), so that a
 * run's workers (worker.h) can wait on whichever group ends first.
 *
 * Kinds. A dev_kind names one implementation and opens it from the
 * options of a run or a profile. The core never lists the kinds: the
 * caller hands it a NULL-terminated table (cli/devices.c builds the one
 * of the abacus command, with the kinds that were compiled in), and the
 * core finds a kind by name in it, as SQLite finds a VFS.
 */
#ifndef ABACUS_DEVICE_H
#define ABACUS_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "zoo.h"

/* What the device needs to know of a service. */
typedef struct dev_service {
	const zoo_model *model;
	int max_batch;
	int max_seq; /* 0 for models without a sequence length */
	/* Optional: the batch sizes and sequence lengths queries will carry,
	 * so a device can prepare (capture, warm up) each before the run
	 * starts instead of on a query's critical path. NULL / 0: unknown. */
	const int *batches;
	int n_batches;
	const int *seqs;
	int n_seqs;
	/* 1: merged batches of any size 1..max_batch will come (the run's
	 * policy merges queries, sched.h): a device that prepares sizes ahead
	 * prepares every one, each at every seq of seqs. */
	int every_batch;
} dev_service;

/* One query's ops [start, end) on service `service`, continuing from the
 * activation left by the segment that ended at `start` (op 0 starts from a
 * fresh input). A segment may carry several queries of the service merged
 * into one batch (sched.h says which may merge): batch is then their
 * batches summed, seq the longest of their sequence lengths (the shorter
 * ones padded to it), and queries how many there are, their inputs back
 * to back along the batch dimension in queue order. */
typedef struct dev_segment {
	int service;
	int batch, seq;
	int start, end;
	int queries; /* queries merged into batch; 0 or 1: one */
} dev_segment;

/* At most one segment per service, launched together. */
typedef struct dev_group {
	int n;
	const dev_segment *seg;
} dev_group;

/* Facts stored with a run. Empty strings where not applicable. */
typedef struct dev_info {
	char gpu[64];    /* profile or GPU name, e.g. "h100" / "NVIDIA H100 80GB HBM3" */
	char driver[32];
	char cuda[32];
	char cudnn[32];
} dev_info;

typedef struct dev_iface {
	const char *name; /* "sim", "cuda" */
	/* Prepares executors for the services. Optional (NULL: nothing to do). */
	int (*setup)(void *ctx, const dev_service *svc, int n);
	int64_t (*now)(void *ctx);
	/* Idles until t (the simulator jumps its clock; CUDA sleeps). */
	int (*wait_until)(void *ctx, int64_t t);
	/* Runs a group; returns once every segment has ended. seg_end[i] is the
	 * device time segment i ended; the group ends at the latest of them,
	 * which is also now() afterwards. */
	int (*run_group)(void *ctx, const dev_group *g, int64_t *seg_end);
	void (*info)(void *ctx, dev_info *out);
	/* Message of the last failure, for the caller's error line. */
	const char *(*errmsg)(void *ctx);
	void (*free)(void *ctx);
	/* Optional (NULL: not supported). Times each op of one segment run
	 * alone, back to back on one stream as a segment runs, and writes op
	 * i's latency to op_ns[i - seg->start]: the solo profile. */
	int (*time_ops)(void *ctx, const dev_segment *seg, int64_t *op_ns);
	/* Optional pair (NULL: the core runs each group with run_group, which
	 * blocks). launch starts a group and returns at once; one group is in
	 * flight at a time. */
	int (*launch)(void *ctx, const dev_group *g);
	/* Waits until the group in flight ends or the clock reaches t, which
	 * comes first: 1 when it has ended (seg_end filled as run_group fills
	 * it, the clock at least at its end), 0 when t came first (the clock
	 * at t or later, never past the group's end on a virtual clock), -1 on
	 * error. t at or before now() only asks, without waiting. */
	int (*wait_group)(void *ctx, int64_t t, int64_t *seg_end);
	/* Optional: when the group in flight will end, where the device knows
	 * it ahead (a virtual clock); -1 when it learns it only when the
	 * group ends (a GPU) or nothing is in flight. */
	int64_t (*group_end)(void *ctx);
	/* Optional: 1 when the device is gone for good (a worker process that
	 * died), so that a failed call loses this worker and the run goes on
	 * with the others; NULL or 0: a failure fails the run. */
	int (*lost)(void *ctx);
} dev_iface;

typedef struct device {
	const dev_iface *iface;
	void *ctx;
} device;

struct prof;

/* What a device kind may read when it opens. A kind reads the fields that
 * concern it and ignores the rest. */
typedef struct dev_open_options {
	const char *gpu;          /* the GPU profile a run names ("h200") */
	const char *data_dir;     /* where <gpu>/ lives; NULL: data_find (data.h) */
	const struct prof *prof;  /* that GPU's solo profile (borrowed, outlives the device) */
	uint64_t seed;            /* simulator noise; weights and inputs on a GPU */
	double noise;             /* simulator: sigma of the per-segment noise */
	double kappa;             /* simulator: interference; NAN: calibrated */
	double share;             /* simulator: sim_options.share; NAN: calibrated */
	double group_us;          /* simulator: host time added to each group's start (us) */
	double share_bw;          /* simulator: TB/s partitions share; 0 off, < 0 datasheet */
	int calibrated;           /* simulator: read <data_dir>/<gpu>/sim.csv first */
	int tf32, graphs, conv_gemm, fp16, nhwc, fuse_add; /* CUDA executor settings */
	int ws_all, fc_lt, dw;    /* CUDA: cuda_options' of the same names */
	int attn_tc;              /* CUDA: cuda_options.attn_tc */
	int launch_threads;       /* CUDA: cuda_options.launch_threads */
	int any_start;            /* segments may start at any op (profiling) */
	int sms;                  /* SMs of the partition a device runs on; 0: the whole GPU */
} dev_open_options;

/* The most a run's kappa may be (the simulator's bound, SIM_KAPPA_MAX). */
#define DEV_KAPPA_MAX 100.0
/* The most a run's share may be (the simulator's bound, SIM_SHARE_MAX). */
#define DEV_SHARE_MAX 8.0
/* The most a run's group_us may be (a second). */
#define DEV_GROUP_US_MAX 1e6
/* The most TB/s a run's share_bw may give. */
#define DEV_SHARE_BW_MAX 1000.0

/* Defaults of a run: CUDA's defaults, simulator calibrated. */
void dev_open_options_default(dev_open_options *o);

/* The CUDA executor's settings from a comma list of the run options'
 * words, each turning one away from its default: fp16, nhwc, fuse_add,
 * ws_all, fc_lt, dw, attn_tc, no_graphs, no_tf32, no_conv_gemm,
 * launch_threads; "default"
 * or "" for none. Applied to o; canon gets dev_engine_name's list of o
 * after them (from defaults: the words in that order, "default" for none),
 * so two lists that say the same compare equal. Returns -1 with a message
 * naming an unknown or repeated word. */
int dev_engine_apply(const char *list, dev_open_options *o, char *canon, size_t canon_len,
                     char *err, size_t errlen);

/* The canonical list of o's CUDA executor settings away from their
 * defaults ("default" for none), as dev_engine_apply writes it; the
 * first setting where o differs from base (NULL: the defaults) as a run
 * option ("fp16 = true", "graphs = false") into first, "" for none. */
void dev_engine_name(const dev_open_options *o, const dev_open_options *base, char *canon,
                     size_t canon_len, char *first, size_t first_len);

/* The engine a GPU's profile was measured on: <dir>/<gpu>/engine.txt, one
 * line of dev_engine_apply's words, written by `abacus profile --export`;
 * "default" when the file is absent (profiles from before it). dir NULL:
 * the data folder data_find picks ("default", and where "", when there is
 * none). where gets "<dir>/<gpu>"; eng (if given) the defaults with that
 * engine applied. Returns -1 with a message when the file cannot be read
 * or names an unknown word. */
int dev_engine_read(const char *dir, const char *gpu, char *canon, size_t canon_len, char *where,
                    size_t where_len, dev_open_options *eng, char *err, size_t errlen);

typedef struct dev_kind {
	const char *name; /* what a scenario's `device` says */
	const char *what; /* one line for listings */
	/* 1: it measures a real card, whose name must contain the profile's
	 * (what is measured on it is filed under that profile); 0: it plays
	 * the profile (the simulator). */
	int real;
	/* Optional: refuses options it cannot honour, before anything is
	 * built (the simulator replays one setting of the CUDA executor). */
	int (*check)(const dev_open_options *o, char *err, size_t errlen);
	int (*open)(device *out, const dev_open_options *o, char *err, size_t errlen);
	/* Optional (NULL: the kind cannot split a GPU). Opens n partitions of
	 * one GPU as n devices on one clock; o[i] holds partition i's options
	 * (its sms, its profile). On failure nothing is left open. */
	int (*open_parts)(device *out, int n, const dev_open_options *o, char *err, size_t errlen);
	/* Optional: why this build or machine cannot split the GPU (no green
	 * contexts); NULL: it can where open_parts is set. */
	int (*parts_check)(const dev_open_options *o, char *err, size_t errlen);
	/* 1: it runs any batch size up to a service's max_batch, as merged
	 * batches need (the simulator; the CUDA executor, which prepares every
	 * size of a service with dev_service.every_batch at setup, one set of
	 * captured graphs per size); 0: only the sizes of the service's batch
	 * list, so a run whose policy merges queries is refused. */
	int any_batch;
} dev_kind;

/* The kind called name in a NULL-terminated table, or NULL. */
const dev_kind *dev_kind_find(const dev_kind *const *kinds, const char *name);
/* "sim, cuda": the names, comma separated. */
void dev_kind_names(const dev_kind *const *kinds, char *buf, size_t len);
/* Finds, checks and opens a kind: "unknown device 'x' (valid: ...)". */
int dev_kind_open(const dev_kind *const *kinds, const char *name, const dev_open_options *o,
                  device *out, char *err, size_t errlen);

/* Calls through the interface; device_free(NULL) and a NULL ctx are
 * harmless. */
int device_setup(device *d, const dev_service *svc, int n);
int64_t device_now(device *d);
int device_wait_until(device *d, int64_t t);
int device_run_group(device *d, const dev_group *g, int64_t *seg_end);
void device_info(device *d, dev_info *out);
const char *device_errmsg(device *d);
void device_free(device *d);
/* launch falls back to run_group where the device has no launch: the
 * group has then ended when launch returns (*ended = 1, seg_end filled);
 * otherwise *ended = 0 and wait_group reports the end. */
int device_launch(device *d, const dev_group *g, int64_t *seg_end, int *ended);
int device_wait_group(device *d, int64_t t, int64_t *seg_end);
/* -1 where the device has no group_end or does not know. */
int64_t device_group_end(device *d);
/* 1 when the device says it is gone for good (dev_iface.lost). */
int device_lost(device *d);
/* -1 with "device X cannot time single ops" when time_ops is missing. */
int device_time_ops(device *d, const dev_segment *seg, int64_t *op_ns);

#endif
