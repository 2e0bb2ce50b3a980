/* bench_parts.c: SM partitions (green contexts) of one GPU, measured.
 *
 *   bench_parts [--split auto|units|direct] [--flags F] [--sms A,B,...]
 *               [--only sm,cluster,gemm,synth,models,check] [--reps N]
 *               [--pairs a:b+c:d,...]
 *
 * Answers two questions before anything is built on partitions:
 *  (a) does every kernel run inside a partition: the SMs a kernel's blocks
 *      ran on (%smid) per partition and whether partitions overlap;
 *      launches with thread-block clusters of 1 to 16 blocks (Hopper GEMMs
 *      use them; cudaErrorInvalidClusterSize was seen in 66-SM contexts);
 *      cuBLAS TF32 GEMMs; every model's output in a partition against the
 *      whole GPU's (check);
 *  (b) do partitions run concurrently: a compute-bound and a memory-bound
 *      kernel, and then real models through the device interface, each
 *      alone in its partition, both at once, one after the other, and both
 *      on two streams of the whole GPU (models).
 * --split and --flags choose how SMs are split (cuda_part.h);
 * CUDA_DEVICE_MAX_CONNECTIONS in the environment is printed with the
 * results, since it sets how many hardware queues streams share.
 * Times are host wall time around launch and completion, median of --reps
 * (default 20) after two untimed runs.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include "clk.h"
#include "cuda_dev.h"
#include "cuda_exec.h"
#include "cuda_part.h"
#include "parts_kernels.h"
#include "zoo.h"

#define ERRLEN 1024
#define MAXP CUDA_PART_MAX

static int reps = 20;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench_parts: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

#define CK(call)                                                                                 \
	do {                                                                                     \
		cudaError_t e_ = (call);                                                         \
		if (e_ != cudaSuccess)                                                           \
			die("%s failed: %s", #call, cudaGetErrorString(e_));                     \
	} while (0)

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void bind(cuda_part *p, int k)
{
	char err[ERRLEN];
	if (cuda_part_bind(p, k, err, sizeof err))
		die("%s", err);
}

/* (a) SMs each partition's kernel ran on, and overlaps. */
static void sm_table(cuda_part *p, cudaStream_t *st, int n, int total)
{
	int *seen_all = calloc((size_t)total * (size_t)n, sizeof *seen_all);
	for (int k = 0; k < n; k++) {
		bind(p, k);
		int *d;
		CK(cudaMalloc((void **)&d, (size_t)total * sizeof(int) * 2));
		CK(cudaMemsetAsync(d, 0, (size_t)total * sizeof(int) * 2, st[k]));
		if (pk_smid(st[k], d, total * 8, 20000))
			die("smid kernel failed to launch in partition %d", k + 1);
		CK(cudaStreamSynchronize(st[k]));
		CK(cudaMemcpy(seen_all + (size_t)k * total, d, (size_t)total * sizeof(int),
		              cudaMemcpyDeviceToHost));
		CK(cudaFree(d));
	}
	for (int k = 0; k < n; k++) {
		int used = 0, shared = 0, lo = total, hi = -1;
		for (int s = 0; s < total; s++) {
			if (!seen_all[(size_t)k * total + s])
				continue;
			used++;
			lo = s < lo ? s : lo;
			hi = s > hi ? s : hi;
			for (int j = 0; j < n; j++)
				if (j != k && seen_all[(size_t)j * total + s])
					shared++;
		}
		printf("sm     partition %d: green ctx of %d SMs, kernel of %d blocks ran on %d SMs "
		       "(smid %d..%d), %d shared with other partitions\n",
		       k + 1, cuda_part_sms(p, k), total * 8, used, lo, hi, shared);
	}
	free(seen_all);
}

