/* sim.c: virtual clock, solo tables and the contention model of sim.h. */
#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "data.h"
#include "rng.h"

/* What the contention model reads of one op of a model at one (batch,
 * seq), worked out once: its solo ns, and its FLOPs and bytes as ns of
 * the device at its peak, scaled (scale_c * flops / peak_flops). An op's
 * demands are then these over its noisy time, the very operations (and
 * so the very doubles) of computing them from the profile each time. */
typedef struct op_cost {
	double ns, c, m;
} op_cost;

/* Of one (batch, seq) of a service: its op costs, and the solo table's
 * prefix sums and whole-run ns (prof_table_seg_ns's), found with them. */
typedef struct op_costs {
	op_cost *op; /* NULL: not yet asked */
	const int64_t *prefix;
	int64_t whole;
} op_costs;

/* A service's op costs by prof_table_key, for the scales they were
 * worked out with (sim_set_contention may change them). */
typedef struct cost_set {
	double scale_c, scale_m;
	op_costs *by_key;
	int n;
} cost_set;

typedef struct sim_service {
	const zoo_model *model;
	prof_table *table;
	int borrowed; /* the table is the first partition's (sim_setup) */
	cost_set own;
	/* the first partition's, beside the table borrowed from it: the
	 * GPUs of a cluster work each op out once; used while its scales
	 * are this device's, else own */
	cost_set *shared;
} sim_service;

/* One active segment of a multi-segment group. */
typedef struct lane {
	const op_cost *cost; /* per op */
	int op, end, k;      /* k: the segment's place in the group */
	double scale;  /* noise factor */
	double left;   /* solo ns left of the current op */
	double c, mem; /* demands of the current op */
	double rate;   /* share > 0: solo ns a ns in this step (share_rates) */
	double w;      /* share > 0: the current op's weight; < 0 not yet known */
} lane;

struct sim;

/* The virtual clock, shared by the partitions of one GPU (open_parts). */
typedef struct sim_clock {
	int64_t now;
	int refs;
	/* share_bw (sim.h): the partitions on this clock, whose groups in
	 * flight share bw bytes per ns; n_part 0: not modelled. Every
	 * partition's sh_done and sh_live are at time t_ref; done and live
	 * are share_run's scratch, one per partition. */
	struct sim **part;
	int n_part;
	double bw;
	int64_t t_ref;
	double *done;
	int *live;
} sim_clock;

typedef struct sim {
	const prof *p;
	sim_options opt;
	sim_clock *clock;
	/* the first of the devices opened together (open_parts), NULL for it:
	 * a device replaying the same profile borrows its solo tables, so a
	 * thousand simulated GPUs build and cache them once */
	const struct sim *first;
	/* the group launched and not yet waited for: it ends at pend_end,
	 * its segments at pend_seg[] */
	int inflight, pend_n;
	int64_t pend_end, *pend_seg;
	/* share_bw: the group in flight as the shared bandwidth sees it */
	int sh_live;    /* launched and not yet ended at the clock's t_ref */
	double sh_solo; /* ns from launch to its end alone in its partition */
	double sh_done; /* of those, the ns done by t_ref */
	double sh_m;    /* its demand: bytes / (bw * sh_solo), at most 1 */
	double *sh_off; /* per segment: ns alone from launch to its end */
	sim_service *svc;
	int n_svc;
	lane *lanes;
	rng noise;
	double peak_flops, peak_bytes; /* per ns, at the spec's efficiency */
	char err[256];
} sim;

void sim_options_default(sim_options *o)
{
	o->noise = 0.0;
	o->kappa = 0.10;
	o->scale_c = 1.0;
	o->scale_m = 1.0;
	o->share = 0.0;
	o->group_ns = 0;
	o->share_bw = 0;
	o->seed = 1;
}

static int64_t sim_now(void *ctx)
{
	return ((sim *)ctx)->clock->now;
}

static int sim_wait_until(void *ctx, int64_t t)
{
	sim *s = ctx;
	if (s->inflight && t > s->pend_end) {
		snprintf(s->err, sizeof s->err, "sim: waiting past the end of the group in flight");
		return -1;
	}
	if (t > s->clock->now)
		s->clock->now = t;
	return 0;
}

static void cost_set_clear(cost_set *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->by_key[i].op);
	free(c->by_key);
	c->by_key = NULL;
	c->n = 0;
}

static void sim_free(void *ctx)
{
	sim *s = ctx;
	if (!s)
		return;
	for (int i = 0; i < s->n_svc; i++) {
		if (!s->svc[i].borrowed)
			prof_table_free(s->svc[i].table);
		cost_set_clear(&s->svc[i].own);
	}
	free(s->svc);
	free(s->lanes);
	free(s->pend_seg);
	free(s->sh_off);
	if (s->clock && --s->clock->refs == 0) {
		free(s->clock->part);
		free(s->clock->done);
		free(s->clock->live);
		free(s->clock);
	}
	free(s);
}

