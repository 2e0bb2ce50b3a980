/* policy_abacus.c: deterministic operator overlap.
 *
 * At each group boundary, for the queries at the heads of the service
 * queues:
 *  1. order them by headroom (deadline - now - predicted solo time still
 *     needed), least first; a head the run's abandon rule gives up
 *     (sched_gives_up: with the predictive rule, one whose headroom is
 *     already negative, which cannot make its deadline even alone; with
 *     the late rule, one already past its deadline) is dropped and the
 *     service's next query takes its place (every prediction held against
 *     a deadline here is padded by the run's margin, sched_padded);
 *  2. the most urgent query runs all its remaining ops in this group;
 *     the group may take as long as that query can afford: the time to its
 *     deadline (or, when it is already late, its solo time: a late query
 *     is not slowed further);
 *  3. the next most urgent queries are added whole while the predicted
 *     group duration stays within that budget and within their own
 *     deadlines (a query added whole ends with the group); the first that
 *     does not fit
 *     whole is cut: a multi-way search finds the largest op count that
 *     fits (each round evaluates `ways` cut points in one batched predictor
 *     call and narrows to the sub-range between the last fitting and the
 *     first failing point; it stops early once the budget left is under
 *     threshold), and the group is closed;
 *  4. the core runs the group; queries that finished are complete, cut ones
 *     keep their place and compete again.
 * Any number of services: the loops run over the heads, whatever their
 * count.
 *
 * With batching (sched_options.batching), each service's segment carries
 * the head and the queries queued behind it that may merge (sched.h),
 * merged into one batch, a run of them chosen by the deadlines it meets:
 *  - the most urgent service takes the run whose merged batch, alone,
 *    ends the most of its queries by their deadlines (the longest such
 *    run: a late urgent query rides in a full batch rather than alone);
 *  - each next service takes the run that, added whole, ends the most of
 *    the group's queries by their deadlines (one batched predictor call
 *    evaluates every run length), the longest such, as long as that is no
 *    fewer than without it; otherwise its longest run is cut by the
 *    search above within the time the group's on-time queries leave (to
 *    the earliest of their deadlines), so a cut advances every query it
 *    merged, and the group is closed.
 * So a query already late is paired, and a partner is cut only where
 * adding it whole would make an on-time query late. The count may trade:
 * a run that makes two of the urgent batch's queries late and brings
 * three of its own in time is taken, though its queries, left waiting,
 * could end in time in a later group; the urgent service's own run trades
 * alike (its longest run of the most in time may end its head late where
 * a shorter one ends it in time). keep_on_time (sched_options) takes no
 * such run: the urgent service takes its longest run that ends late none
 * of its queries that end in time in the shortest run holding them
 * (clockwork's run, where the head can end in time), and a next service's
 * run joins whole only where every query of the group that ends on time
 * without it still does; when none does, the longest run is cut within
 * the group's budget as above. Without batching
 * every run is one query long and the policy makes the very predictor
 * calls it always made; pair_late (sched_options) then lets a late urgent
 * query be paired too: the next query joins whole if it ends by its own
 * deadline, else is cut within it.
 *
 * keep_plan (sched_options, with the shed rule, without batching): the
 * shed rule keeps the queries that end in time run one after the other
 * in deadline order, its plan. A partner makes the group outlast the
 * urgent query's solo time, and every query due between the two waits
 * that much longer than planned (those due after the partner wait less:
 * its work is done in the overlap). So before a next query is added,
 * whole or cut, the budget also shrinks to the urgent query's solo time
 * plus the plan's least slack among the queries due before that one
 * (sched_plan_slack): overlap is taken where it makes no kept query late.
 *
 * by_deadline (sched_options): step 1 orders the heads by deadline,
 * earliest first, instead of by headroom; the rest is as above. Headroom
 * puts first the head whose own solo time is longest against its
 * deadline; with batching that head rides in a merged batch whose time
 * its own does not tell, and with one QoS target per pair the earliest
 * due is the oldest waiting query.
 */
#include <stdlib.h>
#include <string.h>

#include "sched.h"

typedef struct head {
	int svc;
	int64_t headroom; /* by_deadline: the time to the deadline */
	int64_t need; /* sched_remaining */
} head;

typedef struct abacus_ctx {
	int n_svc, ways;
	int n_cand;           /* candidate groups one predictor call may hold */
	head *heads;
	dev_group *cand;      /* n_cand candidate groups */
	dev_segment *cand_seg; /* n_cand x n_svc segments */
	int64_t *cand_ns;
	int *cut;
	int *ends;            /* n_cand ends, for the whole-run candidates */
	int64_t *dl;          /* batching: deadlines of the queries the group ends */
	int n_dl;
	/* each service's last sched_remaining, by what it reads of the query
	 * (batch, seq and next op; a predictor gives the same for the same):
	 * a head waits through many decisions */
	struct remaining {
		int batch, seq, op; /* op -1: none yet */
		int64_t ns;
	} *rem;
} abacus_ctx;

