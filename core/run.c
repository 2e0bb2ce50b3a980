/* run.c: run_execute and the checks of a run's configuration. */
#include "run.h"
#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clk.h"
#include "data.h"
#include "hash.h"
#include "kind.h"
#include "load.h"
#include "pred.h"
#include "prof.h"
#include "part.h"
#include "progress.h"
#include "router.h"
#include "sched.h"
#include "stream.h"
#include "train.h"
#include "worker.h"
#include "zoo.h"

void run_config_default(run_config *c)
{
	memset(c, 0, sizeof *c);
	c->name = "run";
	c->device = "sim";
	c->gpu = "h200";
	c->policy = sched_policies()[0]->name; /* each table's first is the default */
	c->load = load_kinds[0]->name;
	c->qps = 0;
	c->time_scale = 1.0;
	c->qps_scale = 1.0;
	c->queries = 1000;
	c->seed = 1;
	c->ways = 2;
	c->threshold_ms = 5.0;
	c->margin = 0.05;
	c->abandon = 0;
	c->noise = 0.02;
	c->kappa = NAN; /* the GPU's calibration (data/<gpu>/sim.csv), else 0.1 */
	c->share = NAN; /* the same, else 0 */
	c->tf32 = 1;
	c->graphs = 1; /* CUDA graphs: cuDNN 9 spends tens of us of CPU per eager call */
	c->conv_gemm = 1;
	c->fp16 = 0;
	c->nhwc = 0;
	c->fuse_add = 0;
	c->ws_all = 0;
	c->fc_lt = 0;
	c->dw = 0;
	c->attn_tc = 0;
	c->launch_threads = 0;
	c->store_queries = 1;
	c->config_text = "";
}

int run_roofline(const run_config *c)
{
	return c->profile && strcmp(c->profile, "roofline") == 0;
}

static int bad(char *err, size_t errlen, const char *fmt, const char *a, double x)
{
	snprintf(err, errlen, fmt, a, x);
	return -1;
}

static int check_service(const run_service *s, int idx, char *err, size_t errlen)
{
	char where[96];
	snprintf(where, sizeof where, "services[%d]", idx + 1);
	char zerr[512];
	zoo_model *m = zoo_model_new(s->model, zerr, sizeof zerr);
	if (!m) {
		snprintf(err, errlen, "%s.model: %s", where, zerr);
		return -1;
	}
	int rc = 0;
	if (!(s->qos_ms > 0) || !isfinite(s->qos_ms))
		rc = bad(err, errlen, "%s.qos_ms must be a positive number of milliseconds, got %g",
		         where, s->qos_ms);
	else if (s->qos_ms > LOAD_MAX_MS) /* deadlines are arrival + QoS, in int64_t ns */
		rc = bad(err, errlen, "%s.qos_ms must be at most 1e12 ms, got %g", where, s->qos_ms);
	else if (s->n_batches < 1)
		snprintf(err, errlen, "%s.batch is missing (a number or a list of numbers)", where),
		    rc = -1;
	else if (!(s->qps >= 0) || !isfinite(s->qps))
		rc = bad(err, errlen, "%s.qps must be a non-negative number, got %g", where, s->qps);
	for (int i = 0; rc == 0 && i < s->n_batches; i++)
		if (s->batches[i] < 1 || s->batches[i] > 4096)
			rc = bad(err, errlen, "%s.batch must be between 1 and 4096, got %g", where,
			         s->batches[i]);
	if (rc == 0 && m->has_seq && s->n_seqs < 1)
		snprintf(err, errlen, "%s.seq is missing: %s needs sequence lengths (%d to %d)", where,
		         m->name, m->seq_min, m->seq_max),
		    rc = -1;
	if (rc == 0 && !m->has_seq && s->n_seqs > 0)
		snprintf(err, errlen, "%s.seq given, but %s has no sequence length", where, m->name),
		    rc = -1;
	for (int i = 0; rc == 0 && i < s->n_seqs; i++)
		if (s->seqs[i] < m->seq_min || s->seqs[i] > m->seq_max)
			snprintf(err, errlen, "%s.seq must be between %d and %d for %s, got %d", where,
			         m->seq_min, m->seq_max, m->name, s->seqs[i]),
			    rc = -1;
	if (rc == 0 && s->max_batch) {
		int most = 0;
		for (int i = 0; i < s->n_batches; i++)
			most = s->batches[i] > most ? s->batches[i] : most;
		if (s->max_batch < most || s->max_batch > 4096)
			rc = text_fail(err, errlen,
			               "%s.max_batch = %d: it must be at least the service's largest "
			               "batch, %d, and at most 4096",
			               where, s->max_batch, most);
	}
	zoo_model_free(m);
	return rc;
}

/* 1 when the run's segments may carry merged queries (sched.h). */
static int run_merges(const run_config *c, const sched_policy *policy)
{
	return policy->batches || c->batching;
}

/* Batching: a device that runs any batch size, and max_batch only where
 * queries merge. */
static int check_batching(const run_config *c, const dev_kind *kind,
                          const sched_policy *policy, char *err, size_t errlen)
{
	if (!run_merges(c, policy)) {
		for (int i = 0; i < c->n_svc; i++)
			if (c->svc[i].max_batch)
				return text_fail(err, errlen,
				                 "services[%d].max_batch applies to a policy that merges "
				                 "queries (clockwork, triton, abacus with batching = true), "
				                 "not to policy '%s'",
				                 i + 1, policy->name);
		return 0;
	}
	if (!kind->any_batch)
		return text_fail(err, errlen,
		                 "device '%s' runs only the batch sizes of each service's batch list, "
		                 "prepared ahead, and policy '%s'%s merges queries into batches of "
		                 "any size: use the simulator (sim)",
		                 kind->name, policy->name, policy->batches ? "" : " with batching");
	return 0;
}

/* The options the run's device kind opens with. */
static void device_options(const run_config *c, const prof *p, dev_open_options *o)
{
	dev_open_options_default(o);
	o->gpu = c->gpu;
	o->data_dir = c->data_dir;
	/* the roofline's contention is the simulator's default model: no
	 * calibration was fitted to an estimate */
	o->calibrated = !run_roofline(c);
	o->prof = p;
	o->seed = c->seed;
	o->noise = c->noise;
	o->kappa = c->kappa;
	o->share = c->share;
	o->group_us = c->group_us;
	o->share_bw = c->share_bw;
	o->tf32 = c->tf32;
	o->graphs = c->graphs;
	o->conv_gemm = c->conv_gemm;
	o->fp16 = c->fp16;
	o->nhwc = c->nhwc;
	o->fuse_add = c->fuse_add;
	o->ws_all = c->ws_all;
	o->fc_lt = c->fc_lt;
	o->dw = c->dw;
	o->attn_tc = c->attn_tc;
	o->launch_threads = c->launch_threads;
}

int run_engine_adopt(run_config *c, char *err, size_t errlen)
{
	char have[160];
	dev_open_options o;
	if (dev_engine_read(c->data_dir, c->gpu, have, sizeof have, NULL, 0, &o, err, errlen))
		return -1;
	c->tf32 = o.tf32;
	c->graphs = o.graphs;
	c->conv_gemm = o.conv_gemm;
	c->fp16 = o.fp16;
	c->nhwc = o.nhwc;
	c->fuse_add = o.fuse_add;
	c->ws_all = o.ws_all;
	c->fc_lt = o.fc_lt;
	c->dw = o.dw;
	c->attn_tc = o.attn_tc;
	c->launch_threads = o.launch_threads;
	return 0;
}