static int sim_setup(void *ctx, const dev_service *svc, int n)
{
	sim *s = ctx;
	s->svc = calloc((size_t)n, sizeof *s->svc);
	s->lanes = calloc((size_t)n, sizeof *s->lanes);
	s->pend_seg = calloc((size_t)n, sizeof *s->pend_seg);
	s->sh_off = calloc((size_t)n, sizeof *s->sh_off);
	if (!s->svc || !s->lanes || !s->pend_seg || !s->sh_off) {
		snprintf(s->err, sizeof s->err, "out of memory setting up the simulator");
		return -1;
	}
	s->n_svc = n;
	for (int i = 0; i < n; i++) {
		s->svc[i].model = svc[i].model;
		const sim *f = s->first;
		for (int k = 0; f && f->p == s->p && k < f->n_svc; k++)
			if (f->svc[k].model == svc[i].model && f->svc[k].table) {
				s->svc[i].table = f->svc[k].table;
				s->svc[i].borrowed = 1;
				s->svc[i].shared = &((sim *)f)->svc[k].own;
			}
		if (!s->svc[i].table && !(s->svc[i].table = prof_table_new(s->p, svc[i].model))) {
			snprintf(s->err, sizeof s->err, "out of memory setting up the simulator");
			return -1;
		}
	}
	return 0;
}

static double noise_factor(sim *s)
{
	if (s->opt.noise <= 0)
		return 1.0;
	double sg = s->opt.noise;
	return exp(sg * rng_normal(&s->noise) - 0.5 * sg * sg);
}

/* fmin and fmax where neither argument is NaN, as the compiler inlines
 * them (the library's calls were a tenth of a cluster run's loop) */
static double dmin(double a, double b)
{
	return b < a ? b : a;
}

static double dmax(double a, double b)
{
	return b > a ? b : a;
}

/* The op costs of service i at (batch, seq), NULL when out of memory. */
static const op_costs *sim_costs(sim *s, int i, int batch, int seq)
{
	sim_service *sv = &s->svc[i];
	cost_set *c = sv->shared;
	if (!c || (c->n && (c->scale_c != s->opt.scale_c || c->scale_m != s->opt.scale_m)))
		c = &sv->own;
	if (c->scale_c != s->opt.scale_c || c->scale_m != s->opt.scale_m) {
		cost_set_clear(c);
		c->scale_c = s->opt.scale_c;
		c->scale_m = s->opt.scale_m;
	}
	int key = prof_table_key(sv->table, batch, seq);
	if (key < 0)
		return NULL;
	if (key >= c->n) {
		op_costs *n = realloc(c->by_key, (size_t)(key + 1) * sizeof *n);
		if (!n)
			return NULL;
		for (int k = c->n; k <= key; k++)
			n[k] = (op_costs){NULL, NULL, 0};
		c->by_key = n;
		c->n = key + 1;
	}
	op_costs *e = &c->by_key[key];
	if (e->op)
		return e;
	int n_ops = sv->model->n_ops;
	const int64_t *pre = prof_table_prefix(sv->table, batch, seq);
	int64_t whole = prof_table_seg_ns(sv->table, batch, seq, 0, n_ops);
	const double *flops, *bytes;
	op_cost *oc = malloc((size_t)(n_ops > 0 ? n_ops : 1) * sizeof *oc);
	if (!pre || whole < 0 || !oc || prof_table_work(sv->table, batch, seq, &flops, &bytes)) {
		free(oc);
		return NULL;
	}
	for (int op = 0; op < n_ops; op++)
		oc[op] = (op_cost){(double)(pre[op + 1] - pre[op]),
		                   s->opt.scale_c * (flops[op + 1] - flops[op]) / s->peak_flops,
		                   s->opt.scale_m * (bytes[op + 1] - bytes[op]) / s->peak_bytes};
	*e = (op_costs){oc, pre, whole};
	return e;
}

static inline void lane_load_op(lane *ln)
{
	const op_cost *oc = &ln->cost[ln->op];
	double t = oc->ns * ln->scale;
	ln->left = t;
	double tt = t > 1.0 ? t : 1.0;
	ln->c = dmin(1.0, oc->c / tt);
	ln->mem = dmin(1.0, oc->m / tt);
	ln->w = -1; /* share_rates works it out once an op, if it needs it */
}

/* Lane l's op has ended: loads the next; 1 when there is none. */
static inline int lane_next(lane *l)
{
	if (++l->op >= l->end)
		return 1;
	lane_load_op(l);
	return 0;
}

