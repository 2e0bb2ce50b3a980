/* feat.c: group features from solo prefix sums and per-op costs.
 *
 * Per service, a cost table keeps cumulative FLOPs and bytes over ops per
 * (batch, seq), like prof_table does for latencies, so a segment's totals
 * are two subtractions. Demands are the average fraction of the GPU's
 * achievable compute and bandwidth a segment uses when alone (FLOPs or
 * bytes over solo time and peak): two segments that each fill the GPU
 * cannot overlap for free, two light ones can.
 */
#include "feat.h"
#include "buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const feat_set feat_ours = {
    .name = "ours", .version = FEAT_VERSION, .count = FEAT_COUNT, .log_ratio = 1};
const feat_set feat_paper = {
    .name = "paper", .version = FEAT_PAPER_VERSION, .count = FEAT_PAPER_COUNT, .log_ratio = 0};

static const feat_set *const feat_sets[] = {&feat_ours, &feat_paper, NULL};

const feat_set *feat_set_find(const char *name)
{
	for (int i = 0; name && feat_sets[i]; i++)
		if (strcmp(feat_sets[i]->name, name) == 0)
			return feat_sets[i];
	return NULL;
}

const feat_set *feat_set_of_kind(const char *kind)
{
	const char *at = kind ? strchr(kind, '@') : NULL;
	return at ? feat_set_find(at + 1) : &feat_ours;
}

typedef struct cost_entry {
	int batch, seq;
	double *flops, *bytes; /* n_ops + 1 cumulative values each, one allocation */
} cost_entry;

typedef struct feat_svc {
	const zoo_model *m;
	int id; /* the model's place in zoo_names(), for the paper's one-hot */
	prof_table *t;
	cost_entry *e;
	int n, last;
	size_t cap;
} feat_svc;

struct feat {
	const feat_set *set;
	int n_svc;
	feat_svc *svc;
	double flops_per_ns, bytes_per_ns;
};

static const char *const feat_group_names[FEAT_GROUP] = {
    "segments", "log_max_ms", "sum_over_max", "second_over_max", "log_total_gflop",
    "log_total_mb", "log_intensity", "sum_compute_demand", "sum_memory_demand",
    "weighted_demand"};

const char *feat_name(int i)
{
	static const char *const slot_full[FEAT_SLOTS][FEAT_PER_SLOT] = {
	    {"s0.present", "s0.log_solo_ms", "s0.share", "s0.log_gflop", "s0.log_mb",
	     "s0.compute_demand", "s0.memory_demand", "s0.ops", "s0.log2_batch", "s0.log2_seq"},
	    {"s1.present", "s1.log_solo_ms", "s1.share", "s1.log_gflop", "s1.log_mb",
	     "s1.compute_demand", "s1.memory_demand", "s1.ops", "s1.log2_batch", "s1.log2_seq"},
	    {"s2.present", "s2.log_solo_ms", "s2.share", "s2.log_gflop", "s2.log_mb",
	     "s2.compute_demand", "s2.memory_demand", "s2.ops", "s2.log2_batch", "s2.log2_seq"},
	    {"s3.present", "s3.log_solo_ms", "s3.share", "s3.log_gflop", "s3.log_mb",
	     "s3.compute_demand", "s3.memory_demand", "s3.ops", "s3.log2_batch", "s3.log2_seq"}};
	_Static_assert(FEAT_SLOTS == 4, "feat_name spells out four slots");
	if (i < 0 || i >= FEAT_COUNT)
		return "?";
	if (i < FEAT_SLOTS * FEAT_PER_SLOT)
		return slot_full[i / FEAT_PER_SLOT][i % FEAT_PER_SLOT];
	return feat_group_names[i - FEAT_SLOTS * FEAT_PER_SLOT];
}

feat *feat_new(const prof *p, const zoo_model *const *models, int n_svc, char *err,
               size_t errlen)
{
	return feat_new_set(&feat_ours, p, models, n_svc, err, errlen);
}

const feat_set *feat_set_get(const feat *f)
{
	return f->set;
}