/* (a) launches with thread-block clusters. */
static void cluster_table(cuda_part *p, cudaStream_t *st, int n)
{
	for (int k = 0; k < n; k++) {
		bind(p, k);
		int *d;
		CK(cudaMalloc((void **)&d, 4096 * sizeof(int)));
		int maxc = 0;
		int e0 = pk_max_cluster(st[k], 256, &maxc);
		printf("cluster partition %d (%d SMs): max potential cluster %d (%s);", k + 1,
		       cuda_part_sms(p, k), maxc, cudaGetErrorString((cudaError_t)e0));
		for (int c = 1; c <= 16; c *= 2) {
			int e = pk_cluster(st[k], d, 256, c);
			if (!e)
				e = (int)cudaStreamSynchronize(st[k]);
			printf(" %d:%s", c, e ? cudaGetErrorName((cudaError_t)e) : "ok");
			if (e)
				(void)cudaGetLastError(); /* launch errors are not sticky */
		}
		printf("\n");
		CK(cudaFree(d));
	}
}

/* (a) cuBLAS TF32 GEMMs in each partition: errors and time. */
static void gemm_table(cuda_part *p, cudaStream_t *st, int n)
{
	static const int shapes[][3] = {{4096, 4096, 4096}, {512, 3072, 768}, {2048, 1000, 2048}};
	for (int k = 0; k < n; k++) {
		bind(p, k);
		cublasHandle_t h;
		if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS)
			die("cublasCreate failed in partition %d", k + 1);
		cublasSetStream(h, st[k]);
		cublasSetMathMode(h, CUBLAS_TF32_TENSOR_OP_MATH);
		float *a, *b, *c;
		size_t big = 4096u * 4096u;
		CK(cudaMalloc((void **)&a, big * 4));
		CK(cudaMalloc((void **)&b, big * 4));
		CK(cudaMalloc((void **)&c, big * 4));
		CK(cudaMemsetAsync(a, 0x3c, big * 4, st[k]));
		CK(cudaMemsetAsync(b, 0x3c, big * 4, st[k]));
		for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
			int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
			float one = 1, zero = 0;
			double t[64];
			int r = reps < 64 ? reps : 64, bad = 0;
			for (int i = -2; i < r && !bad; i++) {
				int64_t t0 = clk_ns();
				cublasStatus_t bs =
				    cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &one, a, CUDA_R_32F, M,
				                 b, CUDA_R_32F, K, &zero, c, CUDA_R_32F, M,
				                 CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT);
				cudaError_t e = cudaStreamSynchronize(st[k]);
				if (bs != CUBLAS_STATUS_SUCCESS || e != cudaSuccess) {
					printf("gemm   partition %d (%d SMs) %dx%dx%d: FAILED %s / %s\n", k + 1,
					       cuda_part_sms(p, k), M, N, K, cublasGetStatusName(bs),
					       cudaGetErrorName(e));
					bad = 1;
					(void)cudaGetLastError();
				}
				if (i >= 0)
					t[i] = (double)(clk_ns() - t0) / 1e6;
			}
			if (!bad) {
				double ms = median(t, r);
				printf("gemm   partition %d (%d SMs) %dx%dx%d tf32: ok, %.3f ms, %.1f TFLOP/s\n",
				       k + 1, cuda_part_sms(p, k), M, N, K, ms,
				       2.0 * M * N * K / (ms * 1e-3) / 1e12);
			}
		}
		cudaFree(a);
		cudaFree(b);
		cudaFree(c);
		cublasDestroy(h);
	}
}

typedef struct synth {
	int kind; /* 0 fma, 1 copy */
	float *in, *out;
	size_t n;
	int blocks, iters;
	cudaGraphExec_t graph;
} synth;

static void synth_launch(synth *s, cudaStream_t st, int use_graph)
{
	if (use_graph) {
		CK(cudaGraphLaunch(s->graph, st));
		return;
	}
	int e = s->kind ? pk_copy(st, s->in, s->out, s->n, s->blocks)
	                : pk_fma(st, s->out, s->blocks, s->iters);
	if (e)
		die("synthetic kernel launch failed: %s", cudaGetErrorString((cudaError_t)e));
}