/* After a step at whose end (t) a lane ended its segment: writes the
 * ended lanes' seg_end and copies the others, in order, to out (which
 * may be ln); returns how many remain. */
static inline int lanes_keep(const lane *ln, int n, lane *out, double t, int64_t *seg_end)
{
	int keep = 0;
	for (int j = 0; j < n; j++) {
		if (ln[j].op >= ln[j].end)
			seg_end[ln[j].k] = (int64_t)(t + 0.5);
		else
			out[keep++] = ln[j];
	}
	return keep;
}

/* Steps lanes ln[0, n) until one or more end their segments: each step
 * runs every lane's op until the first among them ends (the least solo
 * ns left), slowed by their summed demands (S). Then takes out those
 * that ended (their seg_end the step's end), keeping the others in the
 * group's order, so that every sum adds in the same order whatever
 * ended; returns how many remain. For four lanes and more; inlined with
 * n a constant (4), the loops unroll and the lanes stay in registers.
 * lanes_two and lanes_three below take the same steps for two and three
 * lanes, on a comparison or two instead of a branch a lane. */
static inline __attribute__((always_inline)) int lanes_step(const sim *s, lane *ln, int n,
                                                            double *t_io, int64_t *seg_end)
{
	lane local[4];
	lane *const all = ln;
	if (n <= 4) { /* a copy the compiler may hold in registers */
		for (int j = 0; j < n; j++)
			local[j] = all[j];
		ln = local;
	}
	double t = *t_io, kappa = s->opt.kappa * (n - 1);
	int ended = 0;
	while (!ended) {
		double sc = 0, sm = 0, step = INFINITY;
		for (int j = 0; j < n; j++) {
			sc += ln[j].c;
			sm += ln[j].mem;
			step = dmin(step, ln[j].left);
		}
		t += step * (dmax(1.0, dmax(sc, sm)) + kappa);
		for (int j = 0; j < n; j++) {
			lane *l = &ln[j];
			l->left -= step;
			if (l->left <= 1e-9)
				ended |= lane_next(l);
		}
	}
	*t_io = t;
	return lanes_keep(ln, n, all, t, seg_end);
}

/* A step of two lanes where f's op ends first (o's only on a tie), at
 * slowdown S; 1 when a lane ended its segment. */
static inline int two_step(lane *f, lane *o, double S, double *t)
{
	*t += f->left * S;
	o->left -= f->left;
	f->left = 0;
	int done = lane_next(f);
	if (o->left <= 1e-9)
		done |= lane_next(o);
	return done;
}

/* The same with a third lane o2, whose op also runs the step. */
static inline int three_step(lane *f, lane *o1, lane *o2, double S, double *t)
{
	o2->left -= f->left;
	int done = two_step(f, o1, S, t);
	if (o2->left <= 1e-9)
		done |= lane_next(o2);
	return done;
}

/* lanes_step for three lanes: their sums add in the group's order, then
 * two comparisons tell whose op ends first (the first of the least time
 * left, as lanes_step's minimum), and each case is straight code. */
static int lanes_three(const sim *s, lane *ln, double *t_io, int64_t *seg_end)
{
	lane a = ln[0], b = ln[1], c = ln[2];
	double t = *t_io, kappa = s->opt.kappa * (3 - 1);
	int done;
	do {
		double sc = a.c + b.c + c.c, sm = a.mem + b.mem + c.mem;
		double S = dmax(1.0, dmax(sc, sm)) + kappa;
		if (b.left < a.left)
			done = c.left < b.left ? three_step(&c, &a, &b, S, &t)
			                       : three_step(&b, &a, &c, S, &t);
		else
			done = c.left < a.left ? three_step(&c, &a, &b, S, &t)
			                       : three_step(&a, &b, &c, S, &t);
	} while (!done);
	lane *l[3] = {&a, &b, &c};
	int keep = 0;
	for (int j = 0; j < 3; j++)
		if (l[j]->op >= l[j]->end)
			seg_end[l[j]->k] = (int64_t)(t + 0.5);
		else
			ln[keep++] = *l[j];
	*t_io = t;
	return keep;
}

/* lanes_step for two lanes, one branch a step on which lane's op ends
 * first: two lanes' sums add the same in either order. */
static int lanes_two(const sim *s, lane *ln, double *t_io, int64_t *seg_end)
{
	lane a = ln[0], b = ln[1];
	double t = *t_io, kappa = s->opt.kappa * (2 - 1);
	int done;
	do {
		double S = dmax(1.0, dmax(a.c + b.c, a.mem + b.mem)) + kappa;
		done = b.left < a.left ? two_step(&b, &a, S, &t) : two_step(&a, &b, S, &t);
	} while (!done);
	int keep = 0;
	if (a.op >= a.end)
		seg_end[a.k] = (int64_t)(t + 0.5);
	else
		ln[keep++] = a;
	if (b.op >= b.end)
		seg_end[b.k] = (int64_t)(t + 0.5);
	else
		ln[keep++] = b;
	*t_io = t;
	return keep;
}