int run_engine_note(const run_config *c, char *note, size_t len)
{
	const dev_kind *kind = dev_kind_find(c->devices, c->device);
	if (!kind || !kind->real || run_roofline(c))
		return 0;
	dev_open_options o;
	device_options(c, NULL, &o);
	char want[160], have[160], where[1100], why[512];
	dev_engine_name(&o, NULL, want, sizeof want, NULL, 0);
	if (dev_engine_read(c->data_dir, c->gpu, have, sizeof have, where, sizeof where, NULL, why,
	                    sizeof why)) {
		snprintf(note, len, "note: %s", why);
		return 1;
	}
	if (!where[0] || strcmp(want, have) == 0)
		return 0;
	snprintf(note, len,
	         "note: %s was measured with engine '%s' and this run's is '%s': its profile, "
	         "QoS helpers and predictors describe another engine (abacus profile --engine "
	         "measures this one)",
	         where, have, want);
	return 1;
}

/* The per-service view of the load, from the configuration alone (build
 * names the models as the zoo does). */
static void load_services(const run_config *c, load_service *ls)
{
	for (int i = 0; i < c->n_svc; i++) {
		const run_service *rs = &c->svc[i];
		ls[i] = (load_service){
		    .model = rs->model,
		    .batches = rs->batches,
		    .n_batches = rs->n_batches,
		    .seqs = rs->n_seqs ? rs->seqs : NULL,
		    .n_seqs = rs->n_seqs,
		    .qps = rs->qps,
		};
	}
}

static void load_params_of(const run_config *c, unsigned given, load_params *lp)
{
	*lp = (load_params){
	    .qps = c->qps,
	    .file = c->load_file,
	    .time_scale = c->time_scale,
	    .qps_scale = c->qps_scale,
	    .limit = c->queries,
	    .cap = c->stream ? LOAD_STREAM_MAX_QUERIES : 0,
	    .seed = c->seed,
	    .given = given,
	};
}

/* The fields given: what the caller says, and what is set. *svc: the
 * first service with its own rate, for messages. */
static unsigned given_fields(const run_config *c, int *svc)
{
	unsigned given = c->given;
	if (c->load_file)
		given |= KIND_FILE;
	if (c->predictor)
		given |= KIND_PREDICTOR;
	*svc = 0;
	for (int i = c->n_svc - 1; i >= 0; i--)
		if (c->svc[i].qps != 0) {
			given |= KIND_SVC_QPS;
			*svc = i;
		}
	return given;
}

static void load_readers(unsigned field, char *buf, size_t len)
{
	for (int i = 0; load_kinds[i]; i++)
		if (load_kinds[i]->reads & field)
			kind_names_add(buf, len, load_kinds[i]->name);
}

static void policy_readers(unsigned field, char *buf, size_t len)
{
	const sched_policy *const *p = sched_policies();
	for (int i = 0; p[i]; i++)
		if (p[i]->reads & field)
			kind_names_add(buf, len, p[i]->name);
}

static int check_load(const run_config *c, const load_kind *lk, unsigned given, int svc,
                      char *err, size_t errlen)
{
	char subject[96];
	snprintf(subject, sizeof subject, "a %s load", lk->name);
	if (kind_fields_check(KIND_LOAD_FIELDS, lk->reads, lk->needs, given, subject, svc,
	                      load_readers, err, errlen))
		return -1;
	load_service *ls = calloc((size_t)c->n_svc, sizeof *ls);
	if (!ls)
		return text_fail(err, errlen, "out of memory");
	load_services(c, ls);
	load_params lp;
	load_params_of(c, given, &lp);
	int rc = lk->check ? lk->check(&lp, ls, c->n_svc, err, errlen) : 0;
	free(ls);
	return rc;
}

int run_partition_sms(const run_config *c, int k, int *sms, char *err, size_t errlen)
{
	char where[48];
	snprintf(where, sizeof where, "partitions[%d].sms", k + 1);
	return part_resolve(gpu_find(c->gpu), &c->parts[k].size, where, sms, err, errlen);
}

/* Each service on at least one worker, and on one only unless the router
 * chooses. on[s]: the workers service s is on. */
static int check_placed(const run_config *c, const router_kind *r, const int *on,
                        const char *in, const char *what, char *err, size_t errlen)
{
	for (int s = 0; s < c->n_svc; s++) {
		if (on[s] == 0)
			return text_fail(err, errlen, "services[%d] (%s) is %s no %s: place it %s one",
			                 s + 1, c->svc[s].model, in, what, in);
		if (on[s] > 1 && !r->chooses)
			return text_fail(err, errlen,
			                 "services[%d] (%s) is %s %d %ss, and router '%s' cannot "
			                 "choose between them: place it %s one, or name a router that "
			                 "chooses (random, least_loaded, headroom, clockwork)",
			                 s + 1, c->svc[s].model, in, on[s], what, r->name, in);
	}
	return 0;
}

/* A cluster of simulated GPUs (gpus = N): a count in range, not beside
 * partitions, a device whose GPUs share one clock, every service placed
 * and every GPU serving one. */
static int check_gpus(const run_config *c, const dev_kind *kind, const router_kind *r,
                      char *err, size_t errlen)
{
	if (c->gpus < 1 || c->gpus > RUN_MAX_GPUS)
		return text_fail(err, errlen, "gpus must be between 1 and %d, got %d", RUN_MAX_GPUS,
		                 c->gpus);
	if (c->n_parts)
		return text_fail(err, errlen, "gpus and partitions cannot be given together: a "
		                 "cluster's GPUs are whole (give one or the other)");
	if (c->gpus > 1 && (kind->real || !kind->open_parts))
		return text_fail(err, errlen,
		                 "gpus = %d needs device 'sim' in one process (a live cluster runs "
		                 "one worker per MPI rank)",
		                 c->gpus);
	int *on = calloc((size_t)c->n_svc, sizeof *on);
	if (!on)
		return text_fail(err, errlen, "out of memory");
	int rc = 0;
	for (int k = 0; rc == 0 && k < c->gpus; k++) {
		int serves = 0;
		for (int s = 0; s < c->n_svc; s++)
			if (!c->place || c->place[(size_t)s * (size_t)c->gpus + (size_t)k]) {
				on[s]++;
				serves++;
			}
		if (!serves)
			rc = text_fail(err, errlen, "GPU %d serves no service: place one on it, or "
			               "give fewer gpus", k + 1);
	}
	if (rc == 0)
		rc = check_placed(c, r, on, "on", "GPU", err, errlen);
	free(on);
	return rc;
}

/* Partitions: sizes the GPU allows, each service placed where the router
 * can take it, and a device that can split the GPU. */