static void abacus_free(void *p)
{
	abacus_ctx *c = p;
	if (!c)
		return;
	free(c->heads);
	free(c->cand);
	free(c->cand_seg);
	free(c->cand_ns);
	free(c->cut);
	free(c->ends);
	free(c->dl);
	free(c->rem);
	free(c);
}

/* The largest run of queries a segment of the run may merge: every
 * service's max_batch of queries of batch 1, at most. */
static int most_merged(sched *s)
{
	int most = 1;
	if (!sched_opts(s)->batching)
		return 1;
	for (int i = 0; i < sched_n_services(s); i++)
		if (sched_service_at(s, i)->max_batch > most)
			most = sched_service_at(s, i)->max_batch;
	return most;
}

static int abacus_init(sched *s, void **out, char *err, size_t errlen)
{
	abacus_ctx *c = calloc(1, sizeof *c);
	int n = sched_n_services(s), w = sched_opts(s)->ways;
	if (w < 1)
		w = 1;
	int most = most_merged(s), nc = w > most ? w : most;
	if (c) {
		c->n_svc = n;
		c->ways = w;
		c->n_cand = nc;
		c->heads = calloc((size_t)n, sizeof *c->heads);
		c->cand = calloc((size_t)nc, sizeof *c->cand);
		c->cand_seg = calloc((size_t)nc * (size_t)n, sizeof *c->cand_seg);
		c->cand_ns = calloc((size_t)nc, sizeof *c->cand_ns);
		c->cut = calloc((size_t)w, sizeof *c->cut);
		c->ends = calloc((size_t)nc, sizeof *c->ends);
		c->dl = calloc((size_t)nc * (size_t)n, sizeof *c->dl);
		c->rem = malloc((size_t)n * sizeof *c->rem);
		for (int i = 0; c->rem && i < n; i++)
			c->rem[i].op = -1;
	}
	if (!c || !c->heads || !c->cand || !c->cand_seg || !c->cand_ns || !c->cut || !c->ends ||
	    !c->dl || !c->rem) {
		abacus_free(c);
		snprintf(err, errlen, "out of memory creating the abacus policy");
		return -1;
	}
	*out = c;
	return 0;
}

/* x before y: less headroom, then the lower service (a strict order:
 * services are distinct, so the sort below has one result) */
static int by_headroom(const head *x, const head *y)
{
	return x->headroom < y->headroom || (x->headroom == y->headroom && x->svc < y->svc);
}

/* A handful of heads, one per service: insertion beats qsort's setup. */
static void sort_heads(head *h, int n)
{
	for (int i = 1; i < n; i++) {
		head x = h[i];
		int j = i;
		for (; j > 0 && by_headroom(&x, &h[j - 1]); j--)
			h[j] = h[j - 1];
		h[j] = x;
	}
}

/* Predicted duration of g with the first `merge` queries of `svc`
 * added as [next_op, end), for each of n_ends ends (merge 0: the first
 * k + 1 queries for the k-th end), padded by the run's margin
 * (sched_padded). */
static int predict_with(sched *s, abacus_ctx *c, const sched_group *g, int svc, int merge,
                        const int *ends, int n_ends, int64_t *out)
{
	for (int k = 0; k < n_ends; k++) {
		dev_segment *seg = &c->cand_seg[(size_t)k * (size_t)c->n_svc];
		for (int j = 0; j < g->n; j++) /* a few: no call to memcpy */
			seg[j] = g->seg[j];
		seg[g->n] = sched_merged_seg(s, svc, merge ? merge : k + 1, ends[k]);
		c->cand[k] = (dev_group){g->n + 1, seg};
	}
	if (pred_predict(sched_group_pred(s), c->cand, n_ends, out))
		return -1;
	for (int k = 0; k < n_ends; k++)
		out[k] = sched_padded(s, out[k]);
	return 0;
}

static int fail(sched *s, const char *what)
{
	size_t len;
	char *e = sched_errbuf(s, &len);
	snprintf(e, len, "predictor failed while %s", what);
	return -1;
}

/* Largest end in (lo, hi) whose group fits in budget, by multi-way search;
 * lo when none does. hi is known not to fit. */