/* share > 0 (sim.h): the rates of lanes ln[0, n) for a step in which
 * they progress `total` solo ns a ns together, each in proportion to its
 * weight, none above 1; a lane capped at 1 leaves the rest to those not
 * capped, in proportion again (at most n rounds). */
static void share_rates(lane *ln, int n, double total, double a)
{
	double w_sum = 0;
	for (int j = 0; j < n; j++) {
		if (ln[j].w < 0)
			ln[j].w = pow(dmax(1e-3, dmax(ln[j].c, ln[j].mem)), a);
		/* the weight rides in rate until the lane is given its rate */
		ln[j].rate = -ln[j].w;
		w_sum += ln[j].w;
	}
	for (int round = 0; round < n; round++) {
		int capped = 0;
		for (int j = 0; j < n; j++)
			if (ln[j].rate < 0 && total * -ln[j].rate >= w_sum) {
				w_sum += ln[j].rate;
				ln[j].rate = 1.0;
				total -= 1.0;
				capped = 1;
			}
		if (!capped)
			break;
	}
	for (int j = 0; j < n; j++)
		if (ln[j].rate < 0)
			ln[j].rate = w_sum > 0 ? dmax(0.0, total) * -ln[j].rate / w_sum : 0.0;
}

/* lanes_step when share > 0: each step the lanes progress at their own
 * rates until the first of their ops ends (the least time left at its
 * rate); every lane whose op ended moves to its next. Returns how many
 * lanes remain, taken out as lanes_step does. */
static int lanes_share(const sim *s, lane *ln, int n, double *t_io, int64_t *seg_end)
{
	double t = *t_io, kappa = s->opt.kappa * (n - 1);
	int ended = 0;
	while (!ended) {
		double sc = 0, sm = 0;
		for (int j = 0; j < n; j++) {
			sc += ln[j].c;
			sm += ln[j].mem;
		}
		share_rates(ln, n, n / (dmax(1.0, dmax(sc, sm)) + kappa), s->opt.share);
		double dt = INFINITY;
		int first = 0;
		for (int j = 0; j < n; j++)
			if (ln[j].rate > 0 && ln[j].left / ln[j].rate < dt) {
				dt = ln[j].left / ln[j].rate;
				first = j;
			}
		t += dt;
		for (int j = 0; j < n; j++) {
			lane *l = &ln[j];
			l->left = j == first ? 0 : l->left - l->rate * dt;
			if (l->left <= 1e-9)
				ended |= lane_next(l);
		}
	}
	*t_io = t;
	return lanes_keep(ln, n, ln, t, seg_end);
}

/* The group g started at the clock's time: fills seg_end and returns when
 * the group ends (-1 on error), without moving the clock. */
static int64_t simulate(sim *s, const dev_group *g, int64_t *seg_end)
{
	int64_t start = s->clock->now + s->opt.group_ns;
	if (g->n == 1) { /* the common case for time sharing: no contention */
		const dev_segment *seg = &g->seg[0];
		int64_t solo = prof_table_seg_ns(s->svc[seg->service].table, seg->batch, seg->seq,
		                                 seg->start, seg->end);
		if (solo < 0) {
			snprintf(s->err, sizeof s->err, "out of memory in the simulator");
			return -1;
		}
		double dur = (double)solo * noise_factor(s);
		seg_end[0] = start + (int64_t)(dur + 0.5);
		return seg_end[0];
	}
	lane *ln = s->lanes;
	int na = 0; /* the active lanes, ln[0, na) */
	for (int k = 0; k < g->n; k++) {
		const dev_segment *seg = &g->seg[k];
		lane *l = &ln[na];
		const op_costs *oc = sim_costs(s, seg->service, seg->batch, seg->seq);
		if (!oc) {
			snprintf(s->err, sizeof s->err, "out of memory in the simulator");
			return -1;
		}
		l->cost = oc->op;
		l->op = seg->start;
		l->end = seg->end;
		l->k = k;
		l->scale = noise_factor(s);
		/* a whole run costs what the profile measured for it (prof.h),
		 * spread over its ops in proportion to their solo times; solo is
		 * prof_table_seg_ns's */
		int64_t sum = oc->prefix[seg->end] - oc->prefix[seg->start];
		int64_t solo = seg->start == 0 && seg->end == s->svc[seg->service].model->n_ops
		                   ? oc->whole
		                   : sum;
		if (solo > 0 && sum > 0 && solo != sum)
			l->scale *= (double)solo / (double)sum;
		if (l->op < l->end) {
			lane_load_op(l);
			na++;
		} else {
			seg_end[k] = start;
		}
	}
	double t = (double)start;
	while (na > 1 && s->opt.share > 0)
		na = lanes_share(s, ln, na, &t, seg_end);
	while (na > 1) {
		switch (na) {
		case 2:
			na = lanes_two(s, ln, &t, seg_end);
			break;
		case 3:
			na = lanes_three(s, ln, &t, seg_end);
			break;
		case 4:
			na = lanes_step(s, ln, 4, &t, seg_end);
			break;
		default:
			na = lanes_step(s, ln, na, &t, seg_end);
		}
	}
	if (na == 1) {
		/* alone, an op's demands are at most 1 each, so S is 1: the
		 * lane runs on at its solo pace */
		lane *l = &ln[0];
		t += l->left;
		while (++l->op < l->end)
			t += l->cost[l->op].ns * l->scale;
		seg_end[l->k] = (int64_t)(t + 0.5);
	}
	int64_t last = start;
	for (int k = 0; k < g->n; k++)
		if (seg_end[k] > last)
			last = seg_end[k];
	return last;
}

