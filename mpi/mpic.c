/* mpic.c: the MPI cluster of mpic.h: rank 0's device proxies and the
 * worker ranks' loop. Messages are bytes packed by the helpers below. */
#include "mpic.h"

#include <dirent.h>
#include <errno.h>
#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clk.h"
#include "prof.h"
#include "text.h"
#include "zoo.h"

enum { TAG_SETUP = 1, TAG_ACK, TAG_GROUP, TAG_DONE, TAG_END, TAG_STOP };

#define MSG_MAX 65536
#define SVC_MAX 64

/* ---- packing ---- */
typedef struct pack {
	unsigned char b[MSG_MAX];
	size_t n, at;
	int bad;
} pack;

static void put(pack *p, const void *v, size_t len)
{
	if (p->n + len > sizeof p->b) {
		p->bad = 1;
		return;
	}
	memcpy(p->b + p->n, v, len);
	p->n += len;
}

static void put_i64(pack *p, int64_t v)
{
	put(p, &v, sizeof v);
}

static void put_f64(pack *p, double v)
{
	put(p, &v, sizeof v);
}

static void put_str(pack *p, const char *s)
{
	int64_t len = s ? (int64_t)strlen(s) : -1;
	put_i64(p, len);
	if (len > 0)
		put(p, s, (size_t)len);
}

static void get(pack *p, void *v, size_t len)
{
	if (p->at + len > p->n) {
		p->bad = 1;
		memset(v, 0, len);
		return;
	}
	memcpy(v, p->b + p->at, len);
	p->at += len;
}

static int64_t get_i64(pack *p)
{
	int64_t v;
	get(p, &v, sizeof v);
	return v;
}

static double get_f64(pack *p)
{
	double v;
	get(p, &v, sizeof v);
	return v;
}

/* A string into buf (len bytes); 0 when it was NULL. */
static int get_str(pack *p, char *buf, size_t len)
{
	int64_t n = get_i64(p);
	buf[0] = '\0';
	if (n < 0)
		return 0;
	if ((size_t)n >= len || p->at + (size_t)n > p->n) {
		p->bad = 1;
		return 1;
	}
	memcpy(buf, p->b + p->at, (size_t)n);
	buf[n] = '\0';
	p->at += (size_t)n;
	return 1;
}