static void synth_prepare(synth *s, cudaStream_t st)
{
	cudaGraph_t g;
	CK(cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal));
	synth_launch(s, st, 0);
	CK(cudaStreamEndCapture(st, &g));
	CK(cudaGraphInstantiate(&s->graph, g, 0));
	CK(cudaGraphDestroy(g));
}

/* Runs `what` (bit k: partition k's kernel) at once or one after the
 * other; median wall ms. */
static double synth_time(cuda_part *p, cudaStream_t *st, synth *s, unsigned what, int serial,
                         int use_graph)
{
	double t[256];
	int r = reps < 256 ? reps : 256;
	for (int i = -2; i < r; i++) {
		int64_t t0 = clk_ns();
		for (int k = 0; k < 2; k++) {
			if (!(what >> k & 1))
				continue;
			if (p)
				bind(p, k);
			synth_launch(&s[k], st[k], use_graph);
			if (serial)
				CK(cudaStreamSynchronize(st[k]));
		}
		for (int k = 0; k < 2; k++)
			if (what >> k & 1)
				CK(cudaStreamSynchronize(st[k]));
		if (i >= 0)
			t[i] = (double)(clk_ns() - t0) / 1e6;
	}
	return median(t, r);
}

static void synth_table(cuda_part *p, cudaStream_t *st, int total)
{
	const char *conn = getenv("CUDA_DEVICE_MAX_CONNECTIONS");
	size_t n = (size_t)256 << 20; /* 1 GiB of floats in, 1 out, per side */
	for (int kind = 0; kind < 2; kind++)
		for (int use_graph = 0; use_graph < 2; use_graph++) {
			synth s[2], w[2];
			cudaStream_t wst[2];
			CK(cudaSetDevice(0));
			for (int k = 0; k < 2; k++) {
				CK(cudaStreamCreateWithFlags(&wst[k], cudaStreamNonBlocking));
			}
			for (int k = 0; k < 2; k++) {
				memset(&s[k], 0, sizeof s[k]);
				s[k].kind = kind;
				s[k].n = n;
				s[k].iters = 200000;
				s[k].blocks = kind ? cuda_part_sms(p, k) * 4 : cuda_part_sms(p, k) * 8;
				bind(p, k);
				CK(cudaMalloc((void **)&s[k].out, kind ? n * 4 : 65536));
				if (kind) {
					CK(cudaMalloc((void **)&s[k].in, n * 4));
					CK(cudaMemset(s[k].in, 0x3c, n * 4));
				}
				synth_prepare(&s[k], st[k]);
				/* the same kernel on the whole GPU (primary context) */
				CK(cudaSetDevice(0));
				w[k] = s[k];
				w[k].blocks = kind ? total * 4 : s[k].blocks;
				synth_prepare(&w[k], wst[k]);
			}
			double a = synth_time(p, st, s, 1, 0, use_graph);
			double b = synth_time(p, st, s, 2, 0, use_graph);
			double both = synth_time(p, st, s, 3, 0, use_graph);
			double ser = synth_time(p, st, s, 3, 1, use_graph);
			double wa = synth_time(NULL, wst, w, 1, 0, use_graph);
			double wboth = synth_time(NULL, wst, w, 3, 0, use_graph);
			printf("synth  %-5s %-6s CUDA_DEVICE_MAX_CONNECTIONS=%s: part1 alone %.3f ms, "
			       "part2 alone %.3f, both at once %.3f, one after the other %.3f "
			       "(at once / serial %.2f); whole GPU one %.3f, two streams %.3f\n",
			       kind ? "copy" : "fma", use_graph ? "graph" : "direct", conn ? conn : "unset",
			       a, b, both, ser, both / ser, wa, wboth);
			for (int k = 0; k < 2; k++) {
				CK(cudaGraphExecDestroy(s[k].graph));
				CK(cudaGraphExecDestroy(w[k].graph));
				cudaFree(s[k].out);
				if (kind)
					cudaFree(s[k].in);
				CK(cudaStreamDestroy(wst[k]));
			}
		}
}