static int sim_run_group(void *ctx, const dev_group *g, int64_t *seg_end)
{
	sim *s = ctx;
	if (s->inflight) {
		snprintf(s->err, sizeof s->err, "sim: a group is already in flight");
		return -1;
	}
	int64_t end = simulate(s, g, seg_end);
	if (end < 0)
		return -1;
	s->clock->now = end;
	return 0;
}

/* Runs the partitions' groups on from the clock's t_ref (share_bw,
 * sim.h): while the demands of the groups not yet ended add to more
 * than 1, each progresses at 1 / their sum of its pace alone, else at its
 * pace alone. With commit, stops at `until` and keeps every group's
 * progress there as the state at the new t_ref; without, runs every
 * group to its end and writes its pend_seg and pend_end. The groups are
 * taken in the partitions' order, so the sums add the same every time. */
static void share_run(sim_clock *c, int64_t until, int commit)
{
	int n = c->n_part;
	double *done = c->done;
	int *live = c->live;
	for (int i = 0; i < n; i++) {
		done[i] = c->part[i]->sh_done;
		live[i] = c->part[i]->sh_live;
	}
	double t = (double)c->t_ref;
	for (;;) {
		double sum = 0, dt = INFINITY;
		for (int i = 0; i < n; i++)
			if (live[i])
				sum += c->part[i]->sh_m;
		double rate = 1.0 / dmax(1.0, sum);
		for (int i = 0; i < n; i++)
			if (live[i])
				dt = dmin(dt, (c->part[i]->sh_solo - done[i]) / rate);
		if (dt == INFINITY)
			break;
		int stop = 0;
		if (commit && t + dt >= (double)until) {
			dt = dmax(0.0, (double)until - t);
			stop = 1;
		}
		for (int i = 0; i < n; i++) {
			if (!live[i])
				continue;
			sim *s = c->part[i];
			double old = done[i], now = old + dt * rate;
			int ends = now >= s->sh_solo - 1e-6;
			if (!commit)
				for (int k = 0; k < s->pend_n; k++)
					if (s->sh_off[k] > old && (ends || s->sh_off[k] <= now))
						s->pend_seg[k] = (int64_t)(t + (s->sh_off[k] - old) / rate + 0.5);
			done[i] = now;
			if (ends) {
				live[i] = 0;
				if (!commit) {
					int64_t last = s->pend_end;
					for (int k = 0; k < s->pend_n; k++)
						last = s->pend_seg[k] > last ? s->pend_seg[k] : last;
					s->pend_end = last;
				}
			}
		}
		t += dt;
		if (stop)
			break;
	}
	if (!commit)
		return;
	for (int i = 0; i < n; i++) {
		c->part[i]->sh_done = done[i];
		c->part[i]->sh_live = live[i];
	}
	if (until > c->t_ref)
		c->t_ref = until;
}

/* Group g launched on s at the clock's time, which simulate found to end
 * at `end` alone in its partition (its segments at pend_seg): enters it
 * into the shared bandwidth and works out again the ends of every group
 * in flight on the clock. */