static int send_pack(const pack *p, int to, int tag)
{
	return MPI_Send(p->b, (int)p->n, MPI_BYTE, to, tag, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

static int recv_pack(pack *p, int from, int tag)
{
	MPI_Status st;
	int n;
	p->n = p->at = 0;
	p->bad = 0;
	if (MPI_Recv(p->b, (int)sizeof p->b, MPI_BYTE, from, tag, MPI_COMM_WORLD, &st) != MPI_SUCCESS ||
	    MPI_Get_count(&st, MPI_BYTE, &n) != MPI_SUCCESS)
		return -1;
	p->n = (size_t)n;
	return st.MPI_TAG;
}

static void sleep_until(int64_t t)
{
	for (int64_t now = clk_ns(); now < t; now = clk_ns()) {
		int64_t d = t - now;
		struct timespec ts = {d / 1000000000, d % 1000000000};
		nanosleep(&ts, NULL);
	}
}

/* Ranks found dead, so that the end sends them nothing: a message to a
 * dead rank may keep MPI_Finalize waiting. Process state, as MPI's own
 * is (one MPI world a process). */
static unsigned char dead_rank[4096];

/* ---- rank 0: a proxy device per worker rank ---- */
typedef struct remote {
	int rank, n_total; /* its rank; the GPUs of the run */
	dev_open_options o;
	char kind[16], gpu[64], data_dir[1024];
	int set_up, inflight, n;
	/* the worker's process, when on this host: a rank that died is told
	 * by its pid (Open MPI started with --enable-recovery keeps the other
	 * ranks running) */
	int64_t pid;
	int same_host, lost;
	dev_info info;
	pack msg;
	char err[768];
} remote;

static int remote_fail(remote *r, const char *what)
{
	snprintf(r->err, sizeof r->err, "rank %d: %s", r->rank, what);
	return -1;
}

static int remote_setup(void *ctx, const dev_service *svc, int n)
{
	remote *r = ctx;
	/* checked here, not at open: a run's preparation opens one device of
	 * its kind to read its data, whatever its GPU count */
	int size = mpic_size();
	if (size < 0)
		return remote_fail(r, "MPI_Comm_size failed");
	if (size != r->n_total + 1) {
		int k = r->n_total;
		snprintf(r->err, sizeof r->err,
		         "mpirun started %d ranks, and a run of %d GPU%s needs %d (rank 0 the router, "
		         "one rank per GPU): give gpus = %d, or mpirun -n %d",
		         size, k, k == 1 ? "" : "s", k + 1, size - 1, k + 1);
		return -1;
	}
	/* a rank lost in an earlier run of this job answers nothing: the
	 * setup would wait for it forever */
	if (r->rank < (int)sizeof dead_rank && dead_rank[r->rank]) {
		int k = r->n_total;
		snprintf(r->err, sizeof r->err,
		         "rank %d died in an earlier run of this job, and a run of %d GPU%s needs "
		         "all %d worker ranks: start the job again",
		         r->rank, k, k == 1 ? "" : "s", k);
		return -1;
	}
	pack *p = &r->msg;
	p->n = 0;
	p->bad = 0;
	put_str(p, r->kind);
	put_str(p, r->gpu);
	put_str(p, r->data_dir[0] ? r->data_dir : NULL);
	put_i64(p, (int64_t)r->o.seed);
	put_f64(p, r->o.noise);
	put_f64(p, r->o.kappa);
	put_f64(p, r->o.group_us);
	put_f64(p, r->o.share_bw);
	/* every executor setting: a rank runs the engine rank 0 was asked for
	 * (and checks it against its data folder's engine as rank 0 did) */
	const int64_t flags[] = {r->o.calibrated, r->o.tf32, r->o.graphs,   r->o.conv_gemm,
	                         r->o.fp16,       r->o.nhwc, r->o.fuse_add, r->o.ws_all,
	                         r->o.fc_lt,      r->o.dw,   r->o.attn_tc,  r->o.launch_threads,
	                         r->o.any_start,  r->o.sms};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		put_i64(p, flags[i]);
	put_i64(p, n);
	for (int i = 0; i < n; i++) {
		put_str(p, svc[i].model->name);
		put_i64(p, svc[i].max_batch);
		put_i64(p, svc[i].max_seq);
		put_i64(p, svc[i].n_batches);
		for (int k = 0; k < svc[i].n_batches; k++)
			put_i64(p, svc[i].batches[k]);
		put_i64(p, svc[i].n_seqs);
		for (int k = 0; k < svc[i].n_seqs; k++)
			put_i64(p, svc[i].seqs[k]);
		put_i64(p, svc[i].every_batch);
	}
	if (p->bad || n > SVC_MAX)
		return remote_fail(r, "the run's services do not fit one setup message");
	if (send_pack(p, r->rank, TAG_SETUP))
		return remote_fail(r, "MPI_Send of the setup failed");
	r->set_up = 1;
	if (recv_pack(p, r->rank, TAG_ACK) < 0)
		return remote_fail(r, "MPI_Recv of the setup's answer failed");
	int64_t rc = get_i64(p);
	char msg[512], host[256], here[256] = "";
	get_str(p, msg, sizeof msg);
	get_str(p, r->info.gpu, sizeof r->info.gpu);
	r->pid = get_i64(p);
	get_str(p, host, sizeof host);
	gethostname(here, sizeof here - 1);
	r->same_host = r->pid > 0 && strcmp(host, here) == 0;
	if (rc != 0) {
		r->set_up = 0;
		snprintf(r->err, sizeof r->err, "rank %d: %s", r->rank, msg);
		return -1;
	}
	return 0;
}

static int64_t remote_now(void *ctx)
{
	(void)ctx;
	return clk_ns();
}

static int remote_wait_until(void *ctx, int64_t t)
{
	(void)ctx;
	sleep_until(t);
	return 0;
}

static int remote_run_group(void *ctx, const dev_group *g, int64_t *seg_end)
{
	(void)g, (void)seg_end;
	return remote_fail(ctx, "a group must be launched, not run blocking");
}

/* 1 when the worker's process is known to be gone. */
static int remote_dead(remote *r)
{
	if (!r->lost && r->same_host && kill((pid_t)r->pid, 0) != 0 && errno == ESRCH) {
		r->lost = 1;
		if (r->rank < (int)sizeof dead_rank)
			dead_rank[r->rank] = 1;
		snprintf(r->err, sizeof r->err, "rank %d (pid %lld) died", r->rank, (long long)r->pid);
	}
	return r->lost;
}

static int remote_lost(void *ctx)
{
	return ((remote *)ctx)->lost;
}

static int remote_launch(void *ctx, const dev_group *g)
{
	remote *r = ctx;
	if (remote_dead(r))
		return -1;
	if (r->inflight)
		return remote_fail(r, "a group is already in flight");
	pack *p = &r->msg;
	p->n = 0;
	p->bad = 0;
	put_i64(p, g->n);
	for (int i = 0; i < g->n; i++) {
		const dev_segment *s = &g->seg[i];
		const int64_t v[] = {s->service, s->batch, s->seq, s->start, s->end};
		for (int k = 0; k < 5; k++)
			put_i64(p, v[k]);
	}
	if (p->bad || send_pack(p, r->rank, TAG_GROUP))
		return remote_fail(r, "MPI_Send of a group failed");
	r->inflight = 1;
	r->n = g->n;
	return 0;
}

/* Its answer, when it has come: each segment ends as long before the
 * answer reached rank 0 as it ended before the group did. */
static int remote_wait_group(void *ctx, int64_t t, int64_t *seg_end)
{
	remote *r = ctx;
	if (!r->inflight)
		return remote_fail(r, "no group in flight to wait for");
	int64_t checked = clk_ns();
	for (;;) {
		int flag = 0;
		if (MPI_Iprobe(r->rank, TAG_DONE, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE) !=
		    MPI_SUCCESS)
			return remote_fail(r, "MPI_Iprobe failed");
		int64_t now = clk_ns();
		if (flag) {
			pack *p = &r->msg;
			if (recv_pack(p, r->rank, TAG_DONE) < 0)
				return remote_fail(r, "MPI_Recv of a group's end failed");
			r->inflight = 0;
			int64_t rc = get_i64(p);
			if (rc != 0) {
				char msg[512];
				get_str(p, msg, sizeof msg);
				return remote_fail(r, msg);
			}
			int64_t total = get_i64(p);
			for (int i = 0; i < r->n; i++)
				seg_end[i] = now - (total - get_i64(p));
			return p->bad ? remote_fail(r, "a group's end came garbled") : 1;
		}
		if (now - checked > 20000000 || now >= t) { /* every 20 ms of waiting, and when asked */
			checked = now;
			if (remote_dead(r))
				return -1;
		}
		if (now >= t)
			return 0;
		sleep_until(now + (t - now < 10000 ? t - now : 10000));
	}
}

static void remote_info(void *ctx, dev_info *out)
{
	*out = ((remote *)ctx)->info;
}

static const char *remote_errmsg(void *ctx)
{
	return ((remote *)ctx)->err;
}

static void remote_free(void *ctx)
{
	remote *r = ctx;
	if (!r)
		return;
	if (r->set_up && !remote_dead(r))
		MPI_Send(NULL, 0, MPI_BYTE, r->rank, TAG_END, MPI_COMM_WORLD);
	free(r);
}

static const dev_iface remote_iface = {
    .name = "mpi",
    .setup = remote_setup,
    .now = remote_now,
    .wait_until = remote_wait_until,
    .run_group = remote_run_group,
    .info = remote_info,
    .errmsg = remote_errmsg,
    .free = remote_free,
    .launch = remote_launch,
    .wait_group = remote_wait_group,
    .lost = remote_lost,
};

/* n proxies, to ranks 1..n. Worker i > 0 of a simulated cluster draws
 * its noise from the stream the simulator's open_parts gives partition i
 * (sim/sim.c), so that the run is the one-process run's. */
static int remote_open_n(const char *kind, device *out, int n, const dev_open_options *o,
                         char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		remote *r = calloc(1, sizeof *r);
		if (!r) {
			for (int k = 0; k < i; k++)
				device_free(&out[k]);
			return text_fail(err, errlen, "out of memory");
		}
		r->rank = i + 1;
		r->n_total = n;
		r->o = o[i];
		r->o.seed = i == 0 ? o[i].seed : o[i].seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)i);
		snprintf(r->kind, sizeof r->kind, "%s", kind);
		snprintf(r->gpu, sizeof r->gpu, "%s", o[i].gpu ? o[i].gpu : "");
		snprintf(r->data_dir, sizeof r->data_dir, "%s", o[i].data_dir ? o[i].data_dir : "");
		out[i] = (device){&remote_iface, r};
	}
	return 0;
}