feat *feat_new_set(const feat_set *set, const prof *p, const zoo_model *const *models,
                   int n_svc, char *err, size_t errlen)
{
	const char *const *names = zoo_names();
	int n_zoo = 0;
	while (names[n_zoo])
		n_zoo++;
	if (set == &feat_paper && n_zoo != FEAT_PAPER_IDS) {
		snprintf(err, errlen,
		         "the paper's features one-hot %d models and the zoo has %d: change "
		         "FEAT_PAPER_IDS and FEAT_PAPER_VERSION",
		         FEAT_PAPER_IDS, n_zoo);
		return NULL;
	}
	feat *f = calloc(1, sizeof *f);
	if (f)
		f->svc = calloc((size_t)(n_svc > 0 ? n_svc : 1), sizeof *f->svc);
	if (!f || !f->svc) {
		free(f);
		snprintf(err, errlen, "out of memory creating the group features");
		return NULL;
	}
	f->set = set;
	f->n_svc = n_svc;
	for (int i = 0; i < n_svc; i++) {
		f->svc[i].m = models[i];
		f->svc[i].id = 0;
		while (names[f->svc[i].id] && strcmp(names[f->svc[i].id], models[i]->name) != 0)
			f->svc[i].id++;
		if (!(f->svc[i].t = prof_table_new(p, models[i]))) {
			feat_free(f);
			snprintf(err, errlen, "out of memory creating the group features");
			return NULL;
		}
	}
	const gpu_spec *g = prof_gpu(p);
	f->flops_per_ns = g->tf32_tflops * 1e3 * g->eff_compute;
	f->bytes_per_ns = g->mem_tbs * 1e3 * g->eff_mem;
	return f;
}

void feat_free(feat *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n_svc; i++) {
		prof_table_free(f->svc[i].t);
		for (int k = 0; k < f->svc[i].n; k++)
			free(f->svc[i].e[k].flops);
		free(f->svc[i].e);
	}
	free(f->svc);
	free(f);
}

static const cost_entry *cost_table(feat_svc *s, int batch, int seq)
{
	if (!s->m->has_seq)
		seq = 0;
	if (s->n && s->e[s->last].batch == batch && s->e[s->last].seq == seq)
		return &s->e[s->last];
	for (int i = 0; i < s->n; i++)
		if (s->e[i].batch == batch && s->e[i].seq == seq) {
			s->last = i;
			return &s->e[i];
		}
	if (buf_grow(&s->e, &s->cap, (size_t)s->n + 1, sizeof *s->e))
		return NULL;
	int n = s->m->n_ops;
	double *v = malloc(2 * (size_t)(n + 1) * sizeof *v);
	if (!v)
		return NULL;
	cost_entry *e = &s->e[s->n];
	e->batch = batch;
	e->seq = seq;
	e->flops = v;
	e->bytes = v + n + 1;
	e->flops[0] = e->bytes[0] = 0;
	for (int op = 0; op < n; op++) {
		zoo_cost c;
		zoo_op_cost(s->m, op, batch, seq, &c);
		e->flops[op + 1] = e->flops[op] + c.flops;
		e->bytes[op + 1] = e->bytes[op] + c.bytes;
	}
	s->last = s->n++;
	return e;
}

typedef struct seg_stat {
	double solo_ns, flops, bytes, cd, md;
	int ops, batch, seq;
} seg_stat;

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The paper's features: one-hot model, start, end, batch, seq per
 * segment, segments ordered by model then start; the target is the
 * duration (base 1 ms). */
static int feat_group_paper(feat *f, const dev_group *g, float *x, double *base_ns)
{
	const dev_segment *top[FEAT_SLOTS];
	int n_top = 0;
	for (int k = 0; k < g->n; k++) {
		const dev_segment *sg = &g->seg[k];
		if (sg->service < 0 || sg->service >= f->n_svc)
			return -1;
		const feat_svc *s = &f->svc[sg->service];
		if (sg->start < 0 || sg->end > s->m->n_ops || sg->start > sg->end)
			return -1;
		if (sg->start == sg->end)
			continue;
		int pos = n_top < FEAT_SLOTS ? n_top++ : FEAT_SLOTS;
		while (pos > 0) {
			const dev_segment *o = top[pos - 1];
			int oid = f->svc[o->service].id;
			if (oid < s->id || (oid == s->id && o->start <= sg->start))
				break;
			if (pos < FEAT_SLOTS)
				top[pos] = top[pos - 1];
			pos--;
		}
		if (pos < FEAT_SLOTS)
			top[pos] = sg;
	}
	for (int i = 0; i < FEAT_PAPER_COUNT; i++)
		x[i] = 0.0f;
	*base_ns = n_top ? 1e6 : 0.0;
	for (int i = 0; i < n_top; i++) {
		const dev_segment *sg = top[i];
		const feat_svc *s = &f->svc[sg->service];
		float *o = x + i * FEAT_PAPER_PER_SLOT;
		if (s->id < FEAT_PAPER_IDS)
			o[s->id] = 1.0f;
		o[FEAT_PAPER_IDS + 0] = (float)sg->start;
		o[FEAT_PAPER_IDS + 1] = (float)sg->end;
		o[FEAT_PAPER_IDS + 2] = (float)sg->batch;
		o[FEAT_PAPER_IDS + 3] = (float)(s->m->has_seq ? sg->seq : 0);
	}
	return 0;
}

