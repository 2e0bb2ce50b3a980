/* sched.c: queues, the event loop and the helpers policies build on.
 *
 * The loop is the hot path of a simulated run (a million queries should
 * take well under a second), so it allocates nothing per query beyond the
 * amortised growth of the query array and the queues.
 */
#include "sched.h"
#include "buf.h"
#include "clk.h"
#include "ring.h"
#include "router.h"
#include "worker.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The header's invariants, checked at the API's edge in debug builds, as
 * Lua's api_check does: a policy that breaks one stops at the call that
 * broke it, not later as a wrong latency. Release builds (NDEBUG) pay
 * nothing. */
#define sched_check(cond, msg) assert((cond) && (msg))

typedef ring queue; /* of uint32_t query ids */

struct sched {
	int n_svc;
	const sched_service *svc;
	const sched_policy *policy;
	void *policy_ctx;
	predictor *pred, *group_pred;
	sched_options opt;
	queue *queue;
	queue *late; /* SCHED_ABANDON_DEFER: each service's late queries, oldest first */
	sched_query *q;
	size_t n_q, cap_q;
	int64_t now;
	uint64_t n_decisions, time_mask; /* sched_next's, and the sample's (time_every - 1) */
	sched_group group;
	dev_group launched; /* the group sched_next gave, as the device takes it */
	int64_t *seg_end;
	size_t waiting;  /* queued, not yet done or dropped */
	int backlog_on;  /* keep backlog (routers that read it) */
	int64_t backlog; /* predicted solo ns of the waiting queries, whole */
	void (*on_backlog)(void *ctx); /* sched_on_backlog's */
	void *on_backlog_ctx;
	/* solo_whole's last answer: a router asks it of the query it then
	 * admits here (service -1: none) */
	struct {
		int service, batch, seq;
		int64_t ns;
	} last_solo;
	sched_stats stats;
	/* sched_set_sink: where a query goes once done or dropped, and the
	 * slots of s->q it left, for the next arrivals: a list through the
	 * slots themselves, the last left first (-1: none), each free slot's
	 * end the next one's index, so that taking a slot reads only the
	 * slot it then fills */
	void (*sink)(void *ctx, const sched_query *q);
	void *sink_ctx;
	int64_t free_head;
	/* SCHED_ABANDON_SHED's scratch: the waiting queries, their order by
	 * deadline and the heap of those kept */
	struct shed_item *shed;
	uint32_t *shed_order, *shed_heap;
	size_t cap_shed, cap_order, cap_heap;
	/* keep_plan: the kept queries' deadlines in order, and the least
	 * slack of each and those before it (sched_plan_slack) */
	int64_t *plan_dl, *plan_slack;
	size_t n_plan, cap_plan_dl, cap_plan_slack;
	char err[512];
};

/* The id of the k-th waiting query from the head (k < len). */
static uint32_t queue_at(const queue *qu, size_t k)
{
	return *(const uint32_t *)ring_at(qu, k, sizeof(uint32_t));
}

static int queue_push(queue *qu, uint32_t id)
{
	return ring_push(qu, &id, sizeof id);
}

static void queue_pop(queue *qu)
{
	ring_pop(qu);
}

sched *sched_new(const sched_service *svc, int n_svc, const sched_policy *policy,
                 predictor *pred, const sched_options *opt, char *err, size_t errlen)
{
	if (n_svc < 1) {
		snprintf(err, errlen, "a run needs at least one service");
		return NULL;
	}
	sched_check(svc && policy && policy->pick && pred && opt, "services, a policy, a predictor");
	sched *s = calloc(1, sizeof *s);
	if (!s)
		goto oom;
	s->n_svc = n_svc;
	s->svc = svc;
	s->policy = policy;
	s->pred = pred;
	s->opt = *opt;
	s->time_mask = opt->time_every > 1 ? (uint64_t)opt->time_every - 1 : 0;
	sched_check((s->time_mask & (s->time_mask + 1)) == 0, "time_every a power of two");
	s->queue = calloc((size_t)n_svc, sizeof *s->queue);
	s->late = calloc((size_t)n_svc, sizeof *s->late);
	s->group.seg = calloc((size_t)n_svc, sizeof *s->group.seg);
	s->group.qid = calloc((size_t)n_svc, sizeof *s->group.qid);
	s->seg_end = calloc((size_t)n_svc, sizeof *s->seg_end);
	s->cap_q = opt->expect_queries ? opt->expect_queries : 1024;
	s->q = malloc(s->cap_q * sizeof *s->q);
	if (!s->queue || !s->late || !s->group.seg || !s->group.qid || !s->seg_end || !s->q)
		goto oom;
	if (policy->init && policy->init(s, &s->policy_ctx, err, errlen)) {
		sched_free(s);
		return NULL;
	}
	s->stats.first_arrival = -1;
	s->last_solo.service = -1;
	s->free_head = -1;
	return s;
oom:
	sched_free(s);
	snprintf(err, errlen, "out of memory creating the scheduler");
	return NULL;
}

