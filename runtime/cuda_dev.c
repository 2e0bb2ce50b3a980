/* cuda_dev.c: the live GPU behind dev_iface (see cuda_dev.h).
 *
 * One executor per service (cuda_exec.c), each on its own stream. A group
 * is launched by enqueueing every segment on its service's stream and
 * recording an event after each; the host then waits for all events. The
 * device clock is CLOCK_MONOTONIC since open, and segment end times are
 * placed on it by anchoring the last event to the moment the host saw the
 * group finish and spacing the others by their event differences, so the
 * group's end equals now() right after run_group returns, as device.h asks.
 *
 * With launch_threads (cuda_options) each service's segments are launched from a
 * host thread of its own (one per service, started at the first group of
 * two or more segments): without CUDA graphs a segment's launches can cost
 * more than its kernels, and from one thread a group's second segment
 * would wait for the first's launches, so launch-bound segments would
 * never overlap on the GPU. launch still returns once every segment is
 * enqueued, so failures are reported as before.
 *
 * With ABACUS_TIMELINE=FILE each group's host and device times are appended
 * to FILE as a CSV row (tl_* below): where a live group's time goes beyond
 * its kernels (the scheduler's turn, the launch calls, the launch latency
 * and the wait for its end), which the profile, timing graph replays back
 * to back, leaves out. An extra event per segment marks its start on the
 * GPU; without the variable nothing is recorded.
 */
#include "cuda_dev.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clk.h"
#include "cuda_exec.h"
#include "cuda_part.h"
#include "zoo.h"

typedef struct cuda_dev {
	cuda_options opt;
	int64_t t0; /* clk_ns() at open: the device clock's zero */
	int n;
	cuda_exec **ex;
	cudaEvent_t *ev;
	/* [service][batch]: 1 where setup prepared (warmed, captured) that
	 * batch size; NULL where the service named none (any size runs) */
	unsigned char **prepared;
	int *prepared_max; /* [service]: the largest batch prepared may index */
	dev_info info;
	/* The partition this device runs on (cuda_part.h); NULL: the whole
	 * GPU on the primary context, as before partitions existed. */
	cuda_part *part;
	int pk;
	size_t held; /* bytes its executors took (the partitions' memory check) */
	/* The group in flight (launch, wait_group): its services in order. */
	int fly_n;
	int *fly;
	/* Launch threads (opt.launch_threads), [service]; NULL until the
	 * first group of several segments. lmu guards their jobs, lgo wakes
	 * them, ldone tells the launching thread the last one is enqueued. */
	struct launcher *ln;
	int lsync; /* lmu, lgo and ldone are initialised */
	int lpending;
	pthread_mutex_t lmu;
	pthread_cond_t lgo, ldone;
	/* The timeline (ABACUS_TIMELINE): its file, NULL when off; ev0
	 * [service] recorded before each segment; tl_seg the group in flight,
	 * launched between tl_l0 and tl_l1; tl_prev when the group before it
	 * was seen to end (-1: none yet); tl_g groups written. */
	FILE *tl;
	char tl_path[512];
	cudaEvent_t *ev0;
	dev_segment *tl_seg;
	float *tl_t; /* [2 n]: tl_row's segment starts and ends */
	int64_t tl_l0, tl_l1, tl_prev;
	long tl_g;
	char err[1024];
} cuda_dev;

/* A host thread that launches one service's segments. */
typedef struct launcher {
	pthread_t th;
	int live; /* the thread was started (join it) */
	cuda_dev *d;
	/* under d->lmu: */
	int job; /* 1: seg is posted and not yet enqueued */
	int quit;
	dev_segment seg;
	int rc;
	char msg[768];
} launcher;

static int dfail(cuda_dev *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Makes this device's context current: the primary context, or its
 * partition's green context (every stream, handle and graph of its
 * executors belongs to that one). */
static int bind_to(const cuda_dev *d, char *err, size_t len)
{
	if (d->part)
		return cuda_part_bind(d->part, d->pk, err, len);
	cudaError_t e = cudaSetDevice(d->opt.gpu);
	if (e != cudaSuccess) {
		snprintf(err, len, "cudaSetDevice(%d) failed: %s", d->opt.gpu,
		         cudaGetErrorString(e));
		return -1;
	}
	return 0;
}

static int bind(cuda_dev *d)
{
	return bind_to(d, d->err, sizeof d->err);
}

void cuda_options_default(cuda_options *o)
{
	o->tf32 = 1;
	o->graphs = 1;
	o->whole = 1;
	o->find = 0;
	o->conv_gemm = 1;
	o->seed = 1;
	o->gpu = 0;
	o->any_start = 0;
	o->half = 0;
	o->nhwc = 0;
	o->fuse_add = 0;
	o->ws_all = 0;
	o->fc_lt = 0;
	o->dw = 0;
	o->attn_rt = 0;
	o->attn_tc = 0;
	o->launch_threads = 0;
}

static int64_t dev_now(void *ctx)
{
	cuda_dev *d = ctx;
	return clk_ns() - d->t0;
}