static int share_launch(sim *s, const dev_group *g, int64_t end)
{
	sim_clock *c = s->clock;
	int64_t now = c->now;
	share_run(c, now, 1);
	double bytes = 0;
	for (int k = 0; k < g->n; k++) {
		const dev_segment *seg = &g->seg[k];
		const double *flops, *b;
		if (prof_table_work(s->svc[seg->service].table, seg->batch, seg->seq, &flops, &b)) {
			snprintf(s->err, sizeof s->err, "out of memory in the simulator");
			return -1;
		}
		bytes += b[seg->end] - b[seg->start];
		s->sh_off[k] = (double)(s->pend_seg[k] - now);
	}
	s->sh_solo = (double)(end - now);
	s->sh_done = 0;
	s->sh_live = s->sh_solo > 0;
	s->sh_m = s->sh_live ? dmin(1.0, SIM_SHARE_TRAFFIC * bytes / (c->bw * s->sh_solo)) : 0;
	s->pend_n = g->n;
	s->pend_end = now;
	share_run(c, 0, 0);
	return 0;
}

/* A virtual clock knows a group's end when it starts: launch works it out
 * and wait_group moves the clock there. With share_bw a later launch on
 * another partition may move it later (share_launch); wait_group then
 * answers 0 at the end given before, and group_end gives the new one. */
static int sim_launch(void *ctx, const dev_group *g)
{
	sim *s = ctx;
	if (s->inflight) {
		snprintf(s->err, sizeof s->err, "sim: a group is already in flight");
		return -1;
	}
	int64_t end = simulate(s, g, s->pend_seg);
	if (end < 0)
		return -1;
	s->inflight = 1;
	s->pend_n = g->n;
	s->pend_end = end;
	if (s->clock->n_part && share_launch(s, g, end))
		return -1;
	return 0;
}

static int sim_wait_group(void *ctx, int64_t t, int64_t *seg_end)
{
	sim *s = ctx;
	if (!s->inflight) {
		snprintf(s->err, sizeof s->err, "sim: no group in flight to wait for");
		return -1;
	}
	if (s->pend_end > t) {
		if (t > s->clock->now)
			s->clock->now = t;
		return 0;
	}
	if (s->pend_end > s->clock->now)
		s->clock->now = s->pend_end;
	for (int k = 0; k < s->pend_n; k++) /* a few: no call to memcpy */
		seg_end[k] = s->pend_seg[k];
	s->inflight = 0;
	return 1;
}

static int64_t sim_group_end(void *ctx)
{
	sim *s = ctx;
	return s->inflight ? s->pend_end : -1;
}

static void sim_info(void *ctx, dev_info *out)
{
	sim *s = ctx;
	snprintf(out->gpu, sizeof out->gpu, "%s", prof_gpu(s->p)->name);
}

static const char *sim_errmsg(void *ctx)
{
	return ((sim *)ctx)->err;
}

/* Solo op latencies as the profile gives them, each with its own noise
 * draw, as a GPU timing ops one by one would see. The clock advances by
 * their sum. */
static int sim_time_ops(void *ctx, const dev_segment *seg, int64_t *op_ns)
{
	sim *s = ctx;
	const int64_t *pre = prof_table_prefix(s->svc[seg->service].table, seg->batch, seg->seq);
	if (!pre) {
		snprintf(s->err, sizeof s->err, "out of memory in the simulator");
		return -1;
	}
	for (int op = seg->start; op < seg->end; op++) {
		double t = (double)(pre[op + 1] - pre[op]) * noise_factor(s);
		op_ns[op - seg->start] = (int64_t)(t + 0.5);
		s->clock->now += op_ns[op - seg->start];
	}
	return 0;
}

static const dev_iface sim_iface = {
	.name = "sim",
	.setup = sim_setup,
	.now = sim_now,
	.wait_until = sim_wait_until,
	.run_group = sim_run_group,
	.info = sim_info,
	.errmsg = sim_errmsg,
	.free = sim_free,
	.time_ops = sim_time_ops,
	.launch = sim_launch,
	.wait_group = sim_wait_group,
	.group_end = sim_group_end,
};

int sim_device_open(device *out, const prof *p, const sim_options *o, char *err, size_t errlen)
{
	if (o->noise < 0 || o->noise > 1 || o->kappa < 0 || !isfinite(o->noise) ||
	    !isfinite(o->kappa) || !(o->scale_c > 0) || !(o->scale_m > 0) ||
	    !(o->share >= 0 && o->share <= SIM_SHARE_MAX)) {
		snprintf(
		    err, errlen,
		    "sim: noise must be in [0, 1], kappa >= 0, scales > 0 and share in [0, %g] "
		    "(got %g, %g, %g, %g, %g)",
		    SIM_SHARE_MAX, o->noise, o->kappa, o->scale_c, o->scale_m, o->share);
		return -1;
	}
	sim *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory opening the simulator");
		return -1;
	}
	s->p = p;
	s->opt = *o;
	s->clock = calloc(1, sizeof *s->clock);
	if (!s->clock) {
		free(s);
		snprintf(err, errlen, "out of memory opening the simulator");
		return -1;
	}
	s->clock->refs = 1;
	rng_seed(&s->noise, o->seed ^ 0x5eed5eed5eedULL);
	const gpu_spec *g = prof_gpu(p);
	s->peak_flops = g->tf32_tflops * 1e3 * g->eff_compute; /* flops per ns */
	s->peak_bytes = g->mem_tbs * 1e3 * g->eff_mem;          /* bytes per ns */
	out->iface = &sim_iface;
	out->ctx = s;
	return 0;
}