static int search(sched *s, abacus_ctx *c, const sched_group *g, int svc, int merge, int lo,
                  int hi, int64_t budget, int64_t base_ns, int64_t threshold, int *best)
{
	int64_t lo_ns = base_ns; /* predicted duration with the cut at lo */
	*best = lo;
	while (hi - lo > 1 && budget - lo_ns >= threshold) {
		int span = hi - lo, n = 0;
		for (int k = 1; k <= c->ways; k++) {
			int cut = lo + (int)(((int64_t)span * k + c->ways) / (c->ways + 1));
			if (cut <= lo)
				cut = lo + 1;
			if (cut >= hi)
				break;
			if (n == 0 || cut > c->cut[n - 1])
				c->cut[n++] = cut;
		}
		if (n == 0)
			break;
		if (predict_with(s, c, g, svc, merge, c->cut, n, c->cand_ns))
			return fail(s, "searching a cut point");
		int new_lo = lo, new_hi = hi;
		int64_t new_lo_ns = lo_ns;
		for (int k = 0; k < n; k++) {
			if (c->cand_ns[k] <= budget) {
				new_lo = c->cut[k];
				new_lo_ns = c->cand_ns[k];
			} else {
				new_hi = c->cut[k];
				break;
			}
		}
		lo = new_lo;
		lo_ns = new_lo_ns;
		hi = new_hi;
		*best = lo;
	}
	return 0;
}

/* Batching: of the queries the group ends (c->dl) and the first k of
 * svc's queue, how many end by their deadline if the group ends at t. */
static int on_time(sched *s, const abacus_ctx *c, int svc, int k, int64_t t)
{
	int n = 0;
	for (int i = 0; i < c->n_dl; i++)
		n += c->dl[i] >= t;
	for (int j = 0; j < k; j++)
		n += sched_queued(s, svc, (size_t)j)->deadline >= t;
	return n;
}

/* The first k of svc's queue end with the group. */
static void ends_with_group(sched *s, abacus_ctx *c, int svc, int k)
{
	for (int j = 0; j < k; j++)
		c->dl[c->n_dl++] = sched_queued(s, svc, (size_t)j)->deadline;
}

/* How long the group, ending its queries at now + ns, may still take
 * without making one that is on time late: to the earliest deadline among
 * them; ns when none is on time (a late query is not slowed further). */
static int64_t group_budget(const abacus_ctx *c, int64_t now, int64_t ns)
{
	int64_t d = INT64_MAX;
	for (int i = 0; i < c->n_dl; i++)
		if (c->dl[i] >= now + ns && c->dl[i] < d)
			d = c->dl[i];
	return d == INT64_MAX ? ns : d - now;
}

/* Batching, the urgent service: the run of its waiting queries whose
 * merged batch, alone, ends the most of them by their deadlines (the
 * longest such run); *solo becomes that batch's padded time. With
 * keep_on_time, the longest run that ends late none of its queries that
 * end on time in the shortest run holding them (clockwork's run when the
 * head can end on time; a head that cannot still rides in a batch). */
static int urgent_run(sched *s, abacus_ctx *c, int svc, int64_t now, int64_t *solo)
{
	int n = sched_mergeable(s, svc, c->n_cand), best = 1, best_on = -1;
	c->n_dl = 0;
	if (sched_opts(s)->keep_on_time) {
		int64_t least = INT64_MAX; /* earliest deadline of the run's on-time queries */
		for (int k = 1; k <= n; k++) {
			int64_t ns = sched_padded(s, sched_merged_remaining(s, svc, k));
			int64_t d = sched_queued(s, svc, (size_t)(k - 1))->deadline;
			if (d >= now + ns && d < least)
				least = d;
			if (k == 1 || least >= now + ns) {
				best = k;
				*solo = ns;
			}
		}
		ends_with_group(s, c, svc, best);
		return best;
	}
	for (int k = n; k >= 1; k--) {
		int64_t ns = sched_padded(s, sched_merged_remaining(s, svc, k));
		int on = on_time(s, c, svc, k, now + ns);
		if (on > best_on) {
			best_on = on;
			best = k;
			*solo = ns;
		}
	}
	ends_with_group(s, c, svc, best);
	return best;
}

/* Batching, a service after the urgent one: adds the run of its waiting
 * queries that, whole, ends the most queries of the group by their
 * deadlines, the longest such run, where that is no fewer than without it
 * (*added = 1); else cuts its longest run by the search within the group's
 * budget and closes the group (*added = 0). */