static int check_parts(const run_config *c, const dev_kind *kind, const dev_open_options *o,
                       char *err, size_t errlen)
{
	char names[256];
	const router_kind *r = router_find(c->router ? c->router : router_kinds()[0]->name);
	if (!r) {
		router_names(names, sizeof names);
		return text_fail(err, errlen, "unknown router '%s' (valid: %s)", c->router, names);
	}
	if (c->gpus != 0 || c->place)
		return check_gpus(c, kind, r, err, errlen);
	if (!c->n_parts) {
		if (c->router)
			return text_fail(err, errlen,
			                 "router = \"%s\" applies to a run with partitions or gpus, and "
			                 "this one has neither",
			                 c->router);
		return 0;
	}
	if (c->n_parts > RUN_MAX_PARTS)
		return text_fail(err, errlen, "partitions: at most %d, got %d", RUN_MAX_PARTS,
		                 c->n_parts);
	if (!kind->open_parts) {
		names[0] = '\0';
		for (int i = 0; c->devices[i]; i++)
			if (c->devices[i]->open_parts)
				kind_names_add(names, sizeof names, c->devices[i]->name);
		return text_fail(err, errlen,
		                 "device '%s' cannot split the GPU into SM partitions (devices that "
		                 "can: %s)",
		                 kind->name, names[0] ? names : "none");
	}
	if (kind->parts_check && kind->parts_check(o, err, errlen))
		return -1;
	const gpu_spec *g = gpu_find(c->gpu);
	int sms[RUN_MAX_PARTS];
	for (int k = 0; k < c->n_parts; k++) {
		if (run_partition_sms(c, k, &sms[k], err, errlen))
			return -1;
		const run_partition *rp = &c->parts[k];
		if (rp->n_services < 1)
			return text_fail(err, errlen, "partitions[%d].services is empty: a partition "
			                 "serves at least one service", k + 1);
		for (int i = 0; i < rp->n_services; i++) {
			int s = rp->services[i];
			if (s < 0 || s >= c->n_svc)
				return text_fail(err, errlen,
				                 "partitions[%d].services[%d] = %d: the run has services 1 "
				                 "to %d",
				                 k + 1, i + 1, s + 1, c->n_svc);
			for (int j = 0; j < i; j++)
				if (rp->services[j] == s)
					return text_fail(err, errlen,
					                 "partitions[%d].services names service %d twice", k + 1,
					                 s + 1);
		}
	}
	if (part_check_total(g, sms, c->n_parts, err, errlen))
		return -1;
	int *on = calloc((size_t)c->n_svc, sizeof *on);
	if (!on)
		return text_fail(err, errlen, "out of memory");
	for (int s = 0; s < c->n_svc; s++)
		for (int k = 0; k < c->n_parts; k++)
			for (int i = 0; i < c->parts[k].n_services; i++)
				on[s] += c->parts[k].services[i] == s;
	int rc = check_placed(c, r, on, "in", "partition", err, errlen);
	free(on);
	return rc;
}

int run_config_check(const run_config *c, char *err, size_t errlen)
{
	char names[256];
	const dev_kind *kind = dev_kind_find(c->devices, c->device);
	if (!kind) {
		dev_kind_names(c->devices, names, sizeof names);
		snprintf(err, errlen, "unknown device '%s' (valid: %s)", c->device, names);
		return -1;
	}
	if (!gpu_find(c->gpu)) {
		gpu_names_join(names, sizeof names);
		snprintf(err, errlen, "unknown gpu '%s' (valid: %s)", c->gpu, names);
		return -1;
	}
	if (kind->real && c->share_bw != 0)
		return text_fail(err, errlen,
		                 "share_bw is the simulator's model of the memory bandwidth partitions "
		                 "share: device '%s' shares its own",
		                 c->device);
	dev_open_options dopt;
	device_options(c, NULL, &dopt);
	if (kind->check && kind->check(&dopt, err, errlen))
		return -1;
	if (kind->real && c->group_us > 0)
		return text_fail(err, errlen,
		                 "group_us = %g is the simulator's host time per group: device '%s' "
		                 "pays its own",
		                 c->group_us, c->device);
	const sched_policy *policy = sched_policy_find(c->policy);
	if (!policy) {
		sched_policy_names(names, sizeof names);
		snprintf(err, errlen, "unknown policy '%s' (valid: %s)", c->policy, names);
		return -1;
	}
	if (c->n_svc < 1) {
		snprintf(err, errlen, "services: a run needs at least one service");
		return -1;
	}
	for (int i = 0; i < c->n_svc; i++)
		if (check_service(&c->svc[i], i, err, errlen))
			return -1;
	const load_kind *lk = load_kind_find(c->load);
	if (!lk) {
		load_kind_names(names, sizeof names);
		snprintf(err, errlen, "unknown load kind '%s' (valid: %s)", c->load, names);
		return -1;
	}
	int svc;
	unsigned given = given_fields(c, &svc);
	if (check_load(c, lk, given, svc, err, errlen))
		return -1;
	if (check_parts(c, kind, &dopt, err, errlen))
		return -1;
	if (c->stream && c->store_queries)
		return text_fail(err, errlen, "stream = true keeps no query rows: give store_queries "
		                 "= false too");
	if (c->ways < 1 || c->ways > 64)
		return bad(err, errlen, "%s must be between 1 and 64, got %g", "ways", c->ways);
	if (!(c->margin >= 0 && c->margin < 1))
		return bad(err, errlen, "%s must be at least 0 and below 1, got %g", "margin",
		           c->margin);
	if (!(c->threshold_ms >= 0 && c->threshold_ms <= LOAD_MAX_MS)) /* held in int64_t ns */
		return bad(err, errlen, "%s must be between 0 and 1e12 ms, got %g", "threshold_ms",
		           c->threshold_ms);
	if (!(c->threshold_qos >= 0 && c->threshold_qos <= 1))
		return bad(err, errlen, "%s must be between 0 and 1 (a share of the QoS target), got %g",
		           "threshold_qos", c->threshold_qos);
	if (c->abandon < SCHED_ABANDON_OFF || c->abandon > SCHED_ABANDON_DEFER)
		return bad(err, errlen,
		           "%s must be off, predictive, late, paired, shed or defer, got %g",
		           "abandon", c->abandon);
	if (!(c->noise >= 0 && c->noise <= 1))
		return bad(err, errlen, "%s must be between 0 and 1, got %g", "noise", c->noise);
	if (!isnan(c->kappa) && !(c->kappa >= 0 && c->kappa <= DEV_KAPPA_MAX))
		return bad(err, errlen, "%s must be between 0 and 100, got %g", "kappa", c->kappa);
	if (!isnan(c->share) && !(c->share >= 0 && c->share <= DEV_SHARE_MAX))
		return bad(err, errlen, "%s must be between 0 and 8, got %g", "share", c->share);
	if (!(c->share_bw == -1 || (c->share_bw >= 0 && c->share_bw <= DEV_SHARE_BW_MAX)))
		return bad(err, errlen, "%s must be true, false or TB/s above 0 and at most 1000, got %g",
		           "share_bw", c->share_bw);
	if (!(c->group_us >= 0 && c->group_us <= DEV_GROUP_US_MAX))
		return bad(err, errlen, "%s must be between 0 and 1000000 (us), got %g", "group_us",
		           c->group_us);
	if (c->predictor && !pred_learner_find(c->predictor)) {
		pred_learner_names(0, names, sizeof names);
		snprintf(err, errlen, "unknown predictor '%s' (valid: %s)", c->predictor, names);
		return -1;
	}
	char subject[96];
	snprintf(subject, sizeof subject, "policy '%s'", policy->name);
	if (kind_fields_check(KIND_POLICY_FIELDS, policy->reads, 0, given, subject, svc,
	                      policy_readers, err, errlen))
		return -1;
	if (c->keep_plan && c->abandon != SCHED_ABANDON_SHED)
		return text_fail(err, errlen,
		                 "keep_plan = true keeps the plan of abandon = \"shed\": "
		                 "give that rule too");
	if (c->keep_plan && c->batching)
		return text_fail(err, errlen,
		                 "keep_plan = true applies to abacus without batching, "
		                 "not with batching = true");
	if (c->keep_on_time && !c->batching)
		return text_fail(err, errlen,
		                 "keep_on_time = true applies to abacus with batching = true: "
		                 "give batching too");
	return check_batching(c, kind, policy, err, errlen);
}