static int mpi_sim_open(device *out, const dev_open_options *o, char *err, size_t errlen)
{
	return remote_open_n("sim", out, 1, o, err, errlen);
}

static int mpi_sim_parts(device *out, int n, const dev_open_options *o, char *err, size_t errlen)
{
	return remote_open_n("sim", out, n, o, err, errlen);
}

static int mpi_cuda_open(device *out, const dev_open_options *o, char *err, size_t errlen)
{
	return remote_open_n("cuda", out, 1, o, err, errlen);
}

static int mpi_cuda_parts(device *out, int n, const dev_open_options *o, char *err,
                          size_t errlen)
{
	return remote_open_n("cuda", out, n, o, err, errlen);
}

/* open_parts opens the cluster's GPUs, one per worker rank; partitions of
 * one GPU over MPI are not supported (run.c asks for whole GPUs with sms
 * 0, and the worker refuses others). */
static const dev_kind mpi_sim = {
    .name = "sim",
    .what = "simulated GPUs, one per MPI rank, played in real time",
    .open = mpi_sim_open,
    .open_parts = mpi_sim_parts,
};
static const dev_kind mpi_cuda = {
    .name = "cuda",
    .what = "GPUs, one per MPI rank (by local rank)",
    .open = mpi_cuda_open,
    .open_parts = mpi_cuda_parts,
};