static int add_batched(sched *s, abacus_ctx *c, sched_group *g, int svc, int64_t now,
                       int64_t *base_ns, int64_t threshold, int *added)
{
	int n_ops = sched_service_at(s, svc)->model->n_ops;
	int n = sched_mergeable(s, svc, c->n_cand);
	for (int k = 0; k < n; k++)
		c->ends[k] = n_ops;
	if (predict_with(s, c, g, svc, 0, c->ends, n, c->cand_ns))
		return fail(s, "adding a whole batch");
	int best = 0, best_on = on_time(s, c, svc, 0, now + *base_ns), kept = best_on;
	for (int k = n; k >= 1; k--) {
		/* keep_on_time: no run that ends a query of the group late that
		 * would end on time without it, whatever it brings of its own */
		if (sched_opts(s)->keep_on_time &&
		    on_time(s, c, svc, 0, now + c->cand_ns[k - 1]) < kept)
			continue;
		int on = on_time(s, c, svc, k, now + c->cand_ns[k - 1]);
		if (on > best_on || (on == best_on && best == 0)) {
			best_on = on;
			best = k;
		}
	}
	*added = best > 0;
	if (best > 0) {
		sched_group_add_merged(s, g, svc, best, n_ops);
		ends_with_group(s, c, svc, best);
		*base_ns = c->cand_ns[best - 1];
		return 0;
	}
	int cut, start = sched_head(s, svc)->next_op;
	int64_t budget = group_budget(c, now, *base_ns);
	if (search(s, c, g, svc, n, start, n_ops, budget, *base_ns, threshold, &cut))
		return -1;
	if (cut > start)
		sched_group_add_merged(s, g, svc, n, cut);
	return 0;
}

/* sched_remaining of service i's head q, asked again only when it moved */
static int64_t remaining(sched *s, abacus_ctx *c, int i, const sched_query *q)
{
	struct remaining *r = &c->rem[i];
	if (r->op != q->next_op || r->batch != q->batch || r->seq != q->seq)
		*r = (struct remaining){q->batch, q->seq, q->next_op, sched_remaining(s, q)};
	return r->ns;
}

static int abacus_pick(sched *s, void *p, sched_group *g)
{
	abacus_ctx *c = p;
	int64_t now = sched_now(s);
	int nh = 0;
	for (int i = 0; i < c->n_svc; i++) {
		sched_query *q;
		while ((q = sched_head(s, i))) {
			int64_t need = remaining(s, c, i, q);
			int64_t hr = q->deadline - now;
			if (!sched_opts(s)->by_deadline)
				hr -= sched_padded(s, need);
			if (sched_gives_up(s, q, &need)) {
				sched_drop_head(s, i);
				continue;
			}
			c->heads[nh++] = (head){i, hr, need};
			break;
		}
	}
	if (nh == 0)
		return 0;
	sort_heads(c->heads, nh);

	int urgent = c->heads[0].svc;
	sched_query *uq = sched_head(s, urgent);
	int64_t solo = sched_padded(s, c->heads[0].need);
	int64_t budget = uq->deadline - now;
	if (budget < solo)
		budget = sched_opts(s)->pair_late ? INT64_MAX / 4 : solo;
	int k_urgent = sched_opts(s)->batching ? urgent_run(s, c, urgent, now, &solo) : 1;
	sched_group_add_merged(s, g, urgent, k_urgent, sched_service_at(s, urgent)->model->n_ops);
	if (nh == 1)
		return 0;

	/* the group as it stands, predicted once so the search can tell how
	 * much budget is left */
	int64_t base_ns = solo;
	int64_t threshold = sched_opts(s)->threshold;
	for (int h = 1; h < nh; h++) {
		int svc = c->heads[h].svc;
		sched_query *q = sched_head(s, svc);
		int n_ops = sched_service_at(s, svc)->model->n_ops;
		if (sched_opts(s)->batching) {
			int added;
			if (add_batched(s, c, g, svc, now, &base_ns, threshold, &added))
				return -1;
			if (added)
				continue;
			break;
		}
		int64_t whole;
		if (predict_with(s, c, g, svc, 1, &n_ops, 1, &whole))
			return fail(s, "adding a whole query");
		/* a query added whole finishes with the group, so the group must
		 * also end by its own deadline, which can come before the urgent
		 * query's when it needs less time */
		int64_t own = q->deadline - now;
		if (sched_opts(s)->keep_plan) {
			int64_t slack = sched_plan_slack(s, q->deadline);
			if (slack < budget - solo)
				budget = solo + slack;
		}
		if (whole <= budget && whole <= own) {
			sched_group_add(s, g, svc, n_ops);
			base_ns = whole;
			if (own < budget)
				budget = own;
			continue;
		}
		if (sched_opts(s)->pair_late && own < budget)
			budget = own; /* the late urgent query does not bound the cut */
		int best;
		if (search(s, c, g, svc, 1, q->next_op, n_ops, budget, base_ns, threshold, &best))
			return -1;
		if (best > q->next_op)
			sched_group_add(s, g, svc, best);
		break;
	}
	return 0;
}

const sched_policy sched_policy_abacus = {
    .name = "abacus",
    .summary = "deterministic operator overlap within the most urgent query's headroom",
    .reads = KIND_WAYS | KIND_THRESHOLD | KIND_PREDICTOR | KIND_BATCHING | KIND_PAIR_LATE |
             KIND_KEEP_PLAN | KIND_KEEP_ON_TIME | KIND_BY_DEADLINE,
    .init = abacus_init,
    .pick = abacus_pick,
    .free = abacus_free,
};
