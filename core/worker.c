/* worker.c: the loop of worker.h. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "progress.h"
#include "text.h"

typedef struct wstate {
	int busy;
	int ended;      /* the device ran the group at launch (no launch of its own) */
	int64_t launch; /* when the group in flight started */
	int64_t end;    /* of a group that ended at launch */
} wstate;

typedef struct loop {
	worker *w;
	int n_w, n_svc;
	wstate *st;
	int *local;  /* [w * n_svc + s]: the run's service s as worker w's sched's, or -1 */
	int *cand;   /* [s * n_w + k]: the k-th worker of service s */
	int *n_cand; /* [s] */
	uint16_t *at; /* the worker of each arrival, when there are several */
	size_t n_at, cap_at;
	router_view view;
	rng rng;
	/* A controller's (router_kind.holds): its state, the queries it
	 * holds, the arrivals so far (each one's id), its admissions in
	 * order (id, worker) and the queries it dropped. */
	const router_kind *router;
	void *rctx;
	size_t n_held;
	uint32_t n_arr;
	struct adm {
		uint32_t id;
		uint16_t k;
	} *adm;
	size_t n_adm, cap_adm;
	struct dropped {
		uint32_t id;
		sched_query q;
	} *drop;
	size_t n_drop, cap_drop;
	int oom;
} loop;

static size_t view_waiting(const router_view *v, int w)
{
	const loop *lp = v->loop;
	return sched_waiting(lp->w[w].sched);
}

static int64_t view_backlog(const router_view *v, int w)
{
	const loop *lp = v->loop;
	return sched_backlog(lp->w[w].sched);
}

static int64_t view_solo(const router_view *v, int w, const load_arrival *a)
{
	const loop *lp = v->loop;
	return sched_solo_ns(lp->w[w].sched, lp->local[w * lp->n_svc + a->service], a->batch, a->seq);
}

static int64_t view_qos(const router_view *v, int s)
{
	const loop *lp = v->loop;
	int k = lp->cand[s * lp->n_w];
	return sched_service_at(lp->w[k].sched, lp->local[k * lp->n_svc + s])->qos;
}

static int view_serves(const router_view *v, int w, int s)
{
	const loop *lp = v->loop;
	return lp->local[w * lp->n_svc + s] >= 0;
}

static int64_t view_padded(const router_view *v, int w, int64_t ns)
{
	const loop *lp = v->loop;
	return sched_padded(lp->w[w].sched, ns);
}

/* A query the controller gave up: dropped where it waited, never run. */
static void view_drop(const router_view *v, const load_arrival *a, uint32_t id)
{
	loop *lp = v->loop;
	lp->n_held--;
	if (buf_grow(&lp->drop, &lp->cap_drop, lp->n_drop + 1, sizeof *lp->drop)) {
		lp->oom = 1;
		return;
	}
	lp->drop[lp->n_drop++] = (struct dropped){
	    .id = id,
	    .q = {.arrival = a->t,
	          .deadline = a->t + view_qos(v, a->service),
	          .start = -1,
	          .end = -1,
	          .service = a->service,
	          .batch = a->batch,
	          .seq = a->seq,
	          .state = SCHED_DROPPED},
	};
}

static int sched_count(const worker *w)
{
	return sched_n_services(w->sched);
}

static int svc_of(const worker *w, int i)
{
	return w->services ? w->services[i] : i;
}

static void loop_free(loop *lp)
{
	free(lp->st);
	free(lp->local);
	free(lp->cand);
	free(lp->n_cand);
	free(lp->at);
	free(lp->adm);
	free(lp->drop);
	if (lp->router && lp->router->close)
		lp->router->close(lp->rctx);
}