/* A worker of the run (worker.h): the whole GPU, or one partition. */
typedef struct run_worker {
	prof *own_prof;   /* a partition's (prof_new_partition); NULL: the run's */
	const prof *prof; /* what its device replays and its predictors read */
	device dev;
	predictor pred, group_pred;
	sched *sched;
	zoo_model **models;   /* borrowed from run_parts, in the worker's order */
	sched_service *ssvc;  /* the worker's services */
	dev_service *dsvc;
	int *services;        /* the run's service of each; NULL for the one whole-GPU worker */
	int n;
	char name[48];
} run_worker;

/* Everything a run owns, freed in one place. */
typedef struct run_parts {
	zoo_model **models;
	sched_service *ssvc;
	dev_service *dsvc;
	load_service *lsvc;
	prof *prof;
	load *load;
	run_worker *w;
	worker *wk; /* the loop's view of w */
	int n_w;
	worker_result res;
	char data_dir[1024]; /* the folder the run reads, "" for the roofline alone */
	char digest[17];     /* of the files it read there, "" for the roofline */
} run_parts;

static void parts_free(run_parts *p, int n_svc)
{
	worker_result_free(&p->res);
	for (int k = 0; p->w && k < p->n_w; k++) {
		run_worker *w = &p->w[k];
		sched_free(w->sched);
		pred_free(&w->group_pred);
		pred_free(&w->pred);
		device_free(&w->dev);
		prof_free(w->own_prof);
		if (w->services) {
			free(w->models);
			free(w->ssvc);
			free(w->dsvc);
			free(w->services);
		}
	}
	free(p->w);
	free(p->wk);
	load_free(p->load);
	prof_free(p->prof);
	if (p->models)
		for (int i = 0; i < n_svc; i++)
			zoo_model_free(p->models[i]);
	free(p->models);
	free(p->ssvc);
	free(p->dsvc);
	free(p->lsvc);
}

/* Opens the workers' devices: the whole GPU, or its partitions together
 * on one clock. */
static int open_devices(const run_config *c, run_parts *p, char *err, size_t errlen)
{
	dev_open_options *o = calloc((size_t)p->n_w, sizeof *o);
	device *d = calloc((size_t)p->n_w, sizeof *d);
	int rc = -1;
	if (!o || !d) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int k = 0; k < p->n_w; k++) {
		device_options(c, p->w[k].prof, &o[k]);
		if (p->data_dir[0])
			o[k].data_dir = p->data_dir;
		o[k].sms = c->n_parts ? prof_sms(p->w[k].prof) : 0;
	}
	if (p->n_w == 1 && !c->n_parts) {
		rc = dev_kind_open(c->devices, c->device, &o[0], &d[0], err, errlen);
	} else {
		const dev_kind *kind = dev_kind_find(c->devices, c->device);
		rc = kind->open_parts(d, p->n_w, o, err, errlen);
	}
	if (rc == 0)
		for (int k = 0; k < p->n_w; k++)
			p->w[k].dev = d[k];
out:
	free(o);
	free(d);
	return rc;
}

/* The profile file a run reads: the scenario's own, or its bundle's. */
static const char *run_ops(const run_config *c)
{
	return c->profile && !run_roofline(c) ? c->profile : NULL;
}

/* What the trained predictors of the run learn from. */
static int run_source(const run_config *c, const char *dir, train_source *src, char *err,
                      size_t errlen)
{
	if (run_roofline(c))
		return text_fail(err, errlen,
		                 "profile = \"roofline\" has no trained predictor (they learn from "
		                 "measured groups): use predictor = \"solo\"");
	return train_source_init(src, c->gpu, dir, run_ops(c), NULL, err, errlen);
}

static int open_group_pred(const run_config *c, run_parts *p, run_worker *w, char *err,
                           size_t errlen)
{
	const pred_learner *L = c->predictor ? pred_learner_find(c->predictor) : pred_learners[0];
	const zoo_model *const *models = (const zoo_model *const *)w->models;
	if (L->open)
		return L->open(&w->group_pred, w->prof, models, w->n, err, errlen);
	train_source src;
	if (run_source(c, p->data_dir, &src, err, errlen))
		return -1;
	return train_load_predictor(&w->group_pred, &src, c->predictor ? c->predictor : L->kind,
	                            w->prof, models, w->n,
	                            c->train_log, err, errlen);
}

/* The first earlier worker whose predictors worker k may use as its
 * own: the same profile and models, so the same predictions (a predictor
 * is a function of the group; one process runs one worker at a time). A
 * cluster of GPUs opens them once, not once a GPU. NULL: none. */
static run_worker *twin_of(run_parts *p, int k)
{
	const run_worker *w = &p->w[k];
	for (int j = 0; j < k; j++) {
		run_worker *o = &p->w[j];
		if (!o->pred.iface || o->prof != w->prof || o->n != w->n)
			continue;
		int i = 0;
		while (i < w->n && o->models[i] == w->models[i])
			i++;
		if (i == w->n)
			return o;
	}
	return NULL;
}

/* The data folder of a run: its own data_dir, else the one data_find
 * finds. */
static int run_data_dir(const run_config *c, char *dir, size_t len, char *err, size_t errlen)
{
	data_where w;
	if (c->data_dir) {
		snprintf(dir, len, "%s", c->data_dir);
		return 0;
	}
	if (data_find(&w, err, errlen))
		return -1;
	snprintf(dir, len, "%s", w.dir);
	return 0;
}

/* The digest of what the run reads: its profile, the groups its
 * predictors learn from and the simulator's contention model. */
static int run_digest(const run_config *c, const char *dir, char out[17], char *err,
                      size_t errlen)
{
	char ops[1100], groups[1100], simc[1100];
	if (data_path(ops, sizeof ops, dir, c->gpu, "ops.csv") ||
	    data_path(groups, sizeof groups, dir, c->gpu, "groups.csv") ||
	    data_path(simc, sizeof simc, dir, c->gpu, "sim.csv"))
		return text_fail(err, errlen, "path too long in %s", dir);
	const char *files[3] = {run_ops(c) ? run_ops(c) : ops, groups, simc};
	uint64_t h;
	if (data_digest(files, 3, &h, err, errlen))
		return -1;
	hash_hex(h, out);
	return 0;
}