void sched_free(sched *s)
{
	if (!s)
		return;
	if (s->policy && s->policy->free)
		s->policy->free(s->policy_ctx);
	for (int i = 0; i < s->n_svc; i++) {
		if (s->queue)
			ring_free(&s->queue[i]);
		if (s->late)
			ring_free(&s->late[i]);
	}
	free(s->queue);
	free(s->late);
	free(s->group.seg);
	free(s->group.qid);
	free(s->seg_end);
	free(s->shed);
	free(s->shed_order);
	free(s->shed_heap);
	free(s->plan_dl);
	free(s->plan_slack);
	free(s->q);
	free(s);
}

/* The predicted solo time of a query's every op: what it adds to the
 * backlog when it comes and takes off when it leaves. */
static int64_t solo_whole(sched *s, const sched_query *q)
{
	if (q->service == s->last_solo.service && q->batch == s->last_solo.batch &&
	    q->seq == s->last_solo.seq)
		return s->last_solo.ns; /* a predictor gives the same for the same */
	dev_segment seg = {q->service, q->batch, q->seq, 0, s->svc[q->service].model->n_ops, 1};
	dev_group g = {1, &seg};
	int64_t ns = 0;
	if (pred_predict(s->pred, &g, 1, &ns))
		return 0;
	s->last_solo.service = q->service;
	s->last_solo.batch = q->batch;
	s->last_solo.seq = q->seq;
	s->last_solo.ns = ns;
	return ns;
}

/* A query leaves the queues, done or dropped. */
static void leave(sched *s, sched_query *q)
{
	s->waiting--;
	if (s->backlog_on) {
		s->backlog -= solo_whole(s, q);
		if (s->on_backlog)
			s->on_backlog(s->on_backlog_ctx);
	}
	if (s->sink) {
		s->sink(s->sink_ctx, q);
		/* forgotten: the slot's next tenant comes only with sched_admit */
		q->end = s->free_head;
		s->free_head = q - s->q;
	}
}

int sched_admit(sched *s, const load_arrival *a)
{
	sched_check(a->service >= 0 && a->service < s->n_svc, "an arrival for a service of the run");
	size_t slot = s->n_q;
	if (s->free_head >= 0) {
		slot = (size_t)s->free_head;
		s->free_head = s->q[slot].end;
	}
	if (slot == s->n_q && s->n_q == s->cap_q) {
		size_t cap = s->cap_q * 2;
		sched_query *n = realloc(s->q, cap * sizeof *n);
		if (!n)
			return -1;
		s->q = n;
		s->cap_q = cap;
	}
	if (slot >= UINT32_MAX)
		return -1;
	sched_query *q = &s->q[slot];
	q->arrival = a->t;
	q->deadline = a->t + s->svc[a->service].qos;
	q->start = q->end = -1;
	q->service = a->service;
	q->batch = a->batch;
	q->seq = a->seq;
	q->next_op = 0;
	q->state = SCHED_WAITING;
	q->moved = 0;
	if (queue_push(&s->queue[a->service], (uint32_t)slot))
		return -1;
	if (s->stats.first_arrival < 0)
		s->stats.first_arrival = a->t;
	if (slot == s->n_q)
		s->n_q++;
	s->waiting++;
	if (s->backlog_on) {
		s->backlog += solo_whole(s, q);
		if (s->on_backlog)
			s->on_backlog(s->on_backlog_ctx);
	}
	return 0;
}