int feat_group(feat *f, const dev_group *g, float *x, double *base_ns)
{
	if (f->set == &feat_paper)
		return feat_group_paper(f, g, x, base_ns);
	/* The FEAT_SLOTS longest segments, longest first; aggregates over all. */
	seg_stat top[FEAT_SLOTS];
	int n_top = 0, active = 0;
	double sum_solo = 0, sum_flops = 0, sum_bytes = 0, sum_cd = 0, sum_md = 0;

	for (int k = 0; k < g->n; k++) {
		const dev_segment *sg = &g->seg[k];
		if (sg->service < 0 || sg->service >= f->n_svc)
			return -1;
		feat_svc *s = &f->svc[sg->service];
		if (sg->start < 0 || sg->end > s->m->n_ops || sg->start > sg->end)
			return -1;
		if (sg->start == sg->end)
			continue;
		int64_t solo = prof_table_seg_ns(s->t, sg->batch, sg->seq, sg->start, sg->end);
		const cost_entry *c = cost_table(s, sg->batch, sg->seq);
		if (solo < 0 || !c)
			return -1;
		seg_stat v;
		v.solo_ns = (double)solo;
		v.flops = c->flops[sg->end] - c->flops[sg->start];
		v.bytes = c->bytes[sg->end] - c->bytes[sg->start];
		double t = v.solo_ns > 1.0 ? v.solo_ns : 1.0;
		/* A segment busier than the GPU's nominal peak still cannot use
		 * more than all of it; 4 only bounds profile outliers. */
		v.cd = clampd(v.flops / (f->flops_per_ns * t), 0, 4);
		v.md = clampd(v.bytes / (f->bytes_per_ns * t), 0, 4);
		v.ops = sg->end - sg->start;
		v.batch = sg->batch;
		v.seq = s->m->has_seq ? sg->seq : 0;
		active++;
		sum_solo += v.solo_ns;
		sum_flops += v.flops;
		sum_bytes += v.bytes;
		sum_cd += v.cd;
		sum_md += v.md;
		int pos = n_top < FEAT_SLOTS ? n_top++ : FEAT_SLOTS;
		while (pos > 0 && top[pos - 1].solo_ns < v.solo_ns) {
			if (pos < FEAT_SLOTS)
				top[pos] = top[pos - 1];
			pos--;
		}
		if (pos < FEAT_SLOTS)
			top[pos] = v;
	}

	for (int i = 0; i < FEAT_COUNT; i++)
		x[i] = 0.0f;
	*base_ns = n_top ? top[0].solo_ns : 0.0;
	if (!n_top)
		return 0;
	double max = top[0].solo_ns > 1.0 ? top[0].solo_ns : 1.0;
	double weighted = 0;
	for (int i = 0; i < n_top; i++) {
		const seg_stat *v = &top[i];
		float *o = x + i * FEAT_PER_SLOT;
		o[0] = 1.0f;
		o[1] = (float)log(v->solo_ns * 1e-6 + 1e-3);
		o[2] = (float)(v->solo_ns / max);
		o[3] = (float)log1p(v->flops * 1e-9);
		o[4] = (float)log1p(v->bytes * 1e-6);
		o[5] = (float)v->cd;
		o[6] = (float)v->md;
		o[7] = (float)v->ops;
		o[8] = (float)log2(v->batch > 0 ? v->batch : 1);
		o[9] = (float)(v->seq > 0 ? log2(v->seq) : 0.0);
		weighted += v->solo_ns / max * fmax(v->cd, v->md);
	}
	float *o = x + FEAT_SLOTS * FEAT_PER_SLOT;
	o[0] = (float)active;
	o[1] = (float)log(max * 1e-6 + 1e-3);
	o[2] = (float)(sum_solo / max);
	o[3] = (float)(n_top > 1 ? top[1].solo_ns / max : 0.0);
	o[4] = (float)log1p(sum_flops * 1e-9);
	o[5] = (float)log1p(sum_bytes * 1e-6);
	o[6] = (float)log1p(sum_flops / (sum_bytes > 1.0 ? sum_bytes : 1.0));
	o[7] = (float)sum_cd;
	o[8] = (float)sum_md;
	o[9] = (float)weighted;
	return 0;
}