int run_prepare(const run_config *c, char *err, size_t errlen)
{
	char dir[1024];
	if (run_roofline(c))
		return 0; /* an estimate has nothing to be current with */
	if (run_data_dir(c, dir, sizeof dir, err, errlen))
		return -1;
	prof *pr = run_ops(c) ? prof_new_file(c->gpu, c->profile, err, errlen)
	                      : prof_new(c->gpu, dir, err, errlen);
	if (!pr)
		return -1;
	prof_free(pr);
	/* the contention model, where the device reads one */
	dev_open_options o;
	device_options(c, NULL, &o);
	o.data_dir = dir;
	const dev_kind *kind = dev_kind_find(c->devices, c->device);
	if (kind && !kind->real) {
		device d = {0};
		prof *p = prof_new_file(c->gpu, NULL, err, errlen);
		if (!p)
			return -1;
		o.prof = p;
		int rc = dev_kind_open(c->devices, c->device, &o, &d, err, errlen);
		device_free(&d);
		prof_free(p);
		if (rc)
			return -1;
	}
	/* every learner's predictor, whatever this run's policy: the abacus
	 * runs of a scenario come after its baselines, and must not be the
	 * first to find one missing. A bundle without measured groups serves
	 * the baselines and the solo predictor only; a scenario's own profile
	 * (which need not cover every model the groups hold) has its
	 * predictors trained when an abacus run asks for one. */
	train_source src;
	char groups[1100];
	if (run_ops(c))
		return 0;
	if (data_path(groups, sizeof groups, dir, c->gpu, "groups.csv") || access(groups, F_OK) != 0)
		return 0;
	if (run_source(c, dir, &src, err, errlen))
		return -1;
	for (int i = 0; pred_learners[i]; i++) {
		char path[TRAIN_PATH_MAX];
		if (pred_learners[i]->fit &&
		    train_ensure(&src, pred_learners[i]->kind, c->train_log, path, sizeof path, err,
		                 errlen))
			return -1;
	}
	return 0;
}

/* Worker w serves the run's services svc[0..n), in that order, with
 * arrays of its own. */
static int worker_serve(run_parts *p, run_worker *w, const int *svc, int n, char *err,
                        size_t errlen)
{
	w->n = n;
	w->models = calloc((size_t)n, sizeof *w->models);
	w->ssvc = calloc((size_t)n, sizeof *w->ssvc);
	w->dsvc = calloc((size_t)n, sizeof *w->dsvc);
	w->services = calloc((size_t)n, sizeof *w->services);
	if (!w->models || !w->ssvc || !w->dsvc || !w->services)
		return text_fail(err, errlen, "out of memory");
	for (int i = 0; i < n; i++) {
		int s = svc[i];
		w->services[i] = s;
		w->models[i] = p->models[s];
		w->ssvc[i] = p->ssvc[s];
		w->dsvc[i] = p->dsvc[s];
	}
	return 0;
}

/* Whole GPU k of the run: every service, in the run's order, sharing the
 * run's arrays; or those placed on it (a cluster's place). */
static int place_gpu(const run_config *c, run_parts *p, int k, char *err, size_t errlen)
{
	run_worker *w = &p->w[k];
	w->prof = p->prof;
	if (p->n_w == 1)
		snprintf(w->name, sizeof w->name, "the GPU");
	else
		snprintf(w->name, sizeof w->name, "GPU %d", k + 1);
	int n = 0;
	for (int s = 0; s < c->n_svc; s++)
		n += !c->place || c->place[(size_t)s * (size_t)c->gpus + (size_t)k];
	if (n == c->n_svc) {
		w->models = p->models;
		w->ssvc = p->ssvc;
		w->dsvc = p->dsvc;
		w->n = c->n_svc;
		return 0;
	}
	int *on = calloc((size_t)n, sizeof *on);
	if (!on)
		return text_fail(err, errlen, "out of memory");
	n = 0;
	for (int s = 0; s < c->n_svc; s++)
		if (c->place[(size_t)s * (size_t)c->gpus + (size_t)k])
			on[n++] = s;
	int rc = worker_serve(p, w, on, n, err, errlen);
	free(on);
	return rc;
}

/* The run's workers: the whole GPU, or one per partition with the
 * services placed there and the profile of its SM count. */
static int make_workers(const run_config *c, run_parts *p, char *err, size_t errlen)
{
	p->n_w = c->n_parts ? c->n_parts : c->gpus > 1 ? c->gpus : 1;
	p->w = calloc((size_t)p->n_w, sizeof *p->w);
	p->wk = calloc((size_t)p->n_w, sizeof *p->wk);
	if (!p->w || !p->wk)
		return text_fail(err, errlen, "out of memory");
	if (!c->n_parts) {
		for (int k = 0; k < p->n_w; k++)
			if (place_gpu(c, p, k, err, errlen))
				return -1;
		return 0;
	}
	for (int k = 0; k < c->n_parts; k++) {
		const run_partition *rp = &c->parts[k];
		run_worker *w = &p->w[k];
		if (worker_serve(p, w, rp->services, rp->n_services, err, errlen))
			return -1;
		int sms;
		if (run_partition_sms(c, k, &sms, err, errlen))
			return -1;
		snprintf(w->name, sizeof w->name, "partition %d (%d SMs)", k + 1, sms);
		if (!(w->own_prof = prof_new_partition(p->prof, sms, err, errlen)))
			return -1;
		w->prof = w->own_prof;
	}
	return 0;
}

/* A query's latency is priced from the profile: past the largest batch or
 * sequence length it measures for the model it would be extrapolated, not
 * measured (a roofline profile, with no rows, measures nothing). */
static int check_sizes(const run_config *c, const run_parts *p, int i, char *err, size_t errlen)
{
	const run_service *rs = &c->svc[i];
	const char *name = p->models[i]->name;
	int most = prof_max_batch(p->prof, p->models[i]);
	if (most == 0)
		return 0;
	for (int k = 0; k < rs->n_batches; k++)
		if (rs->batches[k] > most)
			return text_fail(
			    err, errlen,
			    "services[%d].batch: %d is past the largest batch the %s profile "
			    "measures for %s (%d): its latency would be extrapolated",
			    i + 1, rs->batches[k], c->gpu, name, most);
	if (p->ssvc[i].max_batch > most)
		return text_fail(
		    err, errlen,
		    "services[%d].max_batch = %d: the %s profile measures %s up to batch "
		    "%d, and a larger merged batch would be priced by extrapolation",
		    i + 1, p->ssvc[i].max_batch, c->gpu, name, most);
	int longest = prof_max_seq(p->prof, p->models[i]);
	for (int k = 0; k < rs->n_seqs; k++)
		if (longest > 0 && rs->seqs[k] > longest)
			return text_fail(
			    err, errlen,
			    "services[%d].seq: %d is past the longest sequence the %s profile "
			    "measures for %s (%d): its latency would be extrapolated",
			    i + 1, rs->seqs[k], c->gpu, name, longest);
	return 0;
}

