/* run.h: one experiment, end to end.
 *
 * A run_config says everything a run needs (what the Lua table of
 * abacus.run{...} holds, checked). run_execute validates it, builds the
 * models, the profile, the device, the load, the predictor and the
 * scheduler, stores the run as 'running', drives it to the end, writes the
 * per-query rows and the summary, and marks the run done. A run that fails
 * or is interrupted after it was stored is marked so, with its error;
 * nothing stored earlier is touched.
 */
#ifndef ABACUS_RUN_H
#define ABACUS_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "device.h"
#include "metrics.h"
#include "part.h"
#include "store.h"

#define RUN_MAX_CHOICES 32

typedef struct run_service {
	char model[64];
	int batches[RUN_MAX_CHOICES];
	int n_batches;
	int seqs[RUN_MAX_CHOICES]; /* bert only */
	int n_seqs;
	double qos_ms;
	double qps; /* per-service rate (poisson); 0 = share `qps` */
	/* A policy that merges queries (sched.h's batching): the largest
	 * batch a merged segment carries; 0: the largest of batches. At most
	 * the largest batch the GPU's profile measures for the model. */
	int max_batch;
} run_service;

#define RUN_MAX_PARTS 64
#define RUN_MAX_GPUS 10000
/* In a run of several workers, one decision in this many of each is timed
 * for decision_us (sched_options.time_every). */
#define RUN_TIME_EVERY 64

/* An SM partition of the GPU (part.h): its size as the scenario gave it
 * and the services placed on it (0-based indices into run_config.svc). */
typedef struct run_partition {
	part_size size;
	int *services;
	int n_services;
} run_partition;

typedef struct run_config {
	const char *name;
	const char *device; /* a kind's name in `devices` ("sim", "cuda") */
	const dev_kind *const *devices; /* NULL-terminated; cli/devices.c has the command's */
	const char *gpu;    /* the GPU data bundle: "h200" (default), "h100" */
	const char *policy; /* a policy's name (sched.h's table) */
	/* Group predictor of a policy that reads one: a learner's name
	 * (pred_trained.h's table: trained ones come from the GPU's bundle,
	 * train.h, trained then and there when missing or stale); NULL: the
	 * table's first. */
	const char *predictor;
	run_service *svc;
	int n_svc;
	/* SM partitions, each a worker of its own (worker.h); none: the whole
	 * GPU is one worker. */
	run_partition *parts;
	int n_parts;
	/* Which partition an arrival goes to when its service is on several
	 * (router.h's table); NULL: direct. Only with partitions or gpus. */
	const char *router;
	/* A cluster: gpus > 1 simulated GPUs, each a worker on one virtual
	 * clock (not with partitions). place: NULL (every service on every
	 * GPU) or [s * gpus + k] != 0 where service s is on GPU k. */
	int gpus;
	const unsigned char *place;
	const char *load;      /* a load kind's name (load.h's table) */
	double qps;            /* poisson total rate */
	const char *load_file; /* trace / rates */
	double time_scale, qps_scale;
	int64_t queries; /* poisson: count; trace / rates: limit, 0 = all */
	uint64_t seed;
	int ways;
	double threshold_ms;
	/* > 0: the search threshold as this share of the QoS target (the
	 * least of the services'), instead of threshold_ms: the paper's 5 ms
	 * was 3% to 17% of its targets, so a faster GPU with tighter targets
	 * keeps `ways` meaningful */
	double threshold_qos;
	double margin; /* sched_options.margin, default 0.05 */
	int abandon; /* enum sched_abandon (sched.h); default off */
	int batching; /* abacus: merge each service's waiting queries (KIND_BATCHING) */
	int pair_late; /* abacus: pair an urgent query already late (sched_options) */
	int keep_plan; /* abacus with abandon "shed": a group keeps the shed plan (sched_options) */
	int keep_on_time; /* abacus with batching: a partner makes no on-time query late (sched_options) */
	int by_deadline;  /* abacus: the urgent head is the earliest due (sched_options) */
	double noise, kappa; /* simulator; kappa NAN: calibrated */
	double
	    share; /* simulator: how overlapped ops split their slowdown (sim.h); NAN: calibrated */
	double group_us;     /* simulator: host time per group (sim_options.group_ns); 0 */
	double share_bw;     /* simulator: TB/s its partitions share (sim.h); 0 off, < 0 the GPU's datasheet */
	int tf32, graphs;    /* cuda */
	int conv_gemm;       /* cuda: small convs may run as im2col + GEMM (cuda_options) */
	int fp16;            /* cuda: fp16 storage, float accumulation (cuda_options.half) */
	int nhwc, fuse_add;  /* cuda: CNNs stored NHWC, residual adds fused into the conv
	                        before them (cuda_options) */
	int ws_all, fc_lt, dw; /* cuda: a conv workspace any candidate fits, fc layers
	                          through cuBLASLt, depthwise convs as our kernel where
	                          timed faster (cuda_options) */
	int attn_tc;         /* cuda: bert's attention on tensor cores (cuda_options) */
	int launch_threads;  /* cuda: a host thread per service launches its segments
	                        (cuda_options) */
	int store_queries;   /* write per-query rows */
	/* figures per minute of the load's time (60 s / time_scale: a rate
	 * file's minute) in run_result.minutes and the run_minutes table */
	int per_minute;
	/* gather the figures query by query and forget each query (stream.h:
	 * memory flat in the number of queries, percentiles within 0.2%);
	 * only with store_queries off */
	int stream;
	const char *data_dir; /* NULL: the folder data_find finds (data.h) */
	/* An explicit ops.csv instead of the bundle's, "roofline" for the
	 * estimate of gpu.h (and the simulator's default contention), or NULL. */
	const char *profile;
	FILE *train_log; /* where training a predictor on demand says so; NULL: silent */
	const char *config_text; /* the run's config as JSON, stored verbatim */
	const char *tags;        /* the scenario's tags, a JSON object, or NULL */
	/* The KIND_* fields (kind.h) the scenario gave, so that a field the
	 * chosen load or policy does not read is refused rather than ignored.
	 * load_file, predictor and a service's qps count as given when set,
	 * whatever this says. */
	unsigned given;
	const volatile sig_atomic_t *stop; /* set by SIGINT; may be NULL */
	/* The progress line of the run's arrivals (NULL: none): a task of
	 * `queries` queries, ended (erased on a terminal) when the run's
	 * scheduling is over, before its rows are stored. */
	struct progress *progress;
} run_config;