static int loop_init(loop *lp, worker *w, int n_w, const worker_params *p)
{
	memset(lp, 0, sizeof *lp);
	lp->w = w;
	lp->n_w = n_w;
	lp->n_svc = p->n_services ? p->n_services : sched_count(&w[0]);
	size_t ns = (size_t)lp->n_svc, nw = (size_t)n_w;
	lp->st = calloc(nw, sizeof *lp->st);
	lp->local = malloc(nw * ns * sizeof *lp->local);
	lp->cand = malloc(nw * ns * sizeof *lp->cand);
	lp->n_cand = calloc(ns, sizeof *lp->n_cand);
	if (!lp->st || !lp->local || !lp->cand || !lp->n_cand)
		return -1;
	for (size_t i = 0; i < nw * ns; i++)
		lp->local[i] = -1;
	for (int k = 0; k < n_w; k++)
		for (int i = 0; i < sched_count(&w[k]); i++) {
			int s = svc_of(&w[k], i);
			if (s < 0 || s >= lp->n_svc || lp->local[k * lp->n_svc + s] >= 0)
				return -1; /* worker_check_placement's to say; a caller's bug here */
			lp->local[k * lp->n_svc + s] = i;
			lp->cand[s * n_w + lp->n_cand[s]++] = k;
		}
	rng_seed(&lp->rng, p->seed ^ 0x7a11e57a11e5ULL);
	lp->view = (router_view){
	    .waiting = view_waiting,
	    .backlog = view_backlog,
	    .solo = view_solo,
	    .rng = &lp->rng,
	    .loop = lp,
	    .qos = view_qos,
	    .serves = view_serves,
	    .drop = view_drop,
	    .padded = view_padded,
	};
	lp->router = p->router;
	if (p->router->open && p->router->open(&lp->rctx, lp->n_svc, n_w))
		return -1;
	if (p->router->reads_backlog)
		for (int k = 0; k < n_w; k++)
			sched_track_backlog(w[k].sched);
	return 0;
}

/* "partition 2: msg" where there are several workers; the message alone
 * where there is one, as a plain run says it. */
static int worker_fail(const loop *lp, int k, const char *msg, char *err, size_t errlen)
{
	if (lp->n_w == 1)
		return text_fail(err, errlen, "%s", msg);
	return text_fail(err, errlen, "%s: %s", lp->w[k].name ? lp->w[k].name : "worker", msg);
}

static void finish(loop *lp, int k)
{
	sched_ended(lp->w[k].sched, lp->st[k].launch);
	lp->st[k].busy = 0;
}

/* Queues arrival a at one of its service's workers. */
static int admit(loop *lp, const load_arrival *a, const router_kind *r, char *err, size_t errlen)
{
	if (a->service < 0 || a->service >= lp->n_svc)
		return text_fail(err, errlen, "load produced service %d of %d", a->service, lp->n_svc);
	if (r->holds) {
		lp->view.now = a->t;
		if (lp->n_arr == UINT32_MAX || r->hold(lp->rctx, &lp->view, a, lp->n_arr))
			return text_fail(err, errlen, "out of memory holding query %u", lp->n_arr);
		lp->n_arr++;
		lp->n_held++;
		return 0;
	}
	int n = lp->n_cand[a->service];
	const int *cand = &lp->cand[a->service * lp->n_w];
	int k = cand[0];
	if (n > 1) {
		lp->view.now = a->t;
		int i = r->route(&lp->view, a, cand, n);
		k = cand[i >= 0 && i < n ? i : 0];
	}
	load_arrival local = *a;
	local.service = lp->local[k * lp->n_svc + a->service];
	size_t n_q;
	sched_queries(lp->w[k].sched, &n_q);
	if (lp->n_w > 1 && buf_grow(&lp->at, &lp->cap_at, lp->n_at + 1, sizeof *lp->at))
		return text_fail(err, errlen, "out of memory queueing query %zu", lp->n_at);
	if (sched_admit(lp->w[k].sched, &local))
		return text_fail(err, errlen, "out of memory queueing query %zu", n_q);
	if (lp->n_w > 1)
		lp->at[lp->n_at++] = (uint16_t)k;
	return 0;
}

/* A controller's turn: every idle worker with nothing queued gets the
 * query the controller sends it, if any. */
static int dispatch_idle(loop *lp, int64_t now, char *err, size_t errlen)
{
	for (int k = 0; k < lp->n_w && lp->n_held; k++) {
		if (lp->st[k].busy || sched_waiting(lp->w[k].sched))
			continue;
		load_arrival a;
		uint32_t id;
		lp->view.now = now;
		int r = lp->router->dispatch(lp->rctx, &lp->view, k, &a, &id);
		if (r < 0 || lp->oom ||
		    buf_grow(&lp->adm, &lp->cap_adm, lp->n_adm + 1, sizeof *lp->adm))
			return text_fail(err, errlen, "out of memory dispatching query %u", lp->n_arr);
		if (r == 0)
			continue;
		lp->n_held--;
		a.service = lp->local[k * lp->n_svc + a.service];
		if (sched_admit(lp->w[k].sched, &a))
			return text_fail(err, errlen, "out of memory queueing query %u", id);
		lp->adm[lp->n_adm++] = (struct adm){id, (uint16_t)k};
	}
	return 0;
}