#ifndef NDEBUG
/* The group invariant of sched.h, for sched_check. */
static int group_ok(const sched *s, const sched_group *g)
{
	if (g->n < 0 || g->n > s->n_svc)
		return 0;
	for (int k = 0; k < g->n; k++) {
		const dev_segment *seg = &g->seg[k];
		if (seg->service < 0 || seg->service >= s->n_svc)
			return 0;
		const queue *qu = &s->queue[seg->service];
		if (!qu->len || queue_at(qu, 0) != g->qid[k])
			return 0; /* only the head of a queue runs */
		const sched_query *q = &s->q[g->qid[k]];
		if (seg->start != q->next_op || seg->end <= seg->start ||
		    seg->end > s->svc[seg->service].model->n_ops)
			return 0;
		int nq = seg->queries > 1 ? seg->queries : 1;
		if ((size_t)nq > qu->len)
			return 0;
		int batch = 0, seq = 0;
		for (int j = 0; j < nq; j++) {
			const sched_query *m = &s->q[queue_at(qu, (size_t)j)];
			if (m->next_op != q->next_op || m->state != SCHED_WAITING)
				return 0; /* merged queries stand at one op */
			batch += m->batch;
			seq = m->seq > seq ? m->seq : seq;
		}
		if (batch != seg->batch || seq != seg->seq ||
		    (nq > 1 && batch > s->svc[seg->service].max_batch))
			return 0;
		for (int j = 0; j < k; j++)
			if (g->seg[j].service == seg->service)
				return 0;
	}
	return 1;
}
#endif

/* ---- SCHED_ABANDON_SHED: Moore and Hodgson's rule over the waiting
 * queries ---- */
struct shed_item {
	int64_t deadline, need; /* need: padded predicted remaining ns */
	int32_t service;
	uint8_t shed;
};

/* Queries in deadline order; ties by service then queue position (the
 * items are laid out service by service, in queue order). */
static int shed_before(const struct shed_item *it, uint32_t a, uint32_t b)
{
	if (it[a].deadline != it[b].deadline)
		return it[a].deadline < it[b].deadline;
	return a < b;
}

/* The kept query to shed first: the longest; of equals, the earlier due,
 * so that every query kept ends no later than had the later one gone. */
static int shed_above(const struct shed_item *it, uint32_t a, uint32_t b)
{
	if (it[a].need != it[b].need)
		return it[a].need > it[b].need;
	return shed_before(it, a, b);
}

