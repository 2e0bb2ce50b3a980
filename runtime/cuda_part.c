/* cuda_part.c: SM partitions through green contexts (cuda_part.h). */
#include "cuda_part.h"

#include <cuda.h>
#include <cuda_runtime_api.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The driver calls we make, found at run time (cuda_part.h says why). */
typedef struct drv {
	CUresult (*get_error)(CUresult, const char **);
	CUresult (*device_get)(CUdevice *, int);
	CUresult (*get_resource)(CUdevice, CUdevResource *, CUdevResourceType);
	CUresult (*split)(CUdevResource *, unsigned *, const CUdevResource *, CUdevResource *,
	                  unsigned, unsigned);
	CUresult (*gen_desc)(CUdevResourceDesc *, CUdevResource *, unsigned);
	CUresult (*create)(CUgreenCtx *, CUdevResourceDesc, CUdevice, unsigned);
	CUresult (*destroy)(CUgreenCtx);
	CUresult (*to_ctx)(CUcontext *, CUgreenCtx);
	CUresult (*ctx_resource)(CUgreenCtx, CUdevResource *, CUdevResourceType);
	CUresult (*set_current)(CUcontext);
} drv;

struct cuda_part {
	drv d;
	int gpu, n, refs;
	CUgreenCtx g[CUDA_PART_MAX]; /* NULL: the whole GPU, primary context */
	CUcontext c[CUDA_PART_MAX];
	int sms[CUDA_PART_MAX];
	double held;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int sym(const char *name, void **fn, char *err, size_t errlen)
{
	enum cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSymbolNotFound;
	/* 12040: the version green contexts came with */
	cudaError_t e = cudaGetDriverEntryPointByVersion(name, fn, 12040, cudaEnableDefault, &q);
	if (e != cudaSuccess || q != cudaDriverEntryPointSuccess || !*fn)
		return fail(err, errlen, "the driver has no %s (green contexts need CUDA 12.4 or later)",
		            name);
	return 0;
}

static int drv_load(drv *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	struct {
		const char *name;
		void **fn;
	} t[] = {
	    {"cuGetErrorString", (void **)&d->get_error},
	    {"cuDeviceGet", (void **)&d->device_get},
	    {"cuDeviceGetDevResource", (void **)&d->get_resource},
	    {"cuDevSmResourceSplitByCount", (void **)&d->split},
	    {"cuDevResourceGenerateDesc", (void **)&d->gen_desc},
	    {"cuGreenCtxCreate", (void **)&d->create},
	    {"cuGreenCtxDestroy", (void **)&d->destroy},
	    {"cuCtxFromGreenCtx", (void **)&d->to_ctx},
	    {"cuGreenCtxGetDevResource", (void **)&d->ctx_resource},
	    {"cuCtxSetCurrent", (void **)&d->set_current},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (sym(t[i].name, t[i].fn, err, errlen))
			return -1;
	return 0;
}

static const char *why(const drv *d, CUresult r)
{
	const char *s = NULL;
	if (d->get_error && d->get_error(r, &s) == CUDA_SUCCESS && s)
		return s;
	return "unknown driver error";
}

/* The primary context is made (cudaSetDevice + cudaFree(0)) before any
 * green context: cuGreenCtxCreate retains it, and making it first keeps
 * its start-up out of the partitions'. */
static int device_sm(const drv *d, int gpu, CUdevice *dev, CUdevResource *res, char *err,
                     size_t errlen)
{
	cudaError_t e = cudaSetDevice(gpu);
	if (e == cudaSuccess)
		e = cudaFree(0);
	if (e != cudaSuccess)
		return fail(err, errlen, "cudaSetDevice(%d) failed: %s", gpu, cudaGetErrorString(e));
	CUresult r = d->device_get(dev, gpu);
	if (r == CUDA_SUCCESS)
		r = d->get_resource(*dev, res, CU_DEV_RESOURCE_TYPE_SM);
	if (r != CUDA_SUCCESS)
		return fail(err, errlen, "cuDeviceGetDevResource(GPU %d, SM) failed: %s", gpu, why(d, r));
	return 0;
}

int cuda_part_caps_get(int gpu, cuda_part_caps *caps, char *err, size_t errlen)
{
	memset(caps, 0, sizeof *caps);
	cudaDriverGetVersion(&caps->driver);
	cudaRuntimeGetVersion(&caps->runtime);
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess || n < 1)
		return fail(err, errlen, "no CUDA GPU found: %s",
		            e != cudaSuccess ? cudaGetErrorString(e) : "no device");
	if (gpu < 0 || gpu >= n)
		return fail(err, errlen, "GPU %d requested, %d present", gpu, n);
	e = cudaDeviceGetAttribute(&caps->sms, cudaDevAttrMultiProcessorCount, gpu);
	if (e != cudaSuccess)
		return fail(err, errlen, "cudaDeviceGetAttribute(SM count) failed: %s",
		            cudaGetErrorString(e));
	drv d;
	if (drv_load(&d, caps->why, sizeof caps->why))
		return 0;
	CUdevice dev;
	CUdevResource res;
	if (device_sm(&d, gpu, &dev, &res, caps->why, sizeof caps->why))
		return 0;
	caps->min_sms = (int)res.sm.minSmPartitionSize;
	caps->align = (int)res.sm.smCoscheduledAlignment;
	caps->available = caps->min_sms > 0 && caps->align > 0;
	if (!caps->available)
		snprintf(caps->why, sizeof caps->why,
		         "the driver reports no SM partition size (minSmPartitionSize %d, alignment %d)",
		         caps->min_sms, caps->align);
	return 0;
}

int cuda_part_sizes_check(const cuda_part_caps *caps, const int *sms, int n, unsigned flags,
                          char *err, size_t errlen)
{
	if (!caps->available)
		return fail(err, errlen, "this GPU or driver cannot make SM partitions: %s", caps->why);
	if (n < 1 || n > CUDA_PART_MAX)
		return fail(err, errlen, "partitions: 1 to %d, got %d", CUDA_PART_MAX, n);
	int sum = 0;
	for (int k = 0; k < n; k++) {
		sum += sms[k];
		if (sms[k] == caps->sms && n == 1)
			continue;
		if (flags & CUDA_PART_IGNORE_COSCHEDULING) {
			if (sms[k] < 1)
				return fail(err, errlen, "partition %d: %d SMs", k + 1, sms[k]);
			continue;
		}
		if (sms[k] < caps->min_sms || sms[k] % caps->align != 0)
			return fail(err, errlen,
			            "partition %d: %d SMs, but this GPU's green contexts take at least %d "
			            "SMs in multiples of %d (as its driver reports), or all %d alone",
			            k + 1, sms[k], caps->min_sms, caps->align, caps->sms);
	}
	if (sum > caps->sms)
		return fail(err, errlen, "partitions: together %d SMs, but the GPU has %d", sum,
		            caps->sms);
	return 0;
}

int cuda_part_count(const cuda_part *p)
{
	return p ? p->n : 0;
}

int cuda_part_sms(const cuda_part *p, int k)
{
	return p && k >= 0 && k < p->n ? p->sms[k] : 0;
}

void cuda_part_hold(cuda_part *p, double bytes)
{
	if (p)
		p->held += bytes;
}

double cuda_part_held(const cuda_part *p)
{
	return p ? p->held : 0;
}

void cuda_part_retain(cuda_part *p)
{
	if (p)
		p->refs++;
}

static void destroy_all(cuda_part *p)
{
	/* The primary context stays current: the green ones go away under it. */
	cudaSetDevice(p->gpu);
	for (int k = 0; k < p->n; k++)
		if (p->g[k])
			p->d.destroy(p->g[k]);
}

void cuda_part_free(cuda_part *p)
{
	if (!p || --p->refs > 0)
		return;
	destroy_all(p);
	free(p);
}

int cuda_part_bind(const cuda_part *p, int k, char *err, size_t errlen)
{
	cudaError_t e = cudaSetDevice(p->gpu);
	if (e != cudaSuccess)
		return fail(err, errlen, "cudaSetDevice(%d) failed: %s", p->gpu, cudaGetErrorString(e));
	if (!p->g[k])
		return 0;
	CUresult r = p->d.set_current(p->c[k]);
	if (r != CUDA_SUCCESS)
		return fail(err, errlen, "cuCtxSetCurrent(partition %d) failed: %s", k + 1,
		            why(&p->d, r));
	return 0;
}

/* Splits the GPU's SMs into groups and hands each partition the groups
 * its size needs (cuda_part.h). groups/ng: the split; want[k]: groups for
 * partition k (units) or 1 (direct). */
static int make_groups(cuda_part *p, const CUdevResource *all, cuda_part_split how,
                       unsigned flags, const int *sms, CUdevResource *groups, unsigned *ng,
                       int *want, char *err, size_t errlen)
{
	unsigned count;
	if (how == CUDA_PART_AUTO) {
		how = CUDA_PART_DIRECT;
		for (int k = 1; k < p->n; k++)
			if (sms[k] != sms[0])
				how = CUDA_PART_UNITS;
	}
	if (how == CUDA_PART_DIRECT) {
		for (int k = 1; k < p->n; k++)
			if (sms[k] != sms[0])
				return fail(err, errlen, "a direct split needs equal partitions (%d, %d)",
				            sms[0], sms[k]);
		count = (unsigned)sms[0];
		*ng = (unsigned)p->n;
		for (int k = 0; k < p->n; k++)
			want[k] = 1;
	} else {
		count = flags & CUDA_PART_IGNORE_COSCHEDULING ? 1u : all->sm.smCoscheduledAlignment;
		if (count < all->sm.minSmPartitionSize && !(flags & CUDA_PART_IGNORE_COSCHEDULING))
			count = all->sm.minSmPartitionSize;
		*ng = all->sm.smCount / count;
		for (int k = 0; k < p->n; k++)
			want[k] = (sms[k] + (int)count - 1) / (int)count;
	}
	unsigned asked = *ng;
	CUresult r = p->d.split(groups, ng, all, NULL, flags, count);
	if (r != CUDA_SUCCESS)
		return fail(err, errlen,
		            "cuDevSmResourceSplitByCount(%u groups of %u SMs, flags %#x) failed: %s",
		            asked, count, flags, why(&p->d, r));
	unsigned need = 0;
	for (int k = 0; k < p->n; k++)
		need += (unsigned)want[k];
	if (need > *ng)
		return fail(err, errlen,
		            "cuDevSmResourceSplitByCount gave %u groups of %u SMs, and the "
		            "partitions need %u",
		            *ng, count, need);
	return 0;
}

int cuda_part_open(int gpu, const int *sms, int n, cuda_part_split how, unsigned flags,
                   cuda_part **out, char *err, size_t errlen)
{
	*out = NULL;
	if (n < 1 || n > CUDA_PART_MAX)
		return fail(err, errlen, "partitions: 1 to %d, got %d", CUDA_PART_MAX, n);
	cuda_part *p = calloc(1, sizeof *p);
	if (!p)
		return fail(err, errlen, "out of memory");
	p->gpu = gpu;
	p->n = n;
	p->refs = 1;
	CUdevice dev;
	CUdevResource all;
	if (drv_load(&p->d, err, errlen) || device_sm(&p->d, gpu, &dev, &all, err, errlen)) {
		free(p);
		return -1;
	}
	if (n == 1 && sms[0] >= (int)all.sm.smCount) {
		p->sms[0] = (int)all.sm.smCount; /* the whole GPU: the primary context */
		*out = p;
		return 0;
	}
	CUdevResource *groups = calloc(all.sm.smCount + 1, sizeof *groups);
	unsigned ng = 0;
	int want[CUDA_PART_MAX];
	if (!groups) {
		free(p);
		return fail(err, errlen, "out of memory");
	}
	if (make_groups(p, &all, how, flags, sms, groups, &ng, want, err, errlen))
		goto bad;
	for (int k = 0, next = 0; k < n; next += want[k], k++) {
		CUdevResourceDesc desc;
		CUresult r = p->d.gen_desc(&desc, groups + next, (unsigned)want[k]);
		if (r != CUDA_SUCCESS) {
			fail(err, errlen, "cuDevResourceGenerateDesc(partition %d, %d groups) failed: %s",
			     k + 1, want[k], why(&p->d, r));
			goto bad;
		}
		r = p->d.create(&p->g[k], desc, dev, CU_GREEN_CTX_DEFAULT_STREAM);
		if (r != CUDA_SUCCESS) {
			p->g[k] = NULL;
			fail(err, errlen, "cuGreenCtxCreate(partition %d, %d SMs) failed: %s", k + 1,
			     sms[k], why(&p->d, r));
			goto bad;
		}
		CUdevResource got;
		r = p->d.to_ctx(&p->c[k], p->g[k]);
		if (r == CUDA_SUCCESS)
			r = p->d.ctx_resource(p->g[k], &got, CU_DEV_RESOURCE_TYPE_SM);
		if (r != CUDA_SUCCESS) {
			fail(err, errlen, "cuCtxFromGreenCtx/cuGreenCtxGetDevResource(partition %d) "
			                  "failed: %s",
			     k + 1, why(&p->d, r));
			goto bad;
		}
		p->sms[k] = (int)got.sm.smCount;
	}
	cudaError_t e = cudaSetDevice(gpu);
	if (e != cudaSuccess) {
		fail(err, errlen, "cudaSetDevice(%d) failed: %s", gpu, cudaGetErrorString(e));
		goto bad;
	}
	free(groups);
	*out = p;
	return 0;
bad:
	free(groups);
	destroy_all(p);
	free(p);
	return -1;
}

void cuda_part_print(FILE *f, const cuda_part_caps *c)
{
	if (c->available)
		fprintf(f,
		        "green ctx     available: driver CUDA %d.%d, runtime %d.%d; partitions of at "
		        "least %d SMs in multiples of %d (driver's minSmPartitionSize, "
		        "smCoscheduledAlignment), or all %d\n",
		        c->driver / 1000, c->driver % 1000 / 10, c->runtime / 1000,
		        c->runtime % 1000 / 10, c->min_sms, c->align, c->sms);
	else
		fprintf(f, "green ctx     not available: %s (driver CUDA %d.%d, runtime %d.%d)\n", c->why,
		        c->driver / 1000, c->driver % 1000 / 10, c->runtime / 1000,
		        c->runtime % 1000 / 10);
}