static int build(const run_config *c, run_parts *p, char *err, size_t errlen)
{
	int n = c->n_svc;
	p->models = calloc((size_t)n, sizeof *p->models);
	p->ssvc = calloc((size_t)n, sizeof *p->ssvc);
	p->dsvc = calloc((size_t)n, sizeof *p->dsvc);
	p->lsvc = calloc((size_t)n, sizeof *p->lsvc);
	if (!p->models || !p->ssvc || !p->dsvc || !p->lsvc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const run_service *rs = &c->svc[i];
		if (!(p->models[i] = zoo_model_new(rs->model, err, errlen)))
			return -1;
		p->ssvc[i].model = p->models[i];
		p->ssvc[i].qos = (int64_t)(rs->qos_ms * 1e6 + 0.5);
		p->dsvc[i].model = p->models[i];
		for (int k = 0; k < rs->n_batches; k++)
			if (rs->batches[k] > p->dsvc[i].max_batch)
				p->dsvc[i].max_batch = rs->batches[k];
		if (run_merges(c, sched_policy_find(c->policy))) {
			if (rs->max_batch > p->dsvc[i].max_batch)
				p->dsvc[i].max_batch = rs->max_batch;
			p->ssvc[i].max_batch = p->dsvc[i].max_batch;
			p->dsvc[i].every_batch = 1;
		}
		for (int k = 0; k < rs->n_seqs; k++)
			if (rs->seqs[k] > p->dsvc[i].max_seq)
				p->dsvc[i].max_seq = rs->seqs[k];
		p->dsvc[i].batches = rs->batches;
		p->dsvc[i].n_batches = rs->n_batches;
		p->dsvc[i].seqs = rs->n_seqs ? rs->seqs : NULL;
		p->dsvc[i].n_seqs = rs->n_seqs;
	}
	load_services(c, p->lsvc);
	for (int i = 0; i < n; i++)
		p->lsvc[i].model = p->models[i]->name;
	if (run_roofline(c)) {
		p->prof = prof_new_file(c->gpu, NULL, err, errlen);
	} else {
		if (run_data_dir(c, p->data_dir, sizeof p->data_dir, err, errlen) ||
		    run_digest(c, p->data_dir, p->digest, err, errlen))
			return -1;
		p->prof = run_ops(c) ? prof_new_file(c->gpu, c->profile, err, errlen)
		                     : prof_new(c->gpu, p->data_dir, err, errlen);
	}
	if (!p->prof)
		return -1;
	for (int i = 0; i < n; i++)
		if (prof_check_model(p->prof, p->models[i], err, errlen) ||
		    check_sizes(c, p, i, err, errlen))
			return -1;
	if (make_workers(c, p, err, errlen) || open_devices(c, p, err, errlen))
		return -1;
	for (int k = 0; k < p->n_w; k++) {
		run_worker *w = &p->w[k];
		if (device_setup(&w->dev, w->dsvc, w->n)) {
			if (p->n_w > 1 || c->n_parts)
				snprintf(err, errlen, "%s: %s", w->name, device_errmsg(&w->dev));
			else
				snprintf(err, errlen, "%s", device_errmsg(&w->dev));
			return -1;
		}
	}
	int svc;
	load_params lp;
	load_params_of(c, given_fields(c, &svc), &lp);
	p->load = load_kind_find(c->load)->open(&lp, p->lsvc, n, err, errlen);
	if (!p->load)
		return -1;
	p->load->cap = lp.cap;
	sched_options so = {0};
	so.abandon = c->abandon;
	so.ways = c->ways;
	so.threshold = (int64_t)(c->threshold_ms * 1e6);
	if (c->threshold_qos > 0) {
		int64_t least = p->ssvc[0].qos;
		for (int i = 1; i < n; i++)
			if (p->ssvc[i].qos < least)
				least = p->ssvc[i].qos;
		so.threshold = (int64_t)(c->threshold_qos * (double)least);
	}
	so.margin = c->margin;
	so.batching = c->batching;
	so.pair_late = c->pair_late;
	so.keep_plan = c->keep_plan;
	so.keep_on_time = c->keep_on_time;
	so.by_deadline = c->by_deadline;
	so.expect_queries = c->queries > 0 && c->queries < 100000000 && !c->stream
	                        ? (size_t)c->queries : 0;
	if (p->n_w > 1)
		so.expect_queries /= (size_t)p->n_w;
	/* decision_us: every decision of one GPU timed, one in RUN_TIME_EVERY
	 * of each of several (run.h) */
	so.time_every = p->n_w > 1 ? RUN_TIME_EVERY : 1;
	const sched_policy *policy = sched_policy_find(c->policy);
	for (int k = 0; k < p->n_w; k++) {
		run_worker *w = &p->w[k];
		const zoo_model *const *models = (const zoo_model *const *)w->models;
		run_worker *twin = twin_of(p, k);
		if (!twin && pred_solo_open(&w->pred, w->prof, models, w->n, err, errlen))
			return -1;
		w->sched = sched_new(w->ssvc, w->n, policy, twin ? &twin->pred : &w->pred, &so, err,
		                     errlen);
		if (!w->sched)
			return -1;
		if (policy->reads & KIND_PREDICTOR) {
			if (twin) {
				sched_set_group_pred(w->sched, &twin->group_pred);
			} else {
				if (open_group_pred(c, p, w, err, errlen))
					return -1;
				train_predictor_memo(&w->group_pred);
				sched_set_group_pred(w->sched, &w->group_pred);
			}
		}
		p->wk[k] = (worker){
		    .sched = w->sched,
		    .dev = &w->dev,
		    .services = w->services,
		    .name = w->name,
		    .solo_key = w->prof,
		};
	}
	return 0;
}

static int store_begin(const run_config *c, run_parts *p, store *st, int64_t *run_id, char *err,
                       size_t errlen)
{
	dev_info di;
	device_info(&p->w[0].dev, &di);
	store_run_info info = {
	    .name = c->name,
	    .device = c->device,
	    .gpu = c->gpu,
	    .policy = c->policy,
	    .config = c->config_text,
	    .seed = (int64_t)c->seed,
	    .gpu_name = di.gpu,
	    .driver = di.driver,
	    .cuda = di.cuda,
	    .cudnn = di.cudnn,
	    .data_dir = p->data_dir[0] ? p->data_dir : NULL,
	    .data_digest = p->digest[0] ? p->digest : NULL,
	    .tags = c->tags,
	};
	int n = c->n_svc;
	store_service_row *rows = calloc((size_t)n, sizeof *rows);
	char(*b)[256] = calloc((size_t)n, sizeof *b);
	char(*sq)[256] = calloc((size_t)n, sizeof *sq);
	int rc = -1;
	if (rows && b && sq) {
		for (int i = 0; i < n; i++) {
			text_join_ints(b[i], sizeof b[i], c->svc[i].batches, c->svc[i].n_batches);
			text_join_ints(sq[i], sizeof sq[i], c->svc[i].seqs, c->svc[i].n_seqs);
			rows[i] = (store_service_row){i, p->models[i]->name, c->svc[i].qos_ms, b[i], sq[i]};
		}
		rc = store_run_begin(st, &info, rows, n, run_id);
		if (rc)
			snprintf(err, errlen, "%s", store_errmsg(st));
	} else {
		snprintf(err, errlen, "out of memory");
	}
	free(rows);
	free(b);
	free(sq);
	return rc;
}

/* 0 stored, 1 interrupted (rows so far are committed), -1 store error;
 * *stored counts the rows added. A run that was interrupted already
 * stores all its rows (the stop flag is set from the start and cannot
 * tell a new request); a stop that comes while the rows of a finished
 * run are written ends the writing. */