typedef struct run_result {
	int64_t run_id; /* 0 when not stored */
	metrics m;
	metrics *services; /* n_services of them, per service in config order (owned) */
	int n_services;
	int interrupted;
	double wall_s; /* host seconds the run took (scheduling loop only) */
	int64_t groups;
	int64_t segments; /* over every group: groups * 2 - segments of a pair ran alone */
	/* mean host time per scheduling decision: of every decision in a run
	 * of one worker, of a sample of one in RUN_TIME_EVERY of each
	 * worker's (the first included) in a run of several (a cluster,
	 * partitions), where two clock reads a decision would cost a
	 * thousand-GPU run 4% of its loop */
	double decision_us;
	metrics *minutes;   /* per_minute: each minute's arrivals' figures (owned) */
	size_t n_minutes;
	/* workers lost on the way (worker_result.lost), stored as the done
	 * run's error; NULL when none (owned) */
	char *lost;
} run_result;

/* Defaults for every optional field. */
void run_config_default(run_config *c);

/* Checks the configuration without running it: unknown names (listing the
 * valid ones), non-positive numbers, seq rules, and fields given that the
 * chosen load or policy does not read or needs and lacks (kind.h). */
int run_config_check(const run_config *c, char *err, size_t errlen);

/* Partition k's SM count on the run's GPU (part.h), checked. */
int run_partition_sms(const run_config *c, int k, int *sms, char *err, size_t errlen);

/* 1 when the run asks for the roofline estimate (profile = "roofline"). */
int run_roofline(const run_config *c);

/* Makes sure the GPU's bundle the run reads is complete and current
 * before anything runs: the profile, the simulator's contention model
 * (sim.csv) for a simulated device, and every learner's trained predictor
 * where the bundle has measured groups and the run reads the bundle's own
 * profile (trained then and there when missing or stale, train_ensure). Whatever the policy: a scenario's
 * first run finds out what a later abacus run would lack. */
int run_prepare(const run_config *c, char *err, size_t errlen);

/* Sets c's CUDA executor settings (tf32 ... attn_tc) to the engine its
 * data folder's profile was measured on (dev_engine_read: c->data_dir,
 * c->gpu), so that a run which sets none of them replays, or runs live,
 * the engine its profile, QoS helpers and predictors describe; the
 * defaults where no folder or engine.txt is found. Call before reading
 * the run's own settings, which then override it. Returns -1 with a
 * message when engine.txt cannot be read or names an unknown word. */
int run_engine_adopt(run_config *c, char *err, size_t errlen);

/* On a real device, whether the GPU's data folder was measured on another
 * engine than the run asks for (its engine.txt, dev_engine_read): 1 with
 * one line saying so in note (the run may go on: its policy then predicts
 * from another engine's timings), 0 when they agree, the device is
 * simulated, the run reads the roofline or no data folder is found. */
int run_engine_note(const run_config *c, char *note, size_t len);

/* st may be NULL (nothing stored). Returns 0 done, 1 interrupted (stored
 * as such), -1 error (message in err; stored as failed if it began).
 * Whatever it returns, out is to be freed with run_result_free.
 *
 * An interrupted run stores the rows of all its queries. A run whose
 * storing is interrupted (the stop flag set while its rows are written)
 * stops there: its error says how many rows it stored, and so does the
 * runs table (queries_stored), which always equals its rows in queries. */
int run_execute(const run_config *c, store *st, run_result *out, char *err, size_t errlen);
/* The result of a run of this configuration that st already holds ended
 * 'done' (store_find_done: the same name, configuration text, device and
 * GPU, on data of the same digest), for `abacus run --resume`: 1 and *out
 * filled as run_execute fills it (run_id the stored run's; what the store
 * does not keep, the counts still waiting in a minute aside, follows from
 * what it does), 0 when there is none, -1 with one line in err. Free *out
 * with run_result_free after 1. */
int run_find_stored(const run_config *c, store *st, run_result *out, char *err, size_t errlen);
void run_result_free(run_result *r);

#endif