/* (b) real models through the device interface. spec "resnet152:4". */
static void parse_svc(const char *spec, char *name, size_t len, int *batch)
{
	const char *c = strchr(spec, ':');
	size_t l = c ? (size_t)(c - spec) : strlen(spec);
	if (l >= len)
		die("model name too long: %s", spec);
	memcpy(name, spec, l);
	name[l] = 0;
	*batch = c ? atoi(c + 1) : 4;
	if (*batch < 1)
		die("bad batch in %s", spec);
}

static double group_time(device *dv, int nd, const dev_group *g, int serial)
{
	double t[256];
	int r = reps < 256 ? reps : 256;
	int64_t seg_end[4];
	for (int i = -2; i < r; i++) {
		int64_t t0 = clk_ns();
		int pending[MAXP] = {0};
		for (int k = 0; k < nd; k++) {
			if (!g[k].n)
				continue;
			int ended = 0;
			if (device_launch(&dv[k], &g[k], seg_end, &ended))
				die("launch: %s", device_errmsg(&dv[k]));
			pending[k] = !ended;
			if (serial && pending[k]) {
				if (device_wait_group(&dv[k], INT64_MAX, seg_end) != 1)
					die("wait: %s", device_errmsg(&dv[k]));
				pending[k] = 0;
			}
		}
		for (int k = 0; k < nd; k++)
			if (pending[k] && device_wait_group(&dv[k], INT64_MAX, seg_end) != 1)
				die("wait: %s", device_errmsg(&dv[k]));
		if (i >= 0)
			t[i] = (double)(clk_ns() - t0) / 1e6;
	}
	return median(t, r);
}

static void models_table(cuda_part *p, const char *pairs)
{
	char *list = strdup(pairs), *save = NULL, err[ERRLEN];
	for (char *pair = strtok_r(list, ",", &save); pair; pair = strtok_r(NULL, ",", &save)) {
		char *plus = strchr(pair, '+');
		if (!plus)
			die("a pair is a:4+b:4, got %s", pair);
		*plus = 0;
		char names[2][32];
		int batch[2];
		parse_svc(pair, names[0], sizeof names[0], &batch[0]);
		parse_svc(plus + 1, names[1], sizeof names[1], &batch[1]);
		zoo_model *m[2];
		dev_service svc[2];
		int seq = 64;
		for (int k = 0; k < 2; k++) {
			if (!(m[k] = zoo_model_new(names[k], err, sizeof err)))
				die("%s", err);
			svc[k] = (dev_service){.model = m[k],
			                       .max_batch = batch[k],
			                       .max_seq = m[k]->has_seq ? seq : 0,
			                       .batches = &batch[k],
			                       .n_batches = 1,
			                       .seqs = m[k]->has_seq ? &seq : NULL,
			                       .n_seqs = m[k]->has_seq ? 1 : 0};
		}
		cuda_options o;
		cuda_options_default(&o);
		device half[2], whole;
		for (int k = 0; k < 2; k++) {
			if (cuda_device_open_part(&half[k], &o, p, k, k ? &half[0] : NULL, err,
			                          sizeof err) ||
			    device_setup(&half[k], &svc[k], 1))
				die("partition %d, %s: %s", k + 1, names[k],
				    half[k].ctx ? device_errmsg(&half[k]) : err);
		}
		if (cuda_device_open(&whole, &o, err, sizeof err) || device_setup(&whole, svc, 2))
			die("whole GPU: %s", whole.ctx ? device_errmsg(&whole) : err);
		dev_segment seg[2];
		for (int k = 0; k < 2; k++)
			seg[k] = (dev_segment){.service = 0,
			                       .batch = batch[k],
			                       .seq = m[k]->has_seq ? seq : 0,
			                       .start = 0,
			                       .end = m[k]->n_ops};
		dev_group ga[2] = {{1, &seg[0]}, {0, NULL}}, gb[2] = {{0, NULL}, {1, &seg[1]}};
		dev_group gab[2] = {{1, &seg[0]}, {1, &seg[1]}};
		double a = group_time(half, 2, ga, 0);
		double b = group_time(half, 2, gb, 0);
		double both = group_time(half, 2, gab, 0);
		double ser = group_time(half, 2, gab, 1);
		dev_segment wseg[2] = {seg[0], seg[1]};
		wseg[1].service = 1;
		dev_group w1 = {1, &wseg[0]}, w2 = {1, &wseg[1]}, w12 = {2, wseg};
		double wa = group_time(&whole, 1, &w1, 0);
		double wb = group_time(&whole, 1, &w2, 0);
		double wab = group_time(&whole, 1, &w12, 0);
		printf("models %s:%d (part1, %d SMs) + %s:%d (part2, %d SMs): alone %.3f / %.3f ms, "
		       "both at once %.3f, one after the other %.3f (at once / serial %.2f); whole GPU "
		       "alone %.3f / %.3f, both on two streams %.3f\n",
		       names[0], batch[0], cuda_part_sms(p, 0), names[1], batch[1], cuda_part_sms(p, 1),
		       a, b, both, ser, both / ser, wa, wb, wab);
		fflush(stdout);
		device_free(&half[0]);
		device_free(&half[1]);
		device_free(&whole);
		zoo_model_free(m[0]);
		zoo_model_free(m[1]);
	}
	free(list);
}