/* Every idle worker with queries waiting launches its policy's group. */
static int launch_idle(loop *lp, int64_t now, char *err, size_t errlen)
{
	for (int k = 0; k < lp->n_w; k++) {
		wstate *st = &lp->st[k];
		sched *s = lp->w[k].sched;
		if (st->busy || sched_waiting(s) == 0)
			continue;
		const dev_group *g;
		char msg[768];
		if (sched_next(s, now, &g, msg, sizeof msg))
			return worker_fail(lp, k, msg, err, errlen);
		if (g->n == 0)
			continue; /* the policy dropped every waiting query */
		int64_t *seg_end = sched_seg_end(s);
		if (device_launch(lp->w[k].dev, g, seg_end, &st->ended))
			return worker_fail(lp, k, device_errmsg(lp->w[k].dev), err, errlen);
		st->busy = 1;
		st->launch = now;
		if (st->ended) {
			st->end = now;
			for (int i = 0; i < g->n; i++)
				if (seg_end[i] > st->end)
					st->end = seg_end[i];
		}
	}
	return 0;
}

/* Waits for the first of: arrival time t_arr, a group's end. */
static int wait_event(loop *lp, int64_t now, int64_t t_arr, char *err, size_t errlen)
{
	int first = -1, known = 1;
	int64_t e_first = INT64_MAX;
	for (int k = 0; k < lp->n_w; k++) {
		if (!lp->st[k].busy)
			continue;
		int64_t e = lp->st[k].ended ? lp->st[k].end : device_group_end(lp->w[k].dev);
		if (e < 0)
			known = 0;
		else if (e < e_first) {
			e_first = e;
			first = k;
		}
	}
	if (known) {
		if (e_first > t_arr) {
			if (device_wait_until(lp->w[0].dev, t_arr))
				return worker_fail(lp, 0, device_errmsg(lp->w[0].dev), err, errlen);
			return 0;
		}
		if (!lp->st[first].ended) {
			device *d = lp->w[first].dev;
			if (device_wait_group(d, e_first, sched_seg_end(lp->w[first].sched)) != 1)
				return worker_fail(lp, first, device_errmsg(d), err, errlen);
		}
		finish(lp, first);
		return 0;
	}
	/* Some end is known only when it comes: ask each, then wait on one a
	 * little, never past the next arrival. */
	int waited_on = -1;
	for (int k = 0; k < lp->n_w; k++) {
		if (!lp->st[k].busy)
			continue;
		if (lp->st[k].ended) {
			finish(lp, k);
			return 0;
		}
		int r = device_wait_group(lp->w[k].dev, now, sched_seg_end(lp->w[k].sched));
		if (r < 0)
			return worker_fail(lp, k, device_errmsg(lp->w[k].dev), err, errlen);
		if (r == 1) {
			finish(lp, k);
			return 0;
		}
		if (waited_on < 0)
			waited_on = k;
	}
	int64_t until = now + WORKER_POLL_NS < t_arr ? now + WORKER_POLL_NS : t_arr;
	device *d = lp->w[waited_on].dev;
	int r = device_wait_group(d, until, sched_seg_end(lp->w[waited_on].sched));
	if (r < 0)
		return worker_fail(lp, waited_on, device_errmsg(d), err, errlen);
	if (r == 1)
		finish(lp, waited_on);
	return 0;
}

static int busy_count(const loop *lp)
{
	int n = 0;
	for (int k = 0; k < lp->n_w; k++)
		n += lp->st[k].busy;
	return n;
}

static int drive(loop *lp, const worker_params *p, char *err, size_t errlen)
{
	load *l = p->load;
	load_arrival next;
	/* Arrivals are relative to the run's start, which on a real GPU comes
	 * after setup has already taken device time. */
	int64_t t0 = device_now(lp->w[0].dev);
	for (int k = 0; k < lp->n_w; k++)
		sched_set_t0(lp->w[k].sched, t0);
	int have = load_next(l, &next);
	if (have == 1)
		next.t += t0;
	int64_t arrived = 0;
	for (;;) {
		if (have < 0)
			return text_fail(err, errlen, "%s", load_errmsg(l));
		if (p->stop && *p->stop)
			return 1;
		int64_t now = device_now(lp->w[0].dev);
		while (have == 1 && next.t <= now) {
			if (admit(lp, &next, p->router, err, errlen))
				return -1;
			if (p->progress && ++arrived % WORKER_PROGRESS_EVERY == 0)
				progress_update(p->progress, arrived);
			have = load_next(l, &next);
			if (have == 1)
				next.t += t0;
		}
		if (have < 0)
			continue;
		size_t held = lp->n_held;
		if (held && dispatch_idle(lp, now, err, errlen))
			return -1;
		if (launch_idle(lp, now, err, errlen))
			return -1;
		if (busy_count(lp) == 0) {
			/* every worker idle: the controller has handed each one a
			 * query or dropped what it held, or a policy dropped what it
			 * got; ask again */
			if (lp->n_held && lp->n_held < held)
				continue;
			if (lp->n_held)
				return text_fail(err, errlen, "router '%s' holds %zu queries and sends "
				                 "none to an idle worker", lp->router->name, lp->n_held);
			if (have == 0)
				return 0;
			if (device_wait_until(lp->w[0].dev, next.t))
				return worker_fail(lp, 0, device_errmsg(lp->w[0].dev), err, errlen);
			continue;
		}
		if (wait_event(lp, now, have == 1 ? next.t : INT64_MAX, err, errlen))
			return -1;
	}
}