static int store_rows(const run_config *c, run_parts *p, store *st, int64_t run_id,
                      int64_t *stored)
{
	int stoppable = c->stop && !*c->stop;
	size_t n = p->res.n;
	const sched_query *q = p->res.q;
	int64_t t0 = p->res.stats.t0; /* times are stored from the run's start */
	if (store_queries_begin(st, run_id))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const sched_query *x = &q[i];
		int64_t qos = p->ssvc[x->service].qos;
		int done = x->state == SCHED_DONE;
		store_query_row r = {
			(int64_t)i,
			x->service,
			p->models[x->service]->name,
			x->batch,
			p->models[x->service]->has_seq ? x->seq : 0,
			(double)(x->arrival - t0) / 1e6,
			x->start >= 0 ? (double)(x->start - t0) / 1e6 : -1.0,
			done ? (double)(x->end - t0) / 1e6 : -1.0,
			done ? (double)(x->end - x->arrival) / 1e6 : -1.0,
			x->state == SCHED_DROPPED,
			x->state == SCHED_DROPPED || (done && x->end - x->arrival > qos),
		};
		if (store_query_add(st, &r))
			return -1;
		*stored = (int64_t)i + 1;
		if ((i & 0xffff) == 0xffff && stoppable && *c->stop)
			return store_queries_commit(st) ? -1 : 1;
	}
	return store_queries_commit(st);
}

/* The pooled figures and each service's. 0, or -1 out of memory. */
static int run_metrics(const sched_query *q, size_t n, const sched_service *svc, int n_svc,
                       run_result *out)
{
	if (metrics_compute(q, n, svc, &out->m))
		return -1;
	out->services = calloc((size_t)n_svc, sizeof *out->services);
	if (!out->services)
		return -1;
	out->n_services = n_svc;
	for (int i = 0; i < n_svc; i++)
		if (metrics_compute_service(q, n, svc, i, &out->services[i]))
			return -1;
	return 0;
}

/* Writes the rows and the end of a stored run; rc is how the run itself
 * ended (0, 1 interrupted, -1 failed, err saying why) and the result is
 * how it ends stored. */
static int store_end(const run_config *c, run_parts *p, store *st, int64_t run_id, int rc,
                     run_result *out, char *err, size_t errlen)
{
	const char *status = rc == 0 ? "done" : rc == 1 ? "interrupted" : "failed";
	const metrics *m = &out->m;
	store_service_summary *svc = calloc((size_t)(out->n_services ? out->n_services : 1),
	                                    sizeof *svc);
	store_summary sum = {
	    .completed = m->completed,
	    .dropped = m->dropped,
	    .p50_ms = m->p50_ms,
	    .p99_ms = m->p99_ms,
	    .mean_ms = m->mean_ms,
	    .violation_ratio = m->violation_ratio,
	    .throughput_qps = m->throughput_qps,
	    .duration_ms = m->duration_ms,
	    .p90_ms = m->p90_ms,
	    .p95_ms = m->p95_ms,
	    .p999_ms = m->p999_ms,
	    .late = m->late,
	    .p99_qos = m->p99_qos,
	    .groups = out->groups,
	    .segments = out->segments,
	    .wall_s = out->wall_s,
	    .decision_us = out->decision_us,
	    .services = svc,
	    .n_services = svc ? out->n_services : 0,
	};
	store_minute *mins = calloc(out->n_minutes ? out->n_minutes : 1, sizeof *mins);
	for (size_t k = 0; mins && k < out->n_minutes; k++) {
		const metrics *x = &out->minutes[k];
		mins[k] = (store_minute){
		    .offered = x->completed + x->dropped + x->waiting,
		    .completed = x->completed,
		    .on_time = x->completed - x->late,
		    .dropped = x->dropped,
		    .p99_ms = x->p99_ms,
		    .mean_ms = x->mean_ms,
		};
	}
	sum.minutes = mins;
	sum.n_minutes = mins ? out->n_minutes : 0;
	int64_t stored = 0;
	int wrc = 0;

	for (int i = 0; svc && i < out->n_services; i++) {
		const metrics *x = &out->services[i];
		svc[i] = (store_service_summary){
		    .idx = i,
		    .completed = x->completed,
		    .dropped = x->dropped,
		    .violations = x->violated,
		    .p50_ms = x->p50_ms,
		    .p90_ms = x->p90_ms,
		    .p95_ms = x->p95_ms,
		    .p99_ms = x->p99_ms,
		    .p999_ms = x->p999_ms,
		    .mean_ms = x->mean_ms,
		    .late = x->late,
		    .p99_qos = x->p99_qos,
		};
	}
	if (rc >= 0 && c->store_queries)
		wrc = store_rows(c, p, st, run_id, &stored);
	if (wrc == 1 && rc == 0) {
		size_t n = p->res.n;
		rc = 1;
		out->interrupted = 1;
		status = "interrupted";
		snprintf(err, errlen, "run '%s' interrupted while storing its queries: %lld of %zu "
		         "query rows stored", c->name, (long long)stored, n);
	}
	if (wrc < 0) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		status = "failed";
		rc = -1;
	}
	/* figures that could not be gathered are not stored as if there were
	 * none: the run ends failed, saying why */
	if (rc >= 0 && (!svc || !mins)) {
		snprintf(err, errlen,
		         "run '%s': out of memory gathering its per-service and per-minute figures "
		         "to store",
		         c->name);
		status = "failed";
		rc = -1;
	}
	if (store_run_end(st, run_id, status, &sum, rc ? err : out->lost)) {
		/* The run must not be left 'running' when a smaller write can
		 * still mark it: a failure to store its figures is a failure. */
		size_t len = strlen(err);
		if (rc == 0)
			snprintf(err, errlen, "%s", store_errmsg(st));
		else if (len + 1 < errlen)
			snprintf(err + len, errlen - len, "; storing the end of the run failed too: %s",
			         store_errmsg(st));
		store_run_end(st, run_id, "failed", NULL, err);
		rc = -1;
	}
	free(svc);
	free(mins);
	return rc;
}

/* A streaming run's queries go to st as they leave (worker_params.sink);
 * windows count from the run's start, which the first worker knows once
 * the run has begun. */
typedef struct run_sink {
	stream *st;
	const sched *first;
	int t0_set, oom;
} run_sink;

static void run_sink_add(void *ctx, const sched_query *q)
{
	run_sink *s = ctx;
	if (!s->t0_set) {
		stream_set_t0(s->st, sched_get_stats(s->first)->t0);
		s->t0_set = 1;
	}
	if (stream_add(s->st, q))
		s->oom = 1;
}

/* run_metrics' figures, and the windows', from a streaming run. */
static int stream_figures(const stream *st, int n_svc, run_result *out)
{
	stream_metrics(st, -1, &out->m);
	out->services = calloc((size_t)n_svc, sizeof *out->services);
	if (!out->services)
		return -1;
	out->n_services = n_svc;
	for (int i = 0; i < n_svc; i++)
		stream_metrics(st, i, &out->services[i]);
	return stream_windows(st, &out->minutes, &out->n_minutes);
}