/* (a) every model's output in partition 1 against the whole GPU's. */
static void check_table(cuda_part *p)
{
	static const char *const models[] = {"resnet50", "resnet101", "resnet152", "inception_v3",
	                                     "vgg16",    "vgg19",     "bert",      "mobilenet_v2",
	                                     NULL};
	char err[ERRLEN];
	for (int i = 0; models[i]; i++) {
		zoo_model *m = zoo_model_new(models[i], err, sizeof err);
		if (!m)
			die("%s", err);
		int batch = 4, seq = m->has_seq ? 64 : 0;
		float *out[2] = {NULL, NULL};
		size_t cnt = 0;
		for (int where = 0; where < 2; where++) {
			if (where == 0)
				CK(cudaSetDevice(0));
			else
				bind(p, 0);
			cuda_exec_cfg cfg = {.model = m, .max_batch = batch, .max_seq = seq, .tf32 = 1,
			                     .graphs = 1, .whole = 1, .conv_gemm = 1, .seed = 7};
			cuda_exec *x;
			if (cuda_exec_new(&cfg, &x, err, sizeof err) || cuda_exec_load(x, err, sizeof err))
				die("%s: %s", models[i], err);
			if (cuda_exec_run(x, 0, m->n_ops, batch, seq, err, sizeof err) ||
			    cuda_exec_sync(x, err, sizeof err))
				die("%s in %s: %s", models[i], where ? "partition 1" : "whole GPU", err);
			/* the same twice, op by op, so per-op graphs run too */
			if (cuda_exec_run(x, 0, 1, batch, seq, err, sizeof err) ||
			    cuda_exec_run(x, 1, m->n_ops, batch, seq, err, sizeof err) ||
			    cuda_exec_sync(x, err, sizeof err))
				die("%s in %s (cut): %s", models[i], where ? "partition 1" : "whole GPU", err);
			zoo_dims od = zoo_layer_dims(m, m->n_layers - 1, seq);
			cnt = (size_t)batch * (size_t)zoo_dims_count(&od, seq);
			out[where] = malloc(cnt * sizeof(float));
			if (cuda_exec_get_output(x, out[where], batch, seq, err, sizeof err))
				die("%s: %s", models[i], err);
			cuda_exec_free(x);
		}
		double num = 0, den = 0;
		int nan = 0;
		for (size_t j = 0; j < cnt; j++) {
			double d = (double)out[1][j] - out[0][j];
			nan |= isnan(out[1][j]);
			num += d * d;
			den += (double)out[0][j] * out[0][j];
		}
		printf("check  %-12s batch %d in partition 1 (%d SMs) vs whole GPU: rel err %.2e%s\n",
		       models[i], batch, cuda_part_sms(p, 0), sqrt(num / (den > 0 ? den : 1)),
		       nan ? " NaN" : "");
		free(out[0]);
		free(out[1]);
		zoo_model_free(m);
	}
}