static int dev_wait_until(void *ctx, int64_t t)
{
	cuda_dev *d = ctx;
	/* clk_ns reads CLOCK_MONOTONIC, so the deadline is on that clock */
	int64_t abs_ns = d->t0 + t;
	struct timespec ts = {(time_t)(abs_ns / 1000000000), (long)(abs_ns % 1000000000)};
	while (dev_now(d) < t) {
		/* EINTR just loops; the clock is the judge. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return 0;
}

/* --- executors kept between runs ------------------------------------------- */

/* A scenario runs one set of services under several policies, loads and
 * seeds, and each run opens the device anew; making an executor (weights,
 * cuDNN's choices timed at each batch, graphs captured) takes seconds of a
 * run that may serve its queries in one. With ABACUS_EXEC_CACHE=1 a run on
 * the whole GPU (no partition) leaves its executors here when it ends,
 * each lent a model of its own (its run frees the one it was made with),
 * and the next run takes any whose settings and GPU are its own. The rest
 * are freed before that run counts free memory, so kept executors never
 * make a run refuse what it would fit without them. */
enum { KEPT_MAX = 16 };
static struct {
	cuda_exec *x;
	zoo_model *m; /* the model x borrows while kept */
	int gpu;
} kept[KEPT_MAX];
static int n_kept;
static long kept_taken;
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;

static int keeping(const cuda_dev *d)
{
	const char *v = getenv("ABACUS_EXEC_CACHE");
	return !d->part && v && strcmp(v, "1") == 0;
}

static int cfg_same(const cuda_exec_cfg *a, const cuda_exec_cfg *b)
{
	return strcmp(a->model->name, b->model->name) == 0 && a->max_batch == b->max_batch &&
	       (!a->model->has_seq || a->max_seq == b->max_seq) && a->tf32 == b->tf32 &&
	       a->graphs == b->graphs && a->whole == b->whole && a->find == b->find &&
	       a->conv_gemm == b->conv_gemm && a->seed == b->seed && a->half == b->half &&
	       a->nhwc == b->nhwc && a->fuse_add == b->fuse_add && a->ws_all == b->ws_all &&
	       a->fc_lt == b->fc_lt && a->dw == b->dw && a->attn_rt == b->attn_rt &&
	       a->attn_tc == b->attn_tc;
}

/* A kept executor made with cfg on this GPU, lent cfg's model; NULL when
 * none is kept. */
static cuda_exec *kept_take(const cuda_exec_cfg *cfg, int gpu)
{
	cuda_exec *x = NULL;
	pthread_mutex_lock(&kept_mu);
	for (int k = 0; k < n_kept && !x; k++) {
		if (kept[k].gpu != gpu || !cfg_same(cuda_exec_config(kept[k].x), cfg) ||
		    cuda_exec_rebind(kept[k].x, cfg->model))
			continue;
		x = kept[k].x;
		zoo_model_free(kept[k].m);
		kept[k] = kept[--n_kept];
		kept_taken++;
	}
	pthread_mutex_unlock(&kept_mu);
	return x;
}

/* Frees every kept executor, each on its GPU's primary context: before a
 * run counts its free memory. Returns how many; the caller binds its own
 * context again after any. */
static int kept_flush(void)
{
	pthread_mutex_lock(&kept_mu);
	int n = n_kept;
	for (int k = 0; k < n_kept; k++) {
		cudaSetDevice(kept[k].gpu);
		cuda_exec_free(kept[k].x);
		zoo_model_free(kept[k].m);
	}
	n_kept = 0;
	pthread_mutex_unlock(&kept_mu);
	return n;
}

/* Keeps x for a later run when it ended clean (its stream drained without
 * a fault) and there is room; else frees it. */
static void kept_put(cuda_exec *x, int gpu)
{
	char err[256], zerr[256];
	zoo_model *m = NULL;
	if (cuda_exec_sync(x, err, sizeof err) == 0 && cudaGetLastError() == cudaSuccess)
		m = zoo_model_new(cuda_exec_model(x)->name, zerr, sizeof zerr);
	pthread_mutex_lock(&kept_mu);
	if (m && n_kept < KEPT_MAX && cuda_exec_rebind(x, m) == 0) {
		kept[n_kept].x = x;
		kept[n_kept].m = m;
		kept[n_kept].gpu = gpu;
		n_kept++;
		x = NULL;
		m = NULL;
	}
	pthread_mutex_unlock(&kept_mu);
	cuda_exec_free(x); /* before its model: it reads it while freeing */
	zoo_model_free(m);
}

long cuda_dev_kept_taken(void)
{
	pthread_mutex_lock(&kept_mu);
	long n = kept_taken;
	pthread_mutex_unlock(&kept_mu);
	return n;
}

static void launchers_stop(cuda_dev *d);

static void tl_close(cuda_dev *d);
static int tl_open(cuda_dev *d);

static void release(cuda_dev *d)
{
	launchers_stop(d);
	tl_close(d);
	for (int i = 0; i < d->n; i++) {
		cuda_exec_free(d->ex[i]);
		if (d->ev && d->ev[i])
			cudaEventDestroy(d->ev[i]);
		if (d->prepared)
			free(d->prepared[i]);
	}
	free(d->ex);
	free(d->ev);
	free(d->prepared);
	free(d->prepared_max);
	free(d->fly);
	d->ex = NULL;
	d->ev = NULL;
	d->prepared = NULL;
	d->prepared_max = NULL;
	d->fly = NULL;
	d->fly_n = 0;
	d->n = 0;
	cuda_part_hold(d->part, -(double)d->held);
	d->held = 0;
}

static double gib(double bytes)
{
	return bytes / (1024.0 * 1024.0 * 1024.0);
}

/* Room left free after preparing every batch size: for what cuDNN and
 * cuBLAS load lazily while the run goes on. */
#define PREP_RESERVE (256.0 * 1024 * 1024)

static int mem_free(cuda_dev *d, size_t *free_b)
{
	size_t total = 0;
	cudaError_t e = cudaMemGetInfo(free_b, &total);
	if (e != cudaSuccess)
		return dfail(d, "cudaMemGetInfo failed: %s", cudaGetErrorString(e));
	return 0;
}

/* Prepares every batch size 1..max_batch of service i, at each of its
 * seqs (dev_service.every_batch): one warm-up run of the whole model per
 * size, which settles its convs' choices and captures its graphs (each
 * op's, for cut segments, and the whole model's), so a merged batch of
 * any size replays graphs instead of capturing them on its queries'
 * critical path. The executor's memory check (cuda_exec_need) counts
 * the workspace of every size but the graphs of one: what each size's
 * graphs take is measured as they are captured, and the sizes left are
 * refused in one line when, at the most one took so far, they would not
 * fit in what is free. Says on stderr how long it took. */
static int prepare_every(cuda_dev *d, int i, const dev_service *s)
{
	int one_seq = 0, ns = s->n_seqs > 0 ? s->n_seqs : 1, todo = 0;
	const int *seqs = s->n_seqs > 0 ? s->seqs : &one_seq;
	const char *name = s->model->name;
	for (int b = 1; b <= s->max_batch; b++)
		todo += !d->prepared[i][b];
	if (todo == 0)
		return 0;
	int64_t t0 = clk_ns();
	int graphs0 = cuda_exec_graphs(d->ex[i]), left = todo;
	double most = 0; /* bytes the graphs of one size took, the most so far */
	size_t before = 0, after = 0;
	if (mem_free(d, &before))
		return -1;
	for (int b = 1; b <= s->max_batch; b++) {
		if (d->prepared[i][b])
			continue;
		for (int q = 0; q < ns; q++) {
			char msg[768];
			if (cuda_exec_run_unchecked(d->ex[i], 0, s->model->n_ops, b, seqs[q], msg,
			                            sizeof msg) ||
			    cuda_exec_sync(d->ex[i], msg, sizeof msg))
				return dfail(d, "service %d (%s): preparing batch %d: %s", i, name, b, msg);
		}
		d->prepared[i][b] = 1;
		left--;
		if (mem_free(d, &after))
			return -1;
		if (before > after && (double)(before - after) > most)
			most = (double)(before - after);
		before = after;
		if (left > 0 && most * left > (double)after - PREP_RESERVE)
			return dfail(d,
			             "service %d (%s): preparing every batch size up to %d needs about "
			             "%.2f GiB more GPU memory for CUDA graphs (%.1f MiB a size, "
			             "measured), %.2f GiB free: lower its max_batch",
			             i, name, s->max_batch, gib(most * left), most / (1024.0 * 1024.0),
			             gib((double)after));
	}
	fprintf(stderr,
	        "cuda: %s: prepared every batch size up to %d (%d more, %d seq%s each) in "
	        "%.1f s: %d graphs more\n",
	        name, s->max_batch, todo, ns, ns == 1 ? "" : "s", (double)(clk_ns() - t0) / 1e9,
	        cuda_exec_graphs(d->ex[i]) - graphs0);
	return 0;
}

/* Builds every executor, adds up what they need and compares it with the
 * free GPU memory before allocating any of it, so an impossible set of
 * services is refused with numbers instead of failing halfway. */
static int dev_setup(void *ctx, const dev_service *svc, int n)
{
	cuda_dev *d = ctx;
	release(d);
	if (bind(d))
		return -1;
	cudaError_t e;
	d->ex = calloc((size_t)(n > 0 ? n : 1), sizeof *d->ex);
	d->ev = calloc((size_t)(n > 0 ? n : 1), sizeof *d->ev);
	d->prepared = calloc((size_t)(n > 0 ? n : 1), sizeof *d->prepared);
	d->prepared_max = calloc((size_t)(n > 0 ? n : 1), sizeof *d->prepared_max);
	d->fly = calloc((size_t)(n > 0 ? n : 1), sizeof *d->fly);
	if (!d->ex || !d->ev || !d->prepared || !d->prepared_max || !d->fly) {
		release(d);
		return dfail(d, "out of memory");
	}
	d->n = n;
	double need = 0, had = 0; /* bytes the new executors will take; the kept ones hold */
	char parts[512] = "";
	unsigned char *reused = calloc((size_t)(n > 0 ? n : 1), 1);
	if (!reused) {
		release(d);
		return dfail(d, "out of memory");
	}
	int keep = keeping(d);
	for (int i = 0; i < n; i++) {
		cuda_exec_cfg cfg = {.model = svc[i].model,
		                     .max_batch = svc[i].max_batch,
		                     .max_seq = svc[i].max_seq,
		                     .tf32 = d->opt.tf32,
		                     .graphs = d->opt.graphs,
		                     .whole = d->opt.whole,
		                     .find = d->opt.find,
		                     .conv_gemm = d->opt.conv_gemm,
		                     .seed = d->opt.seed + (uint64_t)i,
		                     .half = d->opt.half,
		                     .nhwc = d->opt.nhwc,
		                     .fuse_add = d->opt.fuse_add,
		                     .ws_all = d->opt.ws_all,
		                     .dw = d->opt.dw};
		cfg.fc_lt = d->opt.fc_lt;
		cfg.attn_rt = d->opt.attn_rt;
		cfg.attn_tc = d->opt.attn_tc;
		char msg[768];
		if (!svc[i].model) {
			free(reused);
			release(d);
			return dfail(d, "service %d has no model", i);
		}
		if (keep && (d->ex[i] = kept_take(&cfg, d->opt.gpu)) != NULL)
			reused[i] = 1;
		else if (cuda_exec_new(&cfg, &d->ex[i], msg, sizeof msg)) {
			free(reused);
			release(d);
			return dfail(d, "service %d (%s): %s", i, svc[i].model->name, msg);
		}
		double one = (double)cuda_exec_need(d->ex[i]);
		if (reused[i])
			had += one;
		else
			need += one;
		size_t len = strlen(parts);
		snprintf(parts + len, sizeof parts - len, "%s%s batch %d: %.2f GiB", i ? ", " : "",
		         svc[i].model->name, svc[i].max_batch, gib(one));
	}
	/* what no service of this run took goes before its memory is counted */
	if (kept_flush() > 0 && bind(d)) {
		free(reused);
		release(d);
		return -1;
	}
	size_t free_b = 0, total_b = 0;
	e = cudaMemGetInfo(&free_b, &total_b);
	if (e != cudaSuccess) {
		free(reused);
		release(d);
		return dfail(d, "cudaMemGetInfo failed: %s", cudaGetErrorString(e));
	}
	if (need > (double)free_b) {
		double others = cuda_part_held(d->part);
		free(reused);
		release(d);
		if (d->part && others > 0)
			return dfail(d,
			             "needs %.2f GiB of GPU memory, %.2f GiB free after the other "
			             "partitions took %.2f GiB (%s)",
			             gib(need), gib((double)free_b), gib(others), parts);
		return dfail(d, "needs %.2f GiB of GPU memory, %.2f GiB free (%s)", gib(need),
		             gib((double)free_b), parts);
	}
	d->held = (size_t)(need + had);
	cuda_part_hold(d->part, need + had);
	for (int i = 0; i < n; i++) {
		char msg[768];
		if (!reused[i] && cuda_exec_load(d->ex[i], msg, sizeof msg)) {
			free(reused);
			release(d);
			return dfail(d, "service %d: %s", i, msg);
		}
	}
	free(reused);
	for (int i = 0; i < n; i++) {
		char msg[768];
		e = cudaEventCreate(&d->ev[i]);
		if (e != cudaSuccess) {
			release(d);
			return dfail(d, "cudaEventCreate failed for service %d: %s", i,
			             cudaGetErrorString(e));
		}
		/* Warm up every (batch, seq) the service will see: descriptors,
		 * library plans and graph captures happen here, before the clock
		 * that arrivals follow starts, not on a query's critical path. */
		int one_seq = 0;
		int nb = svc[i].n_batches, ns = svc[i].n_seqs > 0 ? svc[i].n_seqs : 1;
		if (nb > 0 || svc[i].every_batch) {
			d->prepared[i] = calloc((size_t)svc[i].max_batch + 1, 1);
			if (!d->prepared[i]) {
				release(d);
				return dfail(d, "out of memory");
			}
			d->prepared_max[i] = svc[i].max_batch;
			for (int b = 0; b < nb; b++)
				if (svc[i].batches[b] >= 1 && svc[i].batches[b] <= svc[i].max_batch)
					d->prepared[i][svc[i].batches[b]] = 1;
		}
		const int *seqs = svc[i].n_seqs > 0 ? svc[i].seqs : &one_seq;
		for (int b = 0; b < nb; b++)
			for (int q = 0; q < ns; q++) {
				if (cuda_exec_run_unchecked(d->ex[i], 0, svc[i].model->n_ops,
				                            svc[i].batches[b], seqs[q], msg,
				                            sizeof msg) ||
				    cuda_exec_sync(d->ex[i], msg, sizeof msg)) {
					release(d);
					return dfail(d, "service %d: warming up: %s", i, msg);
				}
			}
	}
	/* every size of the services whose queries merge, once every
	 * executor holds what the memory check counted for it */
	for (int i = 0; i < n; i++)
		if (svc[i].every_batch && prepare_every(d, i, &svc[i])) {
			release(d); /* keeps d->err */
			return -1;
		}
	if (tl_open(d)) {
		release(d);
		return -1;
	}
	return 0;
}

/* --- the timeline (ABACUS_TIMELINE) ----------------------------------------
 *
 * A row per group, written when the host has seen it end:
 *   open_ns   the device's clock zero (CLOCK_MONOTONIC at open): one value
 *             per run, in the order the runs opened it
 *   group     0.. within the run
 *   t_us      launch's start on the device clock
 *   gap_us    since the group before it was seen to end (the run loop's
 *             turn: the policy's choice, arrivals, stores); empty for the
 *             first
 *   launch_us launch's own time (checks, the launch calls)
 *   host_us   from launch's start to the host seeing the group end
 *   span_us   on the GPU, the first segment's start to the last one's end
 *   segs      per segment, ';' between them: service:model:batch:seq:
 *             start-end:queries:start_us:end_us, its GPU start and end
 *             from the first segment's start
 * host_us - span_us is what the group took beyond its kernels: launch
 * latency and the wait for the end. The file is appended to, so one
 * scenario's runs share it; its header is written when it is empty. */

static void tl_close(cuda_dev *d)
{
	if (d->ev0)
		for (int i = 0; i < d->n; i++)
			if (d->ev0[i])
				cudaEventDestroy(d->ev0[i]);
	free(d->ev0);
	free(d->tl_seg);
	free(d->tl_t);
	d->ev0 = NULL;
	d->tl_seg = NULL;
	d->tl_t = NULL;
	if (d->tl) {
		/* release has no way to fail a run: a row lost here is said */
		int bad = ferror(d->tl);
		if (fclose(d->tl) || bad)
			fprintf(stderr, "abacus: writing the timeline %s failed: %s\n", d->tl_path,
			        strerror(errno));
		d->tl = NULL;
	}
}

static int tl_open(cuda_dev *d)
{
	const char *path = getenv("ABACUS_TIMELINE");
	if (!path || !*path)
		return 0;
	snprintf(d->tl_path, sizeof d->tl_path, "%s", path);
	size_t n = (size_t)(d->n > 0 ? d->n : 1);
	d->ev0 = calloc(n, sizeof *d->ev0);
	d->tl_seg = calloc(n, sizeof *d->tl_seg);
	d->tl_t = calloc(2 * n, sizeof *d->tl_t);
	if (!d->ev0 || !d->tl_seg || !d->tl_t)
		return dfail(d, "out of memory for the timeline");
	for (int i = 0; i < d->n; i++) {
		cudaError_t e = cudaEventCreate(&d->ev0[i]);
		if (e != cudaSuccess)
			return dfail(d, "cudaEventCreate failed for the timeline of service %d: %s",
			             i, cudaGetErrorString(e));
	}
	d->tl = fopen(path, "a");
	if (!d->tl)
		return dfail(d, "cannot open the timeline (ABACUS_TIMELINE) %s: %s", path,
		             strerror(errno));
	/* rows stay in memory until a MiB has gathered: a write per row would
	 * land on the next group's critical path */
	setvbuf(d->tl, NULL, _IOFBF, 1 << 20);
	if (fseek(d->tl, 0, SEEK_END) == 0 && ftell(d->tl) == 0)
		fputs("open_ns,group,t_us,gap_us,launch_us,host_us,span_us,segs\n", d->tl);
	d->tl_prev = -1;
	d->tl_g = 0;
	return 0;
}

/* The group g has been enqueued; launch began at l0. */
static void tl_launched(cuda_dev *d, const dev_group *g, int64_t l0)
{
	d->tl_l0 = l0;
	d->tl_l1 = dev_now(d);
	memcpy(d->tl_seg, g->seg, (size_t)g->n * sizeof *g->seg);
}

/* The group of n segments (d->fly, d->tl_seg) was seen to end at t_end. */
static int tl_row(cuda_dev *d, int n, int64_t t_end)
{
	float *st = d->tl_t, *en = d->tl_t + d->n;
	float lo = 0.0f, hi = 0.0f;
	for (int i = 0; i < n; i++) {
		cudaEvent_t first = d->ev0[d->fly[0]];
		cudaError_t e = cudaSuccess;
		st[i] = 0.0f;
		if (i > 0)
			e = cudaEventElapsedTime(&st[i], first, d->ev0[d->fly[i]]);
		if (e == cudaSuccess)
			e = cudaEventElapsedTime(&en[i], first, d->ev[d->fly[i]]);
		if (e != cudaSuccess)
			return dfail(
			    d, "cudaEventElapsedTime failed for the timeline of service %d: %s",
			    d->fly[i], cudaGetErrorString(e));
		if (st[i] < lo)
			lo = st[i];
		if (en[i] > hi)
			hi = en[i];
	}
	FILE *f = d->tl;
	fprintf(f, "%lld,%ld,%.3f,", (long long)d->t0, d->tl_g++, (double)d->tl_l0 / 1e3);
	if (d->tl_prev >= 0)
		fprintf(f, "%.3f", (double)(d->tl_l0 - d->tl_prev) / 1e3);
	fprintf(f, ",%.3f,%.3f,%.3f,", (double)(d->tl_l1 - d->tl_l0) / 1e3,
	        (double)(t_end - d->tl_l0) / 1e3, (double)(hi - lo) * 1e3);
	for (int i = 0; i < n; i++) {
		const dev_segment *sg = &d->tl_seg[i];
		fprintf(f, "%s%d:%s:%d:%d:%d-%d:%d:%.3f:%.3f", i ? ";" : "", sg->service,
		        cuda_exec_model(d->ex[sg->service])->name, sg->batch, sg->seq, sg->start,
		        sg->end, sg->queries > 1 ? sg->queries : 1, (double)(st[i] - lo) * 1e3,
		        (double)(en[i] - lo) * 1e3);
	}
	fputc('\n', f);
	d->tl_prev = t_end;
	if (ferror(f))
		return dfail(d, "writing the timeline %s failed: %s", d->tl_path, strerror(errno));
	return 0;
}

/* Waits for every stream of the group in flight, used on failure paths so
 * no work is left running against the next group. */
static void drain(cuda_dev *d)
{
	for (int i = 0; i < d->fly_n; i++)
		cudaStreamSynchronize(cuda_exec_stream(d->ex[d->fly[i]]));
	d->fly_n = 0;
}

/* Enqueues one segment on its service's stream and records its event
 * after it; -1 with msg set. Safe from any thread bound to the device's
 * context, for segments of different services at once (each executor has
 * its own stream and handles). */
static int launch_one(cuda_dev *d, const dev_segment *sg, char *msg, size_t len)
{
	cuda_exec *x = d->ex[sg->service];
	if (d->ev0) {
		cudaError_t e = cudaEventRecord(d->ev0[sg->service], cuda_exec_stream(x));
		if (e != cudaSuccess) {
			snprintf(msg, len,
			         "cudaEventRecord failed marking the start of %s ops [%d, %d), "
			         "batch %d: %s",
			         cuda_exec_model(x)->name, sg->start, sg->end, sg->batch,
			         cudaGetErrorString(e));
			return -1;
		}
	}
	int rc = d->opt.any_start
	             ? cuda_exec_run_unchecked(x, sg->start, sg->end, sg->batch, sg->seq, msg, len)
	             : cuda_exec_run(x, sg->start, sg->end, sg->batch, sg->seq, msg, len);
	if (rc)
		return -1;
	cudaError_t e = cudaEventRecord(d->ev[sg->service], cuda_exec_stream(x));
	if (e != cudaSuccess) {
		snprintf(msg, len, "cudaEventRecord failed for %s ops [%d, %d), batch %d: %s",
		         cuda_exec_model(x)->name, sg->start, sg->end, sg->batch,
		         cudaGetErrorString(e));
		return -1;
	}
	return 0;
}

static void *launcher_main(void *arg)
{
	launcher *l = arg;
	cuda_dev *d = l->d;
	int bound = 0;
	char msg[768];
	pthread_mutex_lock(&d->lmu);
	for (;;) {
		while (!l->job && !l->quit)
			pthread_cond_wait(&d->lgo, &d->lmu);
		if (l->quit)
			break;
		dev_segment sg = l->seg;
		pthread_mutex_unlock(&d->lmu);
		/* the current context is per host thread: bound once, as the
		 * device's context does not change while it has launchers */
		int rc = 0;
		if (!bound) {
			rc = bind_to(d, msg, sizeof msg);
			bound = rc == 0;
		}
		if (rc == 0)
			rc = launch_one(d, &sg, msg, sizeof msg);
		pthread_mutex_lock(&d->lmu);
		l->rc = rc;
		if (rc)
			snprintf(l->msg, sizeof l->msg, "%s", msg);
		l->job = 0;
		if (--d->lpending == 0)
			pthread_cond_signal(&d->ldone);
	}
	pthread_mutex_unlock(&d->lmu);
	return NULL;
}

/* Stops and joins the launch threads, if any were started. */
static void launchers_stop(cuda_dev *d)
{
	if (!d->lsync)
		return;
	pthread_mutex_lock(&d->lmu);
	for (int i = 0; d->ln && i < d->n; i++)
		d->ln[i].quit = 1;
	pthread_cond_broadcast(&d->lgo);
	pthread_mutex_unlock(&d->lmu);
	for (int i = 0; d->ln && i < d->n; i++)
		if (d->ln[i].live)
			pthread_join(d->ln[i].th, NULL);
	free(d->ln);
	d->ln = NULL;
	pthread_cond_destroy(&d->lgo);
	pthread_cond_destroy(&d->ldone);
	pthread_mutex_destroy(&d->lmu);
	d->lsync = 0;
}

/* A launch thread per service, started once. */
static int launchers_start(cuda_dev *d)
{
	if (d->ln)
		return 0;
	if (!d->lsync) {
		if (pthread_mutex_init(&d->lmu, NULL))
			return dfail(d, "pthread_mutex_init failed for the launch threads");
		if (pthread_cond_init(&d->lgo, NULL)) {
			pthread_mutex_destroy(&d->lmu);
			return dfail(d, "pthread_cond_init failed for the launch threads");
		}
		if (pthread_cond_init(&d->ldone, NULL)) {
			pthread_cond_destroy(&d->lgo);
			pthread_mutex_destroy(&d->lmu);
			return dfail(d, "pthread_cond_init failed for the launch threads");
		}
		d->lsync = 1;
	}
	d->ln = calloc((size_t)d->n, sizeof *d->ln);
	if (!d->ln)
		return dfail(d, "out of memory for %d launch threads", d->n);
	for (int i = 0; i < d->n; i++) {
		d->ln[i].d = d;
		int e = pthread_create(&d->ln[i].th, NULL, launcher_main, &d->ln[i]);
		if (e) {
			launchers_stop(d);
			return dfail(d, "starting launch thread %d of %d: %s", i + 1, d->n,
			             strerror(e));
		}
		d->ln[i].live = 1;
	}
	return 0;
}

/* launch's path with a thread per service: each segment is handed to its
 * service's thread, and this one waits until all are enqueued. */
static int launch_threaded(cuda_dev *d, const dev_group *g)
{
	if (launchers_start(d))
		return -1;
	pthread_mutex_lock(&d->lmu);
	for (int i = 0; i < g->n; i++) {
		launcher *l = &d->ln[g->seg[i].service];
		d->fly[d->fly_n++] = g->seg[i].service;
		l->seg = g->seg[i];
		l->rc = 0;
		l->job = 1;
	}
	d->lpending = g->n;
	pthread_cond_broadcast(&d->lgo);
	while (d->lpending)
		pthread_cond_wait(&d->ldone, &d->lmu);
	pthread_mutex_unlock(&d->lmu);
	for (int i = 0; i < g->n; i++) {
		const launcher *l = &d->ln[g->seg[i].service];
		if (l->rc) {
			char msg[sizeof l->msg];
			snprintf(msg, sizeof msg, "%s", l->msg);
			drain(d);
			return dfail(d, "service %d: %s", g->seg[i].service, msg);
		}
	}
	return 0;
}

/* Starts a group: every segment enqueued on its service's stream, an
 * event recorded after each; returns without waiting. */
static int dev_launch(void *ctx, const dev_group *g)
{
	cuda_dev *d = ctx;
	int64_t l0 = d->tl ? dev_now(d) : 0;
	if (g->n < 1)
		return dfail(d, "empty operator group");
	if (d->fly_n)
		return dfail(d, "a group is already in flight");
	/* The current context is per host thread; the caller may not be the
	 * thread that opened the device, and partitions take turns. */
	if (bind(d))
		return -1;
	unsigned char *seen = calloc((size_t)d->n + 1, 1);
	if (!seen)
		return dfail(d, "out of memory");
	for (int i = 0; i < g->n; i++) {
		int s = g->seg[i].service;
		if (s < 0 || s >= d->n || seen[s]) {
			free(seen);
			return dfail(d, "segment %d: service %d %s", i, s,
			             s < 0 || s >= d->n ? "does not exist"
			                                : "appears twice in the group");
		}
		seen[s] = 1;
		/* a merged batch of a size setup did not prepare would capture
		 * its graphs on the critical path of every query in it: setup
		 * prepares every size of a service whose queries merge
		 * (dev_service.every_batch), only its batch list's otherwise
		 * (one query of an odd size, from a trace, runs as it always
		 * did) */
		int b = g->seg[i].batch;
		if (!d->opt.any_start && g->seg[i].queries > 1 && d->prepared && d->prepared[s] &&
		    (b < 1 || b > d->prepared_max[s])) {
			free(seen);
			return dfail(d,
			             "service %d (%s): a merged batch of %d queries, batch %d, is past "
			             "the largest batch it was set up for, %d",
			             s, cuda_exec_model(d->ex[s])->name, g->seg[i].queries, b,
			             d->prepared_max[s]);
		}
		if (!d->opt.any_start && g->seg[i].queries > 1 && d->prepared && d->prepared[s] &&
		    !d->prepared[s][b]) {
			free(seen);
			return dfail(d,
			             "service %d (%s): a merged batch of %d queries, batch %d, was not "
			             "prepared at setup (only the sizes of its batch list are, as the "
			             "service did not ask for every size: dev_service.every_batch)",
			             s, cuda_exec_model(d->ex[s])->name, g->seg[i].queries, b);
		}
	}
	free(seen);
	if (g->n > 1 && d->opt.launch_threads) {
		if (launch_threaded(d, g))
			return -1;
	} else {
		for (int i = 0; i < g->n; i++) {
			const dev_segment *sg = &g->seg[i];
			char msg[768];
			d->fly[d->fly_n++] = sg->service;
			if (launch_one(d, sg, msg, sizeof msg)) {
				drain(d);
				return dfail(d, "service %d: %s", sg->service, msg);
			}
		}
	}
	if (d->tl)
		tl_launched(d, g, l0);
	return 0;
}

/* The group in flight has ended: places each segment's end on the clock
 * by anchoring the last event to now and spacing the others by their
 * event differences. */
static int finish(cuda_dev *d, int64_t *seg_end)
{
	int64_t t_end = dev_now(d);
	int n = d->fly_n;
	d->fly_n = 0;
	/* Offsets of each end event from the first, in ms; the latest is the
	 * group's end. */
	float off_max = 0.0f;
	for (int i = 0; i < n; i++) {
		float ms = 0.0f;
		if (i > 0) {
			cudaError_t e = cudaEventElapsedTime(&ms, d->ev[d->fly[0]], d->ev[d->fly[i]]);
			if (e != cudaSuccess)
				return dfail(d, "cudaEventElapsedTime failed for service %d: %s",
				             d->fly[i], cudaGetErrorString(e));
		}
		seg_end[i] = (int64_t)((double)ms * 1e6); /* temporarily: offset in ns */
		if (ms > off_max)
			off_max = ms;
	}
	int64_t max_ns = (int64_t)((double)off_max * 1e6);
	for (int i = 0; i < n; i++)
		seg_end[i] = t_end - (max_ns - seg_end[i]);
	return d->tl ? tl_row(d, n, t_end) : 0;
}

static int fly_fail(cuda_dev *d, const char *call, int i, cudaError_t e)
{
	const zoo_model *m = cuda_exec_model(d->ex[d->fly[i]]);
	drain(d);
	return dfail(d, "%s failed for service %d (%s): %s", call, d->fly[i], m->name,
	             cudaGetErrorString(e));
}

/* device.h's wait_group: polls the group's events until they have all
 * fired or the clock reaches t. Polling, not blocking, so that a run's
 * loop can watch several partitions from one thread. */
static int dev_wait_group(void *ctx, int64_t t, int64_t *seg_end)
{
	cuda_dev *d = ctx;
	if (!d->fly_n)
		return dfail(d, "no group in flight");
	for (;;) {
		int done = 1;
		for (int i = 0; i < d->fly_n && done; i++) {
			cudaError_t e = cudaEventQuery(d->ev[d->fly[i]]);
			if (e == cudaErrorNotReady)
				done = 0;
			else if (e != cudaSuccess)
				return fly_fail(d, "cudaEventQuery", i, e);
		}
		if (done)
			return finish(d, seg_end) ? -1 : 1;
		if (dev_now(d) >= t)
			return 0;
	}
}

static int dev_run_group(void *ctx, const dev_group *g, int64_t *seg_end)
{
	cuda_dev *d = ctx;
	if (dev_launch(d, g))
		return -1;
	for (int i = 0; i < d->fly_n; i++) {
		cudaError_t e = cudaEventSynchronize(d->ev[d->fly[i]]);
		if (e != cudaSuccess)
			return fly_fail(d, "cudaEventSynchronize", i, e);
	}
	return finish(d, seg_end);
}

/* The solo profile: the segment's ops enqueued back to back on the
 * service's stream, as a segment runs, with an event before the first and
 * after each; one wait at the end. Op i's time is the gap between its two
 * events, so no host synchronisation is counted in it (timing each op as a
 * one-op group would add the launch and wait to every op). */
static int dev_time_ops(void *ctx, const dev_segment *seg, int64_t *op_ns)
{
	cuda_dev *d = ctx;
	int s = seg->service;
	if (s < 0 || s >= d->n)
		return dfail(d, "service %d does not exist", s);
	cuda_exec *x = d->ex[s];
	const char *name = cuda_exec_model(x)->name;
	int n = seg->end - seg->start;
	if (seg->start < 0 || n < 1 || seg->end > cuda_exec_model(x)->n_ops)
		return dfail(d, "%s: no ops [%d, %d) to time", name, seg->start, seg->end);
	if (bind(d))
		return -1;
	cudaError_t e;
	cudaEvent_t *ev = calloc((size_t)n + 1, sizeof *ev);
	if (!ev)
		return dfail(d, "out of memory");
	int made = 0, rc = 0;
	for (; made <= n; made++) {
		e = cudaEventCreate(&ev[made]);
		if (e != cudaSuccess) {
			rc = dfail(d, "cudaEventCreate failed timing %s: %s", name, cudaGetErrorString(e));
			goto out;
		}
	}
	cudaStream_t st = cuda_exec_stream(x);
	e = cudaEventRecord(ev[0], st);
	for (int i = 0; i < n && e == cudaSuccess; i++) {
		char msg[768];
		int op = seg->start + i;
		int r = d->opt.any_start
		            ? cuda_exec_run_unchecked(x, op, op + 1, seg->batch, seg->seq, msg, sizeof msg)
		            : cuda_exec_run(x, op, op + 1, seg->batch, seg->seq, msg, sizeof msg);
		if (r) {
			cudaStreamSynchronize(st);
			rc = dfail(d, "service %d: %s", s, msg);
			goto out;
		}
		e = cudaEventRecord(ev[i + 1], st);
	}
	if (e == cudaSuccess)
		e = cudaEventSynchronize(ev[n]);
	if (e != cudaSuccess) {
		cudaStreamSynchronize(st);
		rc = dfail(d, "timing %s ops [%d, %d), batch %d: %s", name, seg->start, seg->end,
		           seg->batch, cudaGetErrorString(e));
		goto out;
	}
	for (int i = 0; i < n; i++) {
		float ms = 0.0f;
		e = cudaEventElapsedTime(&ms, ev[i], ev[i + 1]);
		if (e != cudaSuccess) {
			rc = dfail(d, "cudaEventElapsedTime failed timing %s op %d: %s", name,
			           seg->start + i, cudaGetErrorString(e));
			goto out;
		}
		op_ns[i] = (int64_t)((double)ms * 1e6);
	}
out:
	for (int i = 0; i < made; i++)
		cudaEventDestroy(ev[i]);
	free(ev);
	return rc;
}

static void dev_info_fill(void *ctx, dev_info *out)
{
	cuda_dev *d = ctx;
	*out = d->info;
}

static const char *dev_errmsg(void *ctx)
{
	cuda_dev *d = ctx;
	return d->err;
}

static void dev_free(void *ctx)
{
	cuda_dev *d = ctx;
	if (!d)
		return;
	if (keeping(d) && bind(d) == 0)
		for (int i = 0; i < d->n; i++) {
			kept_put(d->ex[i], d->opt.gpu);
			d->ex[i] = NULL;
		}
	release(d);
	cuda_part_free(d->part);
	free(d);
}

static const dev_iface cuda_iface;

cuda_exec *cuda_dev_exec(const device *dv, int s)
{
	if (!dv || dv->iface != &cuda_iface)
		return NULL;
	const cuda_dev *d = dv->ctx;
	return s >= 0 && s < d->n ? d->ex[s] : NULL;
}

static const dev_iface cuda_iface = {
    .name = "cuda",
    .setup = dev_setup,
    .now = dev_now,
    .wait_until = dev_wait_until,
    .run_group = dev_run_group,
    .info = dev_info_fill,
    .errmsg = dev_errmsg,
    .free = dev_free,
    .time_ops = dev_time_ops,
    .launch = dev_launch,
    .wait_group = dev_wait_group,
};

/* The kernel driver's version ("580.159.04") through NVML when the library
 * is there; loaded at run time so the binary does not need it to start. */
static int nvml_driver(char *out, size_t len)
{
	void *h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -1;
	typedef int (*init_fn)(void);
	typedef int (*ver_fn)(char *, unsigned);
	init_fn init;
	ver_fn ver;
	init_fn shut;
	*(void **)&init = dlsym(h, "nvmlInit_v2");
	*(void **)&ver = dlsym(h, "nvmlSystemGetDriverVersion");
	*(void **)&shut = dlsym(h, "nvmlShutdown");
	int rc = -1;
	if (init && ver && shut && init() == 0) {
		if (ver(out, (unsigned)len) == 0)
			rc = 0;
		shut();
	}
	dlclose(h);
	return rc;
}

static void version_str(char *out, size_t len, int v)
{
	/* CUDA encodes 13.0 as 13000 */
	snprintf(out, len, "%d.%d", v / 1000, (v % 1000) / 10);
}

static int gpu_count(char *err, size_t errlen)
{
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess) {
		snprintf(err, errlen, "no CUDA GPU found: %s", cudaGetErrorString(e));
		return -1;
	}
	if (n < 1) {
		snprintf(err, errlen, "no CUDA GPU found: cudaGetDeviceCount reports no device");
		return -1;
	}
	return n;
}

int cuda_device_open_part(device *out, const cuda_options *opt, cuda_part *part, int k,
                          const device *clock, char *err, size_t errlen)
{
	if (k < 0 || k >= cuda_part_count(part)) {
		snprintf(err, errlen, "partition %d of %d", k + 1, cuda_part_count(part));
		return -1;
	}
	if (cuda_device_open(out, opt, err, errlen))
		return -1;
	cuda_dev *d = out->ctx;
	cuda_part_retain(part);
	d->part = part;
	d->pk = k;
	char *end = d->info.gpu + strlen(d->info.gpu);
	snprintf(end, sizeof d->info.gpu - (size_t)(end - d->info.gpu), " (%d SMs)",
	         cuda_part_sms(part, k));
	if (clock && clock->iface == &cuda_iface)
		d->t0 = ((cuda_dev *)clock->ctx)->t0;
	return 0;
}

int cuda_device_open(device *out, const cuda_options *opt, char *err, size_t errlen)
{
	out->iface = NULL;
	out->ctx = NULL;
	cuda_options def;
	if (!opt) {
		cuda_options_default(&def);
		opt = &def;
	}
	int n = gpu_count(err, errlen);
	if (n < 0)
		return -1;
	if (opt->gpu < 0 || opt->gpu >= n) {
		snprintf(err, errlen, "GPU %d requested, %d present", opt->gpu, n);
		return -1;
	}
	cudaError_t e = cudaSetDevice(opt->gpu);
	struct cudaDeviceProp p;
	if (e == cudaSuccess)
		e = cudaGetDeviceProperties(&p, opt->gpu);
	if (e != cudaSuccess) {
		snprintf(err, errlen, "cudaSetDevice/cudaGetDeviceProperties(%d) failed: %s",
		         opt->gpu, cudaGetErrorString(e));
		return -1;
	}
	cuda_dev *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->opt = *opt;
	/* names longer than the field are cut, which is all a stored run needs */
	snprintf(d->info.gpu, sizeof d->info.gpu, "%.63s", p.name);
	int v = 0;
	if (nvml_driver(d->info.driver, sizeof d->info.driver)) {
		cudaDriverGetVersion(&v);
		char s[16];
		version_str(s, sizeof s, v);
		snprintf(d->info.driver, sizeof d->info.driver, "CUDA %s", s);
	}
	cudaRuntimeGetVersion(&v);
	version_str(d->info.cuda, sizeof d->info.cuda, v);
	size_t cv = cudnnGetVersion();
	snprintf(d->info.cudnn, sizeof d->info.cudnn, "%zu.%zu.%zu", cv / 10000, cv % 10000 / 100,
	         cv % 100);
	d->t0 = clk_ns();
	out->iface = &cuda_iface;
	out->ctx = d;
	return 0;
}

int cuda_print_info(FILE *f, char *err, size_t errlen)
{
	int n = gpu_count(err, errlen);
	if (n < 0)
		return -1;
	char drv[80] = "", s[16];
	int v = 0;
	if (nvml_driver(drv, sizeof drv))
		snprintf(drv, sizeof drv, "(NVML not available)");
	cudaDriverGetVersion(&v);
	version_str(s, sizeof s, v);
	fprintf(f, "driver        %s (CUDA %s)\n", drv, s);
	cudaRuntimeGetVersion(&v);
	version_str(s, sizeof s, v);
	fprintf(f, "CUDA runtime  %s\n", s);
	size_t cv = cudnnGetVersion(), crt = cudnnGetCudartVersion();
	fprintf(f, "cuDNN         %zu.%zu.%zu (built against %d.%d.%d, for CUDA runtime %zu)\n",
	        cv / 10000, cv % 10000 / 100, cv % 100, CUDNN_MAJOR, CUDNN_MINOR, CUDNN_PATCHLEVEL,
	        crt);
	int bmaj = 0, bmin = 0, bpat = 0;
	if (cublasGetProperty(MAJOR_VERSION, &bmaj) == CUBLAS_STATUS_SUCCESS &&
	    cublasGetProperty(MINOR_VERSION, &bmin) == CUBLAS_STATUS_SUCCESS &&
	    cublasGetProperty(PATCH_LEVEL, &bpat) == CUBLAS_STATUS_SUCCESS)
		fprintf(f, "cuBLAS        %d.%d.%d\n", bmaj, bmin, bpat);
	else
		fprintf(f, "cuBLAS        (cublasGetProperty failed)\n");
	for (int i = 0; i < n; i++) {
		struct cudaDeviceProp p;
		cudaError_t e = cudaGetDeviceProperties(&p, i);
		if (e != cudaSuccess) {
			snprintf(err, errlen, "cudaGetDeviceProperties(%d) failed: %s", i,
			         cudaGetErrorString(e));
			return -1;
		}
		size_t fr = 0, tot = 0;
		if (cudaSetDevice(i) == cudaSuccess)
			cudaMemGetInfo(&fr, &tot);
		fprintf(f,
		        "GPU %d         %s, sm_%d%d, %d SMs, %.1f GiB (%.1f GiB free), L2 %d MiB\n",
		        i, p.name, p.major, p.minor, p.multiProcessorCount,
		        gib((double)p.totalGlobalMem), gib((double)fr), p.l2CacheSize >> 20);
		cuda_part_caps caps;
		if (cuda_part_caps_get(i, &caps, err, errlen))
			return -1;
		cuda_part_print(f, &caps);
	}
	return 0;
}

static void kind_options(const dev_open_options *o, cuda_options *co)
{
	cuda_options_default(co);
	co->tf32 = o->tf32;
	co->graphs = o->graphs;
	co->half = o->fp16;
	co->nhwc = o->nhwc;
	co->fuse_add = o->fuse_add;
	co->ws_all = o->ws_all;
	co->fc_lt = o->fc_lt;
	co->dw = o->dw;
	co->attn_tc = o->attn_tc;
	co->launch_threads = o->launch_threads;
	co->conv_gemm = o->conv_gemm;
	co->any_start = o->any_start;
	co->seed = o->seed;
}

/* Opens n partitions, partition k with o[k].sms SMs, as n devices on one
 * clock (the first's). */
static int cuda_kind_open_parts(device *out, int n, const dev_open_options *o, char *err,
                                size_t errlen)
{
	cuda_options co;
	kind_options(&o[0], &co);
	cuda_part_caps caps;
	if (cuda_part_caps_get(co.gpu, &caps, err, errlen))
		return -1;
	int sms[CUDA_PART_MAX];
	if (n > CUDA_PART_MAX) {
		snprintf(err, errlen, "partitions: at most %d, got %d", CUDA_PART_MAX, n);
		return -1;
	}
	for (int k = 0; k < n; k++)
		sms[k] = o[k].sms > 0 ? o[k].sms : caps.sms;
	cuda_part *p;
	/* MAX_CLUSTER: without it a 64-SM green context takes clusters of at
	 * most 8 blocks, and cuBLAS, choosing its kernels for the whole GPU,
	 * launched bert's GEMMs with larger ones: cudaErrorInvalidClusterSize
	 * (bench_parts and parts_smoke.lua on an H100, docs/partitions.md). */
	if (cuda_part_sizes_check(&caps, sms, n, CUDA_PART_MAX_CLUSTER, err, errlen) ||
	    cuda_part_open(co.gpu, sms, n, CUDA_PART_AUTO, CUDA_PART_MAX_CLUSTER, &p, err, errlen))
		return -1;
	int rc = 0, k = 0;
	for (; k < n && rc == 0; k++) {
		kind_options(&o[k], &co);
		rc = cuda_device_open_part(&out[k], &co, p, k, k ? &out[0] : NULL, err, errlen);
	}
	if (rc)
		for (int j = 0; j < k - 1; j++)
			device_free(&out[j]);
	cuda_part_free(p); /* the devices hold their own references */
	return rc;
}

/* A run or a profile on `sms` SMs of the GPU (profile --sms) opens one
 * partition of that size. */
static int cuda_kind_open(device *out, const dev_open_options *o, char *err, size_t errlen)
{
	if (o->sms > 0)
		return cuda_kind_open_parts(out, 1, o, err, errlen);
	cuda_options co;
	kind_options(o, &co);
	return cuda_device_open(out, &co, err, errlen);
}

static int cuda_kind_parts_check(const dev_open_options *o, char *err, size_t errlen)
{
	(void)o;
	cuda_part_caps caps;
	if (cuda_part_caps_get(0, &caps, err, errlen))
		return -1;
	if (!caps.available) {
		snprintf(err, errlen, "this GPU or driver cannot make SM partitions (green contexts): %s",
		         caps.why);
		return -1;
	}
	return 0;
}

const dev_kind cuda_kind = {
	.name = "cuda",
	.what = "the GPU through CUDA, cuDNN and cuBLAS",
	.real = 1,
	.open = cuda_kind_open,
	.open_parts = cuda_kind_open_parts,
	.parts_check = cuda_kind_parts_check,
	.any_batch = 1,
};
