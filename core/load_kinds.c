/* load_kinds.c: the table of load kinds `load.kind` may name (load.h).
 *
 * Each kind says what it reads of a run and checks those values, so that a
 * run's configuration is refused before anything is built; the loads
 * themselves are load.c's constructors.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "load.h"
#include "text.h"

/* The most arrivals the run holds (load_params.cap). */
static int64_t load_cap(const load_params *p)
{
	return p->cap > 0 ? p->cap : LOAD_MAX_QUERIES;
}

static int poisson_check(const load_params *p, const load_service *svc, int n, char *err,
                         size_t errlen)
{
	int all_rates = n > 0;
	for (int i = 0; i < n; i++)
		if (!(svc[i].qps > 0))
			all_rates = 0;
	if (all_rates && ((p->given & KIND_QPS) || p->qps != 0))
		return text_fail(err, errlen,
		                 "load.qps is not used when every service has its own qps: "
		                 "give one or the other");
	if (!all_rates && (!(p->qps > 0) || !isfinite(p->qps)))
		return text_fail(err, errlen,
		                 "load.qps must be a positive number of queries per second, got %g",
		                 p->qps);
	if (p->limit < 1 || p->limit > load_cap(p))
		return text_fail(err, errlen,
		                 "queries must be between 1 and %lld (the most a run holds), "
		                 "got %lld",
		                 (long long)load_cap(p), (long long)p->limit);
	return 0;
}

static load *poisson_open(const load_params *p, const load_service *svc, int n, char *err,
                          size_t errlen)
{
	return load_poisson_new(svc, n, p->qps, p->limit, p->seed, err, errlen);
}

/* What the kinds that play a file share. */
static int file_check(const load_params *p, char *err, size_t errlen)
{
	if (p->file && !*p->file)
		return text_fail(err, errlen, "load.file is empty: give the path of a CSV file");
	if (p->limit < 0 || p->limit > load_cap(p))
		return text_fail(err, errlen,
		                 "queries must be between 0 (all) and %lld (the most a run "
		                 "holds), got %lld",
		                 (long long)load_cap(p), (long long)p->limit);
	return 0;
}

static int trace_check(const load_params *p, const load_service *svc, int n, char *err,
                       size_t errlen)
{
	(void)svc;
	(void)n;
	return file_check(p, err, errlen);
}

static load *trace_open(const load_params *p, const load_service *svc, int n, char *err,
                        size_t errlen)
{
	return load_trace_new(p->file, svc, n, p->limit, err, errlen);
}

static int rates_check(const load_params *p, const load_service *svc, int n, char *err,
                       size_t errlen)
{
	(void)svc;
	(void)n;
	if (file_check(p, err, errlen))
		return -1;
	if (!(p->time_scale > 0) || !isfinite(p->time_scale))
		return text_fail(err, errlen, "load.time_scale must be a positive number, got %g",
		                 p->time_scale);
	if (!(p->qps_scale > 0) || !isfinite(p->qps_scale))
		return text_fail(err, errlen, "load.qps_scale must be a positive number, got %g",
		                 p->qps_scale);
	return 0;
}

static load *rates_open(const load_params *p, const load_service *svc, int n, char *err,
                        size_t errlen)
{
	return load_rates_capped(p->file, svc, n, p->time_scale, p->qps_scale, p->limit, p->cap,
	                         p->seed, err, errlen);
}

static const load_kind poisson_kind = {
    .name = "poisson",
    .what = "Poisson arrivals at load.qps, or at each service's own qps",
    .reads = KIND_QPS | KIND_SVC_QPS,
    .queries = 1000,
    .check = poisson_check,
    .open = poisson_open,
};

static const load_kind trace_kind = {
    .name = "trace",
    .what = "the arrivals of a CSV file (time_ms,model,batch[,seq])",
    .reads = KIND_FILE,
    .needs = KIND_FILE,
    .check = trace_check,
    .open = trace_open,
};

static const load_kind rates_kind = {
    .name = "rates",
    .what = "Poisson arrivals at the per-minute rates of a CSV file (minute,qps)",
    .reads = KIND_FILE | KIND_TIME_SCALE | KIND_QPS_SCALE,
    .needs = KIND_FILE,
    .check = rates_check,
    .open = rates_open,
};

const load_kind *const load_kinds[] = {&poisson_kind, &trace_kind, &rates_kind, NULL};

const load_kind *load_kind_find(const char *name)
{
	for (int i = 0; name && load_kinds[i]; i++)
		if (strcmp(load_kinds[i]->name, name) == 0)
			return load_kinds[i];
	return NULL;
}

void load_kind_names(char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	for (int i = 0; load_kinds[i]; i++)
		kind_names_add(buf, len, load_kinds[i]->name);
}