int sim_set_contention(device *d, double kappa, double scale_c, double scale_m)
{
	if (d->iface != &sim_iface)
		return -1;
	sim *s = d->ctx;
	s->opt.kappa = kappa;
	s->opt.scale_c = scale_c;
	s->opt.scale_m = scale_m;
	return 0;
}

int sim_set_share(device *d, double share)
{
	if (d->iface != &sim_iface || !(share >= 0 && share <= SIM_SHARE_MAX))
		return -1;
	((sim *)d->ctx)->opt.share = share;
	return 0;
}

/* Bound on the scales sim.csv may give (SIM_KAPPA_MAX, sim.h, on kappa).
 * The scales multiply an op's demands before they are clipped at 1, so
 * past the fit's 8 they change little; 1000 lets a hand edit through and
 * still stops a typo (1e15) from passing as a calibration. */
#define SIM_SCALE_MAX 1000.0

static const csv_col calib_cols[] = {
    {.name = "key", .required = 1},
    {.name = "value", .required = 1},
};

int sim_load_calibration(const char *data_dir, const char *gpu, sim_options *o, char *err,
                         size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s/sim.csv", data_dir, gpu);
	/* only a file that is not there means "not calibrated": one that
	 * cannot be read, or a folder in its place, is an error */
	struct stat st;
	if (stat(path, &st) != 0 && errno == ENOENT)
		return 1;
	csv c;
	if (csv_open(&c, path, calib_cols, 2, err, errlen))
		return -1;
	int rc = 0, got;
	sim_options v = *o;
	/* the line each key was given on: a key given twice would leave one
	 * of its values unread without a word, which is as wrong as a
	 * misspelt one */
	enum { K_KAPPA, K_SCALE_C, K_SCALE_M, K_SHARE, K_FIT, NKEYS = K_FIT + 4 };
	static const char *const keys[NKEYS] = {"kappa",  "scale_c",      "scale_m",
	                                        "share",  "mape_train",   "mape_test",
	                                        "n_test", "mape_segments"};
	long seen[NKEYS] = {0};
	while (rc == 0 && (got = csv_next(&c, err, errlen)) == 1) {
		const char *k = csv_get(&c, 0), *val = csv_get(&c, 1);
		double x;
		int i = 0;
		while (i < NKEYS && strcmp(k, keys[i]) != 0)
			i++;
		if (i < NKEYS && seen[i])
			rc = csv_fail(&c, 0, err, errlen, "key '%s' given twice (also line %ld)", k,
			              seen[i]);
		else if (csv_double(val, &x))
			rc = csv_fail(&c, 1, err, errlen, "%s: '%s' is not a number", k, val);
		else if (i == K_KAPPA && x >= 0 && x <= SIM_KAPPA_MAX)
			v.kappa = x;
		else if (i == K_SCALE_C && x > 0 && x <= SIM_SCALE_MAX)
			v.scale_c = x;
		else if (i == K_SCALE_M && x > 0 && x <= SIM_SCALE_MAX)
			v.scale_m = x;
		else if (i == K_SHARE && x >= 0 && x <= SIM_SHARE_MAX)
			v.share = x;
		else if (i < K_FIT || i == NKEYS)
			/* a misspelt key or a zero scale must not leave a default in
			 * force without a word; the fit's errors are there to be read */
			rc = csv_fail(
			    &c, 0, err, errlen,
			    "%s,%g: keys are kappa (0 to %g), scale_c and scale_m (above 0, "
			    "at most %g), share (0 to %g), and the fit's mape_train, mape_test, "
			    "n_test and mape_segments",
			    k, x, SIM_KAPPA_MAX, SIM_SCALE_MAX, SIM_SHARE_MAX);
		if (i < NKEYS)
			seen[i] = c.lineno;
	}
	if (got < 0)
		rc = -1;
	csv_close(&c);
	if (rc == 0)
		*o = v;
	return rc;
}

/* The simulator replays a profile measured on one executor: the CUDA
 * defaults (fp32 with TF32, graphs, GEMM convolutions) unless the data
 * folder's <gpu>/engine.txt names another (abacus profile --engine
 * --export). A run takes that engine unless it sets its options otherwise
 * (run_engine_adopt); one that does would get that executor's timings
 * under another's name, so it is refused. */