static void heap_push(const struct shed_item *it, uint32_t *h, size_t *n, uint32_t x)
{
	size_t i = (*n)++;
	while (i > 0 && shed_above(it, x, h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
}

static uint32_t heap_pop(const struct shed_item *it, uint32_t *h, size_t *n)
{
	uint32_t top = h[0], x = h[--(*n)];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && shed_above(it, h[c + 1], h[c]))
			c++;
		if (!shed_above(it, h[c], x))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = x;
	return top;
}

/* keep_plan: the queries kept of the k judged, in deadline order, one
 * after the other from now; each one's deadline and the least slack of it
 * and those before it. -1 out of memory. */
static int plan(sched *s, size_t k)
{
	if (buf_grow(&s->plan_dl, &s->cap_plan_dl, k, sizeof *s->plan_dl) ||
	    buf_grow(&s->plan_slack, &s->cap_plan_slack, k, sizeof *s->plan_slack))
		return -1;
	int64_t t = s->now, least = INT64_MAX;
	for (size_t j = 0; j < k; j++) {
		const struct shed_item *x = &s->shed[s->shed_order[j]];
		if (x->shed)
			continue;
		t += x->need;
		if (x->deadline - t < least)
			least = x->deadline - t;
		s->plan_dl[s->n_plan] = x->deadline;
		s->plan_slack[s->n_plan++] = least;
	}
	return 0;
}

/* Drops the heads the rule sheds (sched.h, SCHED_ABANDON_SHED): each
 * service's queue is in deadline order already (one QoS, arrival order),
 * so the queues are merged by deadline, and the kept queries' predicted
 * times summed from now; whenever that sum ends past the deadline of the
 * query just taken, the longest kept one is shed. A service's queries
 * shed from its head on are dropped; one shed behind a kept query waits
 * to be judged again when it comes up. -1 out of memory. */
static int shed(sched *s)
{
	size_t n = s->waiting, k = 0, nh = 0;
	s->n_plan = 0;
	if (n == 0)
		return 0;
	if (buf_grow(&s->shed, &s->cap_shed, n, sizeof *s->shed) ||
	    buf_grow(&s->shed_order, &s->cap_order, n, sizeof *s->shed_order) ||
	    buf_grow(&s->shed_heap, &s->cap_heap, n > (size_t)s->n_svc ? n : (size_t)s->n_svc,
	             sizeof *s->shed_heap))
		return -1;
	for (int i = 0; i < s->n_svc; i++) {
		const queue *qu = &s->queue[i];
		for (size_t j = 0; j < qu->len; j++) {
			const sched_query *q = &s->q[queue_at(qu, j)];
			s->shed[k++] = (struct shed_item){q->deadline,
			                                  sched_padded(s, sched_remaining(s, q)), i, 0};
		}
	}
	/* the merge: next[i], the first of service i's items not yet taken;
	 * shed_heap holds next[] until the merge is done */
	uint32_t *next = s->shed_heap;
	size_t base = 0;
	for (int i = 0; i < s->n_svc; i++) {
		next[i] = (uint32_t)base;
		base += s->queue[i].len;
	}
	for (size_t j = 0; j < k; j++) {
		int best = -1;
		size_t end = 0;
		for (int i = 0; i < s->n_svc; i++) {
			end += s->queue[i].len;
			if (next[i] < end && (best < 0 || shed_before(s->shed, next[i], next[best])))
				best = i;
		}
		s->shed_order[j] = next[best]++;
	}
	int64_t t = s->now;
	for (size_t j = 0; j < k; j++) {
		uint32_t x = s->shed_order[j];
		heap_push(s->shed, s->shed_heap, &nh, x);
		t += s->shed[x].need;
		while (nh && t > s->shed[x].deadline) {
			uint32_t y = heap_pop(s->shed, s->shed_heap, &nh);
			s->shed[y].shed = 1;
			t -= s->shed[y].need;
		}
	}
	if (s->opt.keep_plan && plan(s, k))
		return -1;
	base = 0;
	for (int i = 0; i < s->n_svc; i++) {
		size_t len = s->queue[i].len;
		for (size_t j = 0; j < len && s->shed[base + j].shed; j++)
			sched_drop_head(s, i);
		base += len;
	}
	return 0;
}

/* ---- SCHED_ABANDON_DEFER (sched.h) ------------------------------------- */

/* q has not started and could not end by its deadline even alone */
static int hopeless(sched *s, const sched_query *q)
{
	return q->next_op == 0 && s->now + sched_padded(s, sched_remaining(s, q)) > q->deadline;
}

/* Each queue's hopeless heads to its service's late queue (hopeless stays
 * hopeless: a query not started needs as long later as now), one
 * predictor call a service and decision beyond the moves; then, where
 * nothing that can end in time waits, the oldest late query back to the
 * head of its queue, moved for good. Linear in the queries. */
static int defer(sched *s)
{
	int empty = 1, first = -1;
	for (int i = 0; i < s->n_svc; i++) {
		queue *qu = &s->queue[i];
		sched_query *q;
		while (qu->len && !(q = &s->q[queue_at(qu, 0)])->moved && hopeless(s, q)) {
			if (queue_push(&s->late[i], queue_at(qu, 0)))
				return -1;
			queue_pop(qu);
		}
		empty &= qu->len == 0;
		if (s->late[i].len && (first < 0 || s->q[queue_at(&s->late[i], 0)].arrival <
		                                        s->q[queue_at(&s->late[first], 0)].arrival))
			first = i;
	}
	if (empty && first >= 0) {
		uint32_t id = queue_at(&s->late[first], 0);
		if (queue_push(&s->queue[first], id))
			return -1;
		queue_pop(&s->late[first]);
		s->q[id].moved = 1;
	}
	return 0;
}

/* What the run's abandon rule does before the policy picks: 0, or -1 (out
 * of memory) with a message in s->err. */
static int before_pick(sched *s)
{
	if (s->opt.abandon == SCHED_ABANDON_DEFER && defer(s)) {
		snprintf(s->err, sizeof s->err, "out of memory deferring late queries");
		return -1;
	}
	if (s->opt.abandon == SCHED_ABANDON_SHED && shed(s)) {
		snprintf(s->err, sizeof s->err, "out of memory judging which queries to shed");
		return -1;
	}
	return 0;
}

int sched_next(sched *s, int64_t now, const dev_group **out, char *err, size_t errlen)
{
	s->now = now;
	int timed = (s->n_decisions++ & s->time_mask) == 0;
	int64_t decide_start = timed ? clk_ns() : 0;
	s->group.n = 0;
	if (before_pick(s)) {
		snprintf(err, errlen, "%s", s->err);
		return -1;
	}
	if (s->policy->pick(s, s->policy_ctx, &s->group)) {
		snprintf(err, errlen, "policy %s: %s", s->policy->name, s->err);
		return -1;
	}
	if (timed) {
		s->stats.decisions_ns += clk_ns() - decide_start;
		s->stats.decisions_timed++;
	}
	sched_check(s->group.n > 0 || s->waiting == 0,
	            "an empty group only when the policy dropped every waiting query");
	sched_check(group_ok(s, &s->group), "a group of queue heads, one segment per service, "
	            "each starting at its query's next op");
	s->launched.n = s->group.n;
	s->launched.seg = s->group.seg;
	*out = &s->launched;
	return 0;
}

int64_t *sched_seg_end(sched *s)
{
	return s->seg_end;
}

void sched_ended(sched *s, int64_t launch)
{
	const dev_group *g = &s->launched;
	s->stats.groups++;
	s->stats.segments += g->n;
	for (int k = 0; k < g->n; k++) {
		const dev_segment *seg = &s->group.seg[k];
		queue *qu = &s->queue[seg->service];
		int nq = seg->queries > 1 ? seg->queries : 1, done = 0;
		/* the merged queries, from the head on, each advanced as one */
		for (int j = 0; j < nq; j++) {
			sched_query *q = &s->q[queue_at(qu, (size_t)(j - done))];
			if (q->start < 0)
				q->start = launch;
			sched_check(seg->end > q->next_op, "next_op only grows");
			q->next_op = (int16_t)seg->end;
			if (seg->end == s->svc[seg->service].model->n_ops) {
				q->end = s->seg_end[k];
				q->state = SCHED_DONE;
				queue_pop(qu);
				done++;
				if (q->end > s->stats.last_end)
					s->stats.last_end = q->end;
				leave(s, q);
			}
		}
	}
}

size_t sched_waiting(const sched *s)
{
	return s->waiting;
}

void sched_track_backlog(sched *s)
{
	s->backlog_on = 1;
}

void sched_on_backlog(sched *s, void (*fn)(void *ctx), void *ctx)
{
	s->on_backlog = fn;
	s->on_backlog_ctx = ctx;
}

int64_t sched_backlog(const sched *s)
{
	return s->backlog;
}

int64_t sched_solo_ns(sched *s, int service, int batch, int seq)
{
	sched_query q = {.service = service, .batch = batch, .seq = seq};
	return solo_whole(s, &q);
}

void sched_set_t0(sched *s, int64_t t0)
{
	s->stats.t0 = t0;
}

int sched_run(sched *s, device *d, load *l, const volatile sig_atomic_t *stop, char *err,
              size_t errlen)
{
	worker w = {.sched = s, .dev = d, .name = "the GPU"};
	worker_params wp = {.router = router_find("direct"), .load = l, .stop = stop};
	worker_result wr;
	int rc = worker_run(&w, 1, &wp, &wr, err, errlen);
	worker_result_free(&wr);
	return rc;
}

int sched_decide(sched *s, int64_t now, sched_group *g)
{
	s->now = now;
	g->n = 0;
	if (before_pick(s))
		return -1;
	return s->policy->pick(s, s->policy_ctx, g);
}

void sched_set_sink(sched *s, void (*sink)(void *ctx, const sched_query *q), void *ctx)
{
	s->sink = sink;
	s->sink_ctx = ctx;
}

const sched_query *sched_queries(const sched *s, size_t *n)
{
	*n = s->n_q;
	return s->q;
}

const sched_stats *sched_get_stats(const sched *s)
{
	return &s->stats;
}

int sched_n_services(const sched *s)
{
	return s->n_svc;
}

const sched_service *sched_service_at(const sched *s, int i)
{
	return &s->svc[i];
}

int64_t sched_now(const sched *s)
{
	return s->now;
}

const sched_options *sched_opts(const sched *s)
{
	return &s->opt;
}

predictor *sched_pred(sched *s)
{
	return s->pred;
}

predictor *sched_group_pred(sched *s)
{
	return s->group_pred ? s->group_pred : s->pred;
}

void sched_set_group_pred(sched *s, predictor *p)
{
	s->group_pred = p;
}

sched_query *sched_head(sched *s, int i)
{
	sched_check(i >= 0 && i < s->n_svc, "a service of the run");
	queue *qu = &s->queue[i];
	return qu->len ? &s->q[queue_at(qu, 0)] : NULL;
}

uint32_t sched_head_id(const sched *s, int i)
{
	sched_check(i >= 0 && i < s->n_svc && s->queue[i].len > 0, "the head of a non-empty queue");
	return queue_at(&s->queue[i], 0);
}

void sched_drop_head(sched *s, int i)
{
	sched_query *q = sched_head(s, i);
	sched_check(q && q->state == SCHED_WAITING, "only a waiting head is dropped");
	q->state = SCHED_DROPPED;
	queue_pop(&s->queue[i]);
	leave(s, q);
}

int sched_gives_up(sched *s, const sched_query *q, const int64_t *need)
{
	switch (s->opt.abandon) {
	case SCHED_ABANDON_LATE:
		return s->now > q->deadline;
	case SCHED_ABANDON_PREDICTIVE:
	case SCHED_ABANDON_SHED: {
		int64_t ns = need ? *need : sched_remaining(s, q);
		return s->now + sched_padded(s, ns) > q->deadline;
	}
	case SCHED_ABANDON_PAIRED: {
		int64_t ns = sched_padded(s, need ? *need : sched_remaining(s, q));
		return s->now + ns > q->deadline ||
		       (s->queue[q->service].len > 1 && s->now + 2 * ns > q->deadline);
	}
	default:
		return 0;
	}
}

int64_t sched_remaining(sched *s, const sched_query *q)
{
	dev_segment seg = {q->service, q->batch, q->seq, q->next_op,
	                   s->svc[q->service].model->n_ops, 1};
	dev_group g = {1, &seg};
	int64_t ns = 0;
	if (pred_predict(s->pred, &g, 1, &ns))
		return INT64_MAX / 4;
	return ns;
}

int64_t sched_plan_slack(const sched *s, int64_t deadline)
{
	/* plan_dl is in deadline order: the first at or past `deadline` */
	size_t lo = 0, hi = s->n_plan;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->plan_dl[mid] < deadline)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? s->plan_slack[lo - 1] : INT64_MAX;
}