int run_execute(const run_config *c, store *st, run_result *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (run_config_check(c, err, errlen))
		return -1;
	run_parts p;
	memset(&p, 0, sizeof p);
	if (build(c, &p, err, errlen)) {
		parts_free(&p, c->n_svc);
		return -1;
	}
	int64_t run_id = 0;
	if (st && store_begin(c, &p, st, &run_id, err, errlen)) {
		parts_free(&p, c->n_svc);
		return -1;
	}
	out->run_id = run_id;
	/* queries is a poisson load's count, and only a limit of a trace or a
	 * rate file, whose length is not known ahead: the line may then end
	 * short of 100% */
	if (c->progress)
		progress_task(c->progress, NULL, c->queries);
	int64_t t0 = clk_ns();
	worker_params wp = {
	    .router = router_find(c->router ? c->router : router_kinds()[0]->name),
	    .load = p.load,
	    .n_services = c->n_svc,
	    .seed = c->seed,
	    .stop = c->stop,
	    .progress = c->progress,
	};
	int64_t width = c->per_minute ? (int64_t)(60e9 / c->time_scale) : 0;
	run_sink sink = {.first = p.w[0].sched};
	if (c->stream) {
		if (!(sink.st = stream_new(p.ssvc, c->n_svc, width))) {
			parts_free(&p, c->n_svc);
			return text_fail(err, errlen, "out of memory");
		}
		wp.sink = run_sink_add;
		wp.sink_ctx = &sink;
	}
	int rc = worker_run(p.wk, p.n_w, &wp, &p.res, err, errlen);
	out->wall_s = (double)(clk_ns() - t0) * 1e-9;
	out->lost = p.res.lost; /* handed over */
	p.res.lost = NULL;
	size_t n = sink.st ? (size_t)stream_count(sink.st) : p.res.n;
	if (c->progress) {
		progress_update(c->progress, (int64_t)n);
		progress_end(c->progress, 0);
	}
	const sched_stats *ss = &p.res.stats;
	out->groups = ss->groups;
	out->segments = ss->segments;
	out->decision_us =
	    ss->decisions_timed ? (double)ss->decisions_ns / (double)ss->decisions_timed / 1e3 : 0;
	const sched_query *q = p.res.q;
	if (rc >= 0 && sink.oom)
		rc = text_fail(err, errlen, "out of memory gathering the figures per minute");
	if (rc >= 0 && (sink.st ? stream_figures(sink.st, c->n_svc, out)
	                        : run_metrics(q, n, p.ssvc, c->n_svc, out))) {
		snprintf(err, errlen, "out of memory computing metrics");
		rc = -1;
	}
	if (rc >= 0 && c->per_minute && !sink.st &&
	    metrics_windows(q, n, p.ssvc, ss->t0, width, &out->minutes, &out->n_minutes)) {
		snprintf(err, errlen, "out of memory computing the figures per minute");
		rc = -1;
	}
	if (rc == 0 && n == 0) {
		/* nothing to measure: a header-only trace, a rate file of zeros */
		snprintf(err, errlen, "the %s load gave no queries%s%s", c->load,
		         c->load_file ? " from " : "", c->load_file ? c->load_file : "");
		rc = -1;
	}
	if (rc == 1) {
		out->interrupted = 1;
		snprintf(err, errlen, "run '%s' interrupted after %lld queries", c->name, (long long)n);
	}
	if (st)
		rc = store_end(c, &p, st, run_id, rc, out, err, errlen);
	stream_free(sink.st);
	parts_free(&p, c->n_svc);
	return rc;
}

/* A stored summary's figures as metrics.h's (the per-query counts it
 * does not keep: violated = late + dropped; waiting from a minute's
 * offered count). */
static metrics found_metrics(int64_t completed, int64_t dropped, int64_t late, double p50,
                             double p90, double p95, double p99, double p999, double mean,
                             double p99_qos)
{
	return (metrics){
	    .completed = completed,
	    .dropped = dropped,
	    .violated = late + dropped,
	    .late = late,
	    .p50_ms = p50,
	    .p90_ms = p90,
	    .p95_ms = p95,
	    .p99_ms = p99,
	    .p999_ms = p999,
	    .mean_ms = mean,
	    .p99_qos = p99_qos,
	    .violation_ratio =
	        completed + dropped ? (double)(late + dropped) / (double)(completed + dropped) : 0,
	};
}

int run_find_stored(const run_config *c, store *st, run_result *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char dir[1024] = "", digest[17] = "";
	if (!run_roofline(c) && (run_data_dir(c, dir, sizeof dir, err, errlen) ||
	                         run_digest(c, dir, digest, err, errlen)))
		return -1;
	store_run_info info = {
	    .name = c->name,
	    .device = c->device,
	    .gpu = c->gpu,
	    .config = c->config_text,
	    .data_digest = digest[0] ? digest : NULL,
	};
	store_found f;
	int rc = store_find_done(st, &info, &f);
	if (rc <= 0) {
		if (rc < 0)
			snprintf(err, errlen, "%s", store_errmsg(st));
		return rc;
	}
	if (f.sum.n_services != c->n_svc) {
		snprintf(err, errlen, "run %lld stored for '%s' has %d services, the run %d",
		         (long long)f.run_id, c->name, f.sum.n_services, c->n_svc);
		store_found_free(&f);
		return -1;
	}
	const store_summary *s = &f.sum;
	out->run_id = f.run_id;
	out->m = found_metrics(s->completed, s->dropped, s->late, s->p50_ms, s->p90_ms, s->p95_ms,
	                       s->p99_ms, s->p999_ms, s->mean_ms, s->p99_qos);
	out->m.violation_ratio = s->violation_ratio;
	out->m.throughput_qps = s->throughput_qps;
	out->m.duration_ms = s->duration_ms;
	out->groups = s->groups;
	out->segments = s->segments;
	out->wall_s = s->wall_s;
	out->decision_us = s->decision_us;
	out->services = calloc((size_t)(c->n_svc ? c->n_svc : 1), sizeof *out->services);
	out->minutes = calloc(s->n_minutes ? s->n_minutes : 1, sizeof *out->minutes);
	if (!out->services || !out->minutes || (f.note && !(out->lost = strdup(f.note)))) {
		store_found_free(&f);
		run_result_free(out);
		return text_fail(err, errlen, "out of memory");
	}
	out->n_services = c->n_svc;
	for (int i = 0; i < c->n_svc; i++) {
		const store_service_summary *x = &s->services[i];
		out->services[i] =
		    found_metrics(x->completed, x->dropped, x->late, x->p50_ms, x->p90_ms,
		                  x->p95_ms, x->p99_ms, x->p999_ms, x->mean_ms, x->p99_qos);
		out->services[i].violated = x->violations;
	}
	out->n_minutes = s->n_minutes;
	for (size_t k = 0; k < s->n_minutes; k++) {
		const store_minute *x = &s->minutes[k];
		out->minutes[k] = (metrics){
		    .completed = x->completed,
		    .dropped = x->dropped,
		    .late = x->completed - x->on_time,
		    .waiting = x->offered - x->completed - x->dropped,
		    .p99_ms = x->p99_ms,
		    .mean_ms = x->mean_ms,
		};
	}
	store_found_free(&f);
	return 1;
}

void run_result_free(run_result *r)
{
	if (!r)
		return;
	free(r->services);
	r->services = NULL;
	r->n_services = 0;
	free(r->minutes);
	r->minutes = NULL;
	r->n_minutes = 0;
	free(r->lost);
	r->lost = NULL;
}