static int sim_kind_check(const dev_open_options *o, char *err, size_t errlen)
{
	char want[160], first[64], have[160], why[512];
	dev_open_options measured;
	if (dev_engine_read(o->data_dir, o->gpu, have, sizeof have, NULL, 0, &measured, why,
	                    sizeof why)) {
		snprintf(err, errlen, "sim: %s", why);
		return -1;
	}
	dev_engine_name(o, &measured, want, sizeof want, first, sizeof first);
	if (strcmp(want, have) == 0)
		return 0;
	snprintf(err, errlen,
	         "%s needs device 'cuda' or a profile measured with it: the simulator replays "
	         "data/%s, measured with engine '%s' (the run asks for '%s'; abacus profile "
	         "--engine measures one)",
	         first, o->gpu, have, want);
	return -1;
}

static int sim_kind_open(device *out, const dev_open_options *o, char *err, size_t errlen)
{
	if (!o->prof) {
		snprintf(err, errlen, "sim: no profile to replay");
		return -1;
	}
	sim_options so;
	sim_options_default(&so);
	if (o->calibrated) {
		data_where w;
		const char *dir = o->data_dir;
		if (!dir && data_find(&w, err, errlen))
			return -1;
		if (!dir)
			dir = w.dir;
		int rc = sim_load_calibration(dir, o->gpu, &so, err, errlen);
		if (rc < 0)
			return -1;
		/* the defaults are no model of this GPU's contention */
		if (rc == 1) {
			snprintf(err, errlen,
			         "no contention model for gpu %s: %s/%s/sim.csv is missing (fit one with "
			         "abacus calibrate --gpu %s --data %s --write)",
			         o->gpu, dir, o->gpu, o->gpu, dir);
			return -1;
		}
	}
	so.noise = o->noise;
	if (!isnan(o->kappa))
		so.kappa = o->kappa;
	if (!isnan(o->share))
		so.share = o->share;
	so.group_ns = llround(o->group_us * 1e3);
	/* TB/s, 1e3 bytes per ns */
	so.share_bw = (o->share_bw < 0 ? prof_gpu(o->prof)->mem_tbs : o->share_bw) * 1e3;
	so.seed = o->seed;
	return sim_device_open(out, o->prof, &so, err, errlen);
}

/* Partitions of one simulated GPU: a simulator per partition, each
 * replaying the profile of its SM count (the caller's o[i].prof), all on
 * one virtual clock. Contention is modelled within a partition only:
 * partitions share no SMs, and their sharing of memory bandwidth is not
 * modelled (sim.h). Partition i > 0 draws its noise from a stream of its
 * own, so that partitions are not in step. */
static int sim_kind_open_parts(device *out, int n, const dev_open_options *o, char *err,
                               size_t errlen)
{
	for (int i = 0; i < n; i++) {
		dev_open_options oi = o[i];
		oi.seed = i == 0 ? o[i].seed : o[i].seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)i);
		if (sim_kind_open(&out[i], &oi, err, errlen)) {
			for (int k = 0; k < i; k++)
				device_free(&out[k]);
			return -1;
		}
		if (i > 0) {
			sim *s = out[i].ctx, *first = out[0].ctx;
			free(s->clock);
			s->clock = first->clock;
			s->clock->refs++;
			/* set up after the first, freed with it (devices opened
			 * together are freed together) */
			s->first = first;
		}
	}
	sim *first = out[0].ctx;
	sim_clock *c = first->clock;
	/* partitions of one GPU (sms given); a cluster's GPUs, also opened
	 * together on one clock, share no bandwidth */
	if (n > 1 && first->opt.share_bw > 0 && o[0].sms > 0) {
		c->part = calloc((size_t)n, sizeof *c->part);
		c->done = calloc((size_t)n, sizeof *c->done);
		c->live = calloc((size_t)n, sizeof *c->live);
		if (!c->part || !c->done || !c->live) {
			for (int k = 0; k < n; k++)
				device_free(&out[k]);
			snprintf(err, errlen, "out of memory opening the simulator");
			return -1;
		}
		for (int i = 0; i < n; i++)
			c->part[i] = out[i].ctx;
		c->n_part = n;
		c->bw = first->opt.share_bw;
	}
	return 0;
}

const dev_kind sim_kind = {
	.name = "sim",
	.what = "a simulated GPU on a virtual clock, replaying a measured profile",
	.real = 0,
	.check = sim_kind_check,
	.open = sim_kind_open,
	.open_parts = sim_kind_open_parts,
	.any_batch = 1,
};