int64_t sched_padded(const sched *s, int64_t ns)
{
	double m = s->opt.margin;
	return m > 0 ? ns + (int64_t)((double)ns * m) : ns;
}

void sched_group_add(sched *s, sched_group *g, int i, int end)
{
	sched_group_add_merged(s, g, i, 1, end);
}

sched_query *sched_queued(sched *s, int i, size_t k)
{
	sched_check(i >= 0 && i < s->n_svc, "a service of the run");
	queue *qu = &s->queue[i];
	return k < qu->len ? &s->q[queue_at(qu, k)] : NULL;
}

int sched_mergeable(sched *s, int i, int most)
{
	sched_query *h = sched_queued(s, i, 0);
	if (!h)
		return 0;
	int k = 1, batch = h->batch, cap = s->svc[i].max_batch;
	sched_query *q;
	while (k < most && (q = sched_queued(s, i, (size_t)k)) && q->next_op == h->next_op &&
	       batch + q->batch <= cap) {
		batch += q->batch;
		k++;
	}
	return k;
}

void sched_merged(sched *s, int i, int k, int *batch, int *seq)
{
	int b = 0, sq = 0;
	for (int j = 0; j < k; j++) {
		const sched_query *q = sched_queued(s, i, (size_t)j);
		sched_check(q, "merging queries the queue holds");
		b += q->batch;
		sq = q->seq > sq ? q->seq : sq;
	}
	*batch = b;
	*seq = sq;
}