const dev_kind *const mpic_devices[] = {&mpi_sim, &mpi_cuda, NULL};

/* ---- the worker ranks ---- */
typedef struct served {
	device dev;
	prof *prof;
	zoo_model *models[SVC_MAX];
	dev_service svc[SVC_MAX];
	int batches[SVC_MAX][32], seqs[SVC_MAX][32];
	int n, sim;
} served;

static void served_free(served *s)
{
	device_free(&s->dev);
	memset(&s->dev, 0, sizeof s->dev);
	prof_free(s->prof);
	s->prof = NULL;
	for (int i = 0; i < s->n; i++)
		zoo_model_free(s->models[i]);
	s->n = 0;
}

/* The GPUs the driver lists on this host (/proc/driver/nvidia/gpus), or
 * -1 where it lists none there. */
static int host_gpus(void)
{
	DIR *d = opendir("/proc/driver/nvidia/gpus");
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* CUDA_VISIBLE_DEVICES for this worker: its local rank among the workers
 * of its host (rank 0's host has one rank fewer of them); more workers on
 * a host than its GPUs is an error. */
static int pick_gpu(char *err, size_t errlen)
{
	const char *lr = getenv("OMPI_COMM_WORLD_LOCAL_RANK");
	if (!lr || getenv("CUDA_VISIBLE_DEVICES"))
		return 0;
	int local = atoi(lr);
	/* ranks fill hosts in order (mpirun's default): the host whose first
	 * rank is rank 0 is rank 0's, and its workers start at local rank 1 */
	if (mpic_rank() - local == 0)
		local--;
	int n = host_gpus();
	if (n >= 0 && local >= n)
		return text_fail(err, errlen,
		                 "rank %d is worker %d of its host, which has %d GPU%s: start at "
		                 "most one worker rank per GPU",
		                 mpic_rank(), local + 1, n, n == 1 ? "" : "s");
	char v[16];
	snprintf(v, sizeof v, "%d", local);
	setenv("CUDA_VISIBLE_DEVICES", v, 1);
	return 0;
}

static int serve_setup(served *s, pack *p, const dev_kind *const *kinds, char *err,
                       size_t errlen)
{
	char kind[16], gpu[64], dir[1024];
	get_str(p, kind, sizeof kind);
	get_str(p, gpu, sizeof gpu);
	int has_dir = get_str(p, dir, sizeof dir);
	dev_open_options o;
	dev_open_options_default(&o);
	o.gpu = gpu;
	o.data_dir = has_dir ? dir : NULL;
	o.seed = (uint64_t)get_i64(p);
	o.noise = get_f64(p);
	o.kappa = get_f64(p);
	o.group_us = get_f64(p);
	o.share_bw = get_f64(p);
	o.calibrated = (int)get_i64(p);
	o.tf32 = (int)get_i64(p);
	o.graphs = (int)get_i64(p);
	o.conv_gemm = (int)get_i64(p);
	o.fp16 = (int)get_i64(p);
	o.nhwc = (int)get_i64(p);
	o.fuse_add = (int)get_i64(p);
	o.ws_all = (int)get_i64(p);
	o.fc_lt = (int)get_i64(p);
	o.dw = (int)get_i64(p);
	o.attn_tc = (int)get_i64(p);
	o.launch_threads = (int)get_i64(p);
	o.any_start = (int)get_i64(p);
	o.sms = (int)get_i64(p);
	int n = (int)get_i64(p);
	if (p->bad || n < 1 || n > SVC_MAX)
		return text_fail(err, errlen, "a setup message came garbled");
	if (o.sms)
		return text_fail(err, errlen, "partitions of a GPU are not run over MPI");
	for (int i = 0; i < n; i++) {
		char model[64];
		get_str(p, model, sizeof model);
		if (!(s->models[i] = zoo_model_new(model, err, errlen)))
			return -1;
		s->n = i + 1;
		dev_service *d = &s->svc[i];
		memset(d, 0, sizeof *d);
		d->model = s->models[i];
		d->max_batch = (int)get_i64(p);
		d->max_seq = (int)get_i64(p);
		d->n_batches = (int)get_i64(p);
		for (int k = 0; k < d->n_batches && k < 32; k++)
			s->batches[i][k] = (int)get_i64(p);
		d->batches = s->batches[i];
		d->n_seqs = (int)get_i64(p);
		for (int k = 0; k < d->n_seqs && k < 32; k++)
			s->seqs[i][k] = (int)get_i64(p);
		d->seqs = d->n_seqs ? s->seqs[i] : NULL;
		d->every_batch = (int)get_i64(p);
		if (d->n_batches > 32 || d->n_seqs > 32)
			return text_fail(err, errlen, "a setup message came garbled");
	}
	if (p->bad)
		return text_fail(err, errlen, "a setup message came garbled");
	s->sim = strcmp(kind, "sim") == 0;
	if (!s->sim && pick_gpu(err, errlen))
		return -1;
	if (!(s->prof = prof_new(gpu, o.data_dir, err, errlen)))
		return -1;
	o.prof = s->prof;
	if (dev_kind_open(kinds, kind, &o, &s->dev, err, errlen))
		return -1;
	if (device_setup(&s->dev, s->svc, n))
		return text_fail(err, errlen, "%s", device_errmsg(&s->dev));
	return 0;
}

/* Runs a group and answers: the total and each segment's time from the
 * group's start. A simulated device is paced: the answer leaves when the
 * group would have ended, counted from when it came. */
static int serve_group(served *s, pack *p, pack *out)
{
	int64_t came = clk_ns();
	dev_segment seg[SVC_MAX];
	int n = (int)get_i64(p);
	out->n = 0;
	out->bad = 0;
	if (n < 1 || n > SVC_MAX)
		return -1;
	for (int i = 0; i < n; i++) {
		seg[i].service = (int)get_i64(p);
		seg[i].batch = (int)get_i64(p);
		seg[i].seq = (int)get_i64(p);
		seg[i].start = (int)get_i64(p);
		seg[i].end = (int)get_i64(p);
	}
	if (p->bad)
		return -1;
	dev_group g = {n, seg};
	int64_t seg_end[SVC_MAX];
	int64_t start = device_now(&s->dev);
	if (device_run_group(&s->dev, &g, seg_end)) {
		put_i64(out, -1);
		put_str(out, device_errmsg(&s->dev));
		return 0;
	}
	int64_t total = 0;
	for (int i = 0; i < n; i++)
		if (seg_end[i] - start > total)
			total = seg_end[i] - start;
	if (s->sim)
		sleep_until(came + total);
	put_i64(out, 0);
	put_i64(out, total);
	for (int i = 0; i < n; i++)
		put_i64(out, seg_end[i] - start);
	return 0;
}

int mpic_serve(const dev_kind *const *kinds, char *err, size_t errlen)
{
	static pack in, out; /* 64 KiB each: off the stack, one worker loop a process */
	served s;
	memset(&s, 0, sizeof s);
	/* ABACUS_MPI_KILL=RANK:N: rank RANK dies when its group N + 1 comes
	 * (fault injection for tests) */
	int64_t kill_after = -1, groups = 0;
	const char *kv = getenv("ABACUS_MPI_KILL");
	int kr, kn;
	if (kv && sscanf(kv, "%d:%d", &kr, &kn) == 2 && kr == mpic_rank() && kn >= 0)
		kill_after = kn;
	for (;;) {
		/* waits asleep, not in MPI_Recv's spin: the ranks of a test share
		 * a few cores with rank 0, whose clock the latencies are read on */
		int flag = 0;
		while (!flag) {
			if (MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE) !=
			    MPI_SUCCESS) {
				served_free(&s);
				return text_fail(err, errlen, "MPI_Iprobe for rank 0 failed");
			}
			if (!flag)
				sleep_until(clk_ns() + 20000);
		}
		int tag = recv_pack(&in, 0, MPI_ANY_TAG);
		if (tag < 0) {
			served_free(&s);
			return text_fail(err, errlen, "MPI_Recv from rank 0 failed");
		}
		if (tag == TAG_STOP)
			break;
		if (tag == TAG_END) {
			served_free(&s);
			continue;
		}
		if (tag == TAG_SETUP) {
			char msg[512] = "";
			served_free(&s);
			int rc = serve_setup(&s, &in, kinds, msg, sizeof msg);
			dev_info di = {0};
			if (rc == 0)
				device_info(&s.dev, &di);
			else
				served_free(&s);
			out.n = 0;
			out.bad = 0;
			char host[256] = "";
			gethostname(host, sizeof host - 1);
			put_i64(&out, rc);
			put_str(&out, msg);
			put_str(&out, di.gpu);
			put_i64(&out, (int64_t)getpid());
			put_str(&out, host);
			if (send_pack(&out, 0, TAG_ACK))
				return text_fail(err, errlen, "MPI_Send to rank 0 failed");
			continue;
		}
		if (tag == TAG_GROUP) {
			if (kill_after >= 0 && groups++ == kill_after)
				raise(SIGKILL); /* the fault a test injects: dies holding a group */
			if (serve_group(&s, &in, &out)) {
				out.n = 0;
				put_i64(&out, -1);
				put_str(&out, "a group message came garbled");
			}
			if (send_pack(&out, 0, TAG_DONE))
				return text_fail(err, errlen, "MPI_Send to rank 0 failed");
		}
	}
	served_free(&s);
	return 0;
}

/* ---- the process ---- */
int mpic_launched(void)
{
	return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

int mpic_begin(int *argc, char ***argv, char *err, size_t errlen)
{
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		return text_fail(err, errlen, "MPI_Init failed");
	/* a rank that died makes calls to it fail, not abort this one */
	if (MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN) != MPI_SUCCESS) {
		MPI_Finalize();
		return text_fail(err, errlen, "MPI_Comm_set_errhandler(MPI_ERRORS_RETURN) failed");
	}
	if (mpic_rank() < 0 || mpic_size() < 1) {
		MPI_Finalize();
		return text_fail(err, errlen,
		                 "MPI_Comm_rank or MPI_Comm_size of MPI_COMM_WORLD failed");
	}
	return 0;
}

int mpic_rank(void)
{
	int r;
	return MPI_Comm_rank(MPI_COMM_WORLD, &r) == MPI_SUCCESS ? r : -1;
}

int mpic_size(void)
{
	int n;
	return MPI_Comm_size(MPI_COMM_WORLD, &n) == MPI_SUCCESS ? n : -1;
}

void mpic_end(void)
{
	/* not waited for: a rank that died never takes its stop */
	int dead = 0, size = mpic_size();
	if (mpic_rank() == 0) /* a failed call (-1) sends nothing */
		for (int r = 1; r < size; r++) {
			if (r < (int)sizeof dead_rank && dead_rank[r]) {
				dead++;
				continue;
			}
			MPI_Request q;
			if (MPI_Isend(NULL, 0, MPI_BYTE, r, TAG_STOP, MPI_COMM_WORLD, &q) == MPI_SUCCESS)
				MPI_Request_free(&q);
		}
	/* MPI_Finalize is collective: with a rank dead it may wait for it
	 * forever (seen under load with Open MPI's --enable-recovery). The
	 * results are stored by now, so rank 0 ends the job instead, and the
	 * job's status says that a worker was lost. */
	if (dead) {
		fprintf(stderr, "abacus: %d worker rank%s died during the run; the results are stored; "
		                "ending the MPI job\n",
		        dead, dead > 1 ? "s" : "");
		fflush(NULL);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	MPI_Finalize();
}