int main(int argc, char **argv)
{
	const char *only = "sm,cluster,gemm,synth,models,check";
	const char *pairs = "resnet152:4+resnet101:4,resnet50:8+vgg16:8,vgg19:4+bert:4";
	cuda_part_split how = CUDA_PART_AUTO;
	unsigned flags = 0;
	int sms[MAXP] = {64, 64}, n = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die("%s needs a value", a);
		if (!strcmp(a, "--split"))
			how = strcmp(v, "direct") == 0  ? CUDA_PART_DIRECT
			      : strcmp(v, "units") == 0 ? CUDA_PART_UNITS
			                                : CUDA_PART_AUTO;
		else if (!strcmp(a, "--flags"))
			flags = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--only"))
			only = v;
		else if (!strcmp(a, "--reps"))
			reps = atoi(v);
		else if (!strcmp(a, "--pairs"))
			pairs = v;
		else if (!strcmp(a, "--sms")) {
			n = 0;
			for (const char *s = v; *s && n < MAXP; n++) {
				sms[n] = atoi(s);
				const char *c = strchr(s, ',');
				s = c ? c + 1 : s + strlen(s);
			}
		} else
			die("unknown option %s", a);
		i++;
	}
	if (reps < 1)
		reps = 1;
	char err[ERRLEN];
	cuda_part_caps caps;
	if (cuda_part_caps_get(0, &caps, err, sizeof err))
		die("%s", err);
	cuda_part_print(stdout, &caps);
	printf("config split %s, flags %#x, sizes",
	       how == CUDA_PART_DIRECT ? "direct" : how == CUDA_PART_UNITS ? "units" : "auto", flags);
	for (int k = 0; k < n; k++)
		printf(" %d", sms[k]);
	printf(", CUDA_DEVICE_MAX_CONNECTIONS=%s\n",
	       getenv("CUDA_DEVICE_MAX_CONNECTIONS") ? getenv("CUDA_DEVICE_MAX_CONNECTIONS")
	                                             : "unset");
	cuda_part *p;
	if (cuda_part_open(0, sms, n, how, flags, &p, err, sizeof err))
		die("%s", err);
	cudaStream_t st[MAXP];
	for (int k = 0; k < n; k++) {
		bind(p, k);
		CK(cudaStreamCreateWithFlags(&st[k], cudaStreamNonBlocking));
	}
	fflush(stdout);
	if (strstr(only, "sm"))
		sm_table(p, st, n, caps.sms);
	if (strstr(only, "cluster"))
		cluster_table(p, st, n);
	if (strstr(only, "gemm"))
		gemm_table(p, st, n);
	fflush(stdout);
	if (strstr(only, "synth") && n >= 2)
		synth_table(p, st, caps.sms);
	fflush(stdout);
	if (strstr(only, "models") && n >= 2)
		models_table(p, pairs);
	if (strstr(only, "check"))
		check_table(p);
	for (int k = 0; k < n; k++) {
		bind(p, k);
		cudaStreamDestroy(st[k]);
	}
	cuda_part_free(p);
	return 0;
}