dev_segment sched_merged_seg(sched *s, int i, int k, int end)
{
	dev_segment seg = {i, 0, 0, sched_head(s, i)->next_op, end, k};
	sched_merged(s, i, k, &seg.batch, &seg.seq);
	return seg;
}

int64_t sched_merged_remaining(sched *s, int i, int k)
{
	dev_segment seg = sched_merged_seg(s, i, k, s->svc[i].model->n_ops);
	dev_group g = {1, &seg};
	int64_t ns = 0;
	if (pred_predict(s->pred, &g, 1, &ns))
		return INT64_MAX / 4;
	return ns;
}

void sched_group_add_merged(sched *s, sched_group *g, int i, int k, int end)
{
	sched_query *q = sched_head(s, i);
	(void)q; /* read by the checks alone */
	sched_check(q && q->state == SCHED_WAITING, "only a waiting head is scheduled");
	sched_check(end > q->next_op && end <= s->svc[i].model->n_ops,
	            "a segment is non-empty and within the model");
	sched_check(g->n < s->n_svc, "at most one segment per service");
	sched_check(k >= 1 && k <= sched_mergeable(s, i, k), "merged queries may merge");
	for (int j = 0; j < g->n; j++)
		sched_check(g->seg[j].service != i, "at most one segment per service");
	g->seg[g->n] = sched_merged_seg(s, i, k, end);
	g->qid[g->n] = sched_head_id(s, i);
	g->n++;
}

char *sched_errbuf(sched *s, size_t *len)
{
	*len = sizeof s->err;
	return s->err;
}