/* A controller's queries in arrival order: those it sent to a worker and
 * those it dropped; any it still held when the run stopped early are
 * left out. */
static int merge_held(loop *lp, worker_result *out)
{
	size_t *cursor = calloc((size_t)lp->n_w, sizeof *cursor);
	unsigned char *have = calloc(lp->n_arr ? lp->n_arr : 1, 1);
	out->owned = malloc((lp->n_arr ? lp->n_arr : 1) * sizeof *out->owned);
	if (!cursor || !have || !out->owned) {
		free(cursor);
		free(have);
		return -1;
	}
	for (size_t i = 0; i < lp->n_adm; i++) {
		int k = lp->adm[i].k;
		size_t n;
		const sched_query *q = sched_queries(lp->w[k].sched, &n);
		sched_query x = q[cursor[k]++];
		x.service = svc_of(&lp->w[k], x.service);
		out->owned[lp->adm[i].id] = x;
		have[lp->adm[i].id] = 1;
	}
	for (size_t i = 0; i < lp->n_drop; i++) {
		out->owned[lp->drop[i].id] = lp->drop[i].q;
		have[lp->drop[i].id] = 1;
	}
	size_t n = 0;
	for (uint32_t i = 0; i < lp->n_arr; i++)
		if (have[i])
			out->owned[n++] = out->owned[i];
	free(cursor);
	free(have);
	out->q = out->owned;
	out->n = n;
	return 0;
}

/* Every query in arrival order, with the run's service indices. */
static int merge(loop *lp, worker_result *out)
{
	if (lp->router->holds)
		return merge_held(lp, out);
	if (lp->n_w == 1 && !lp->w[0].services) {
		out->q = sched_queries(lp->w[0].sched, &out->n);
		return 0;
	}
	if (lp->n_w == 1) /* one worker whose services are not in the run's order */
		sched_queries(lp->w[0].sched, &lp->n_at);
	size_t *cursor = calloc((size_t)lp->n_w, sizeof *cursor);
	out->owned = malloc((lp->n_at ? lp->n_at : 1) * sizeof *out->owned);
	if (!cursor || !out->owned) {
		free(cursor);
		return -1;
	}
	for (size_t i = 0; i < lp->n_at; i++) {
		int k = lp->n_w == 1 ? 0 : lp->at[i];
		size_t n;
		const sched_query *q = sched_queries(lp->w[k].sched, &n);
		sched_query x = q[cursor[k]++];
		x.service = svc_of(&lp->w[k], x.service);
		out->owned[i] = x;
	}
	free(cursor);
	out->q = out->owned;
	out->n = lp->n_at;
	return 0;
}

int worker_run(worker *w, int n_w, const worker_params *p, worker_result *out, char *err,
               size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->stats.first_arrival = -1;
	loop lp;
	if (n_w < 1 || n_w > UINT16_MAX)
		return text_fail(err, errlen, "a run needs between 1 and 65535 workers, got %d", n_w);
	if (loop_init(&lp, w, n_w, p)) {
		loop_free(&lp);
		return text_fail(err, errlen, "out of memory setting up the workers");
	}
	int rc = drive(&lp, p, err, errlen);
	if (merge(&lp, out) && rc >= 0)
		rc = text_fail(err, errlen, "out of memory gathering the queries");
	for (int k = 0; k < n_w; k++) {
		const sched_stats *s = sched_get_stats(w[k].sched);
		out->stats.groups += s->groups;
		out->stats.segments += s->segments;
		out->stats.decisions_ns += s->decisions_ns;
		if (s->first_arrival >= 0 &&
		    (out->stats.first_arrival < 0 || s->first_arrival < out->stats.first_arrival))
			out->stats.first_arrival = s->first_arrival;
		if (s->last_end > out->stats.last_end)
			out->stats.last_end = s->last_end;
		out->stats.t0 = s->t0;
	}
	loop_free(&lp);
	return rc;
}

void worker_result_free(worker_result *r)
{
	if (!r)
		return;
	free(r->owned);
	r->owned = NULL;
	r->q = NULL;
	r->n = 0;
}
