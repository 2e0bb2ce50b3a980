/* worker.c: the loop of worker.h. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "heap.h"
#include "progress.h"
#include "text.h"

typedef struct wstate {
	int busy;
	int ended;      /* the device ran the group at launch (no launch of its own) */
	int64_t launch; /* when the group in flight started */
	int64_t end;    /* of a group that ended at launch */
	uint32_t gen;   /* launches so far: tells a stale entry of the ends heap */
	uint8_t ready;  /* on the ready list */
	uint8_t unknown; /* its group's end is learnt only when it comes */
	uint8_t dead;    /* its device was lost (device_lost): it takes nothing more */
	uint8_t idle;   /* in the idle heap */
} wstate;

/* A group's known end, in a min-heap by (end, worker): the earliest
 * first, ties to the first worker, as a scan in the workers' order picks. */
typedef struct wend {
	int64_t end;
	int k;
	uint32_t gen;
} wend;

typedef struct loop {
	worker *w;
	int n_w, n_svc;
	wstate *st;
	int *local;  /* [w * n_svc + s]: the run's service s as worker w's sched's, or -1 */
	int same;    /* every worker's sched's service s is the run's s: local needs no look */
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
	/* The events of many workers in O(log workers), not a scan of them:
	 * the busy count, the workers that may have a group to launch (idle,
	 * queries waiting), the known ends of the groups in flight (stale
	 * entries skipped as they surface), how many in flight end at a time
	 * learnt only then (a GPU: those are asked in turn, as before), and,
	 * for a controller, the idle workers with nothing queued, lowest index
	 * first. */
	int n_busy;
	int *ready, n_ready;
	wend *ends;
	int n_ends;
	size_t cap_ends;
	int n_unknown;
	int *idle, n_idle;
	int *none; /* dispatch_idle's */
	/* Workers lost (device_lost): for each service, the last one lost
	 * that served it (where an arrival with no live worker left is
	 * recorded, dropped), and what the run reports. */
	int *gone;
	int n_dead;
	char *lost;
	size_t lost_len;
	/* A streaming run's sink (worker_params.sink), and each worker's
	 * way to it */
	const worker_params *p;
	struct wsink {
		struct loop *lp;
		int k;
	} *ws;
	/* For a router that reads backlogs (view.earliest): each service's
	 * workers in classes of the same solo_key, each class a tournament
	 * tree of its members by (backlog, place in cand), kept as backlogs
	 * change (sched_on_backlog, through bk; bl: each worker's backlog as
	 * the trees last saw it); where[k * n_svc + s] is worker k's class
	 * << 16 | member (members < 2^16: worker_run's bound on workers); a
	 * service with the same workers as an earlier one uses
	 * its trees (of[s]). NULL hx: no index. */
	struct hclass {
		const void *key;
		int m, size;  /* members; leaves (a power of two) */
		int *pos;     /* [m]: each member's place in the service's cand */
		int *wk;      /* [m]: each member's worker */
		/* [2 * size]: node 1 the best member, each node its member's
		 * backlog and place packed (hx_node), so that a walk up compares
		 * in place; leaves past the members hold HX_NONE, which never
		 * wins */
		uint64_t *tree;
	} *hx;
	int *n_hx;    /* [s]: classes of service s, 0: not indexed */
	int *of;      /* [s]: the service whose classes s uses */
	int *where;   /* [k * n_svc + s]: class * n_w + member, or -1 */
	int64_t *bl;
	struct wsink *bk;
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
	sched_query q = {.arrival = a->t,
	                 .deadline = a->t + view_qos(v, a->service),
	                 .start = -1,
	                 .end = -1,
	                 .service = a->service,
	                 .batch = a->batch,
	                 .seq = a->seq,
	                 .state = SCHED_DROPPED};
	if (lp->p->sink) {
		lp->p->sink(lp->p->sink_ctx, &q);
		return;
	}
	if (buf_grow(&lp->drop, &lp->cap_drop, lp->n_drop + 1, sizeof *lp->drop)) {
		lp->oom = 1;
		return;
	}
	lp->drop[lp->n_drop++] = (struct dropped){.id = id, .q = q};
}

static int wend_before(const void *x, const void *y, const void *ctx)
{
	const wend *a = x, *b = y;
	return a->end < b->end || (a->end == b->end && a->k < b->k);
}

static int ends_push(loop *lp, int64_t end, int k)
{
	if ((size_t)lp->n_ends == lp->cap_ends &&
	    buf_grow(&lp->ends, &lp->cap_ends, (size_t)lp->n_ends + 1, sizeof *lp->ends))
		return -1;
	lp->ends[lp->n_ends] = (wend){end, k, lp->st[k].gen};
	heap_up(lp->ends, sizeof *lp->ends, (size_t)lp->n_ends++, wend_before, NULL);
	return 0;
}

static void ends_pop(loop *lp)
{
	heap_pop(lp->ends, sizeof *lp->ends, (size_t)lp->n_ends--, wend_before, NULL);
}

/* The earliest known end of a group still in flight, or NULL. */
static const wend *ends_top(loop *lp)
{
	while (lp->n_ends) {
		const wend *e = &lp->ends[0];
		if (lp->st[e->k].busy && e->gen == lp->st[e->k].gen)
			return e;
		ends_pop(lp);
	}
	return NULL;
}

static void ready_push(loop *lp, int k)
{
	if (!lp->st[k].ready) {
		lp->st[k].ready = 1;
		lp->ready[lp->n_ready++] = k;
	}
}

static int lower_worker(const void *x, const void *y, const void *ctx)
{
	return *(const int *)x < *(const int *)y;
}

static void idle_push(loop *lp, int k)
{
	if (lp->st[k].idle || lp->st[k].dead)
		return;
	lp->st[k].idle = 1;
	lp->idle[lp->n_idle] = k;
	heap_up(lp->idle, sizeof *lp->idle, (size_t)lp->n_idle++, lower_worker, NULL);
}

static int idle_pop(loop *lp)
{
	int top = lp->idle[0];
	heap_pop(lp->idle, sizeof *lp->idle, (size_t)lp->n_idle--, lower_worker, NULL);
	lp->st[top].idle = 0;
	return top;
}

static int sched_count(const worker *w)
{
	return sched_n_services(w->sched);
}

static int svc_of(const worker *w, int i)
{
	return w->services ? w->services[i] : i;
}

/* A worker's query leaves: to the run's sink, with the run's service. */
static void worker_sink(void *ctx, const sched_query *q)
{
	const struct wsink *ws = ctx;
	const loop *lp = ws->lp;
	sched_query x = *q;
	if (!lp->same)
		x.service = svc_of(&lp->w[ws->k], q->service);
	lp->p->sink(lp->p->sink_ctx, &x);
}

/* The indexed classes per service: more than this, the scan. */
#define HX_MAX 8

#define HX_NONE UINT64_MAX
/* Backlogs the index holds, ns: past it (78 hours queued) the scan. */
#define HX_BL_MAX ((int64_t)1 << 48)

/* Member m with backlog bl as one word: the better of two members (less
 * backlog, then the earlier place in cand, members being in cand's order,
 * as route_headroom's scan breaks ties) is the lesser word. */
static uint64_t hx_node(int64_t bl, int m)
{
	return (uint64_t)bl << 16 | (uint64_t)m;
}

static uint64_t hx_better(uint64_t a, uint64_t b)
{
	return b < a ? b : a;
}

/* Member j's backlog changed: up from its leaf while the best changes
 * (above a node that stays, nothing does). The best so far is carried
 * up and met with each sibling. */
static void hx_fix(const loop *lp, struct hclass *c, int j)
{
	int x = c->size + j;
	uint64_t best = hx_node(lp->bl[c->wk[j]], j);
	c->tree[x] = best;
	for (; x > 1; x /= 2) {
		best = hx_better(best, c->tree[x ^ 1]);
		if (best == c->tree[x / 2])
			break;
		c->tree[x / 2] = best;
	}
}

/* No index (the scan): a backlog out of its range. */
static void hx_off(loop *lp)
{
	for (int s = 0; s < lp->n_svc; s++)
		lp->n_hx[s] = 0;
}

/* Worker k's backlog changed. */
static void hx_changed(void *ctx)
{
	const struct wsink *b = ctx;
	loop *lp = b->lp;
	int64_t bl = sched_backlog(lp->w[b->k].sched);
	lp->bl[b->k] = bl;
	if (bl < 0 || bl >= HX_BL_MAX) {
		hx_off(lp);
		return;
	}
	for (int s = 0; s < lp->n_svc; s++) {
		int at = lp->where[b->k * lp->n_svc + s];
		if (at >= 0 && lp->n_hx[s] && lp->of[s] == s)
			hx_fix(lp, &lp->hx[s * HX_MAX + (at >> 16)], at & 0xffff);
	}
}

static void hx_free(loop *lp)
{
	if (lp->hx)
		for (int i = 0; i < lp->n_svc * HX_MAX; i++) {
			free(lp->hx[i].pos);
			free(lp->hx[i].wk);
			free(lp->hx[i].tree);
		}
	free(lp->hx);
	free(lp->n_hx);
	free(lp->of);
	free(lp->where);
	free(lp->bl);
	free(lp->bk);
	lp->hx = NULL;
}

/* Builds the index anew from the services' candidates (at the start, and
 * when a lost worker leaves them). A service whose workers fall in more
 * than HX_MAX classes, or one with no key, is left to the scan. */
static int hx_build(loop *lp)
{
	int n_w = lp->n_w, n_svc = lp->n_svc;
	if (!lp->hx) {
		lp->hx = calloc((size_t)n_svc * HX_MAX, sizeof *lp->hx);
		lp->n_hx = calloc((size_t)n_svc, sizeof *lp->n_hx);
		lp->of = calloc((size_t)n_svc, sizeof *lp->of);
		lp->where = malloc((size_t)n_w * (size_t)n_svc * sizeof *lp->where);
		lp->bl = calloc((size_t)n_w, sizeof *lp->bl);
		if (!lp->hx || !lp->n_hx || !lp->of || !lp->where || !lp->bl)
			return -1;
	}
	int in_range = 1;
	for (int k = 0; k < n_w; k++) {
		lp->bl[k] = sched_backlog(lp->w[k].sched);
		in_range &= lp->bl[k] >= 0 && lp->bl[k] < HX_BL_MAX;
	}
	for (int i = 0; i < n_w * n_svc; i++)
		lp->where[i] = -1;
	for (int s = 0; s < n_svc; s++) {
		const int *cand = &lp->cand[s * n_w];
		int n = lp->n_cand[s], n_c = 0;
		struct hclass *cls = &lp->hx[s * HX_MAX];
		for (int c = 0; c < HX_MAX; c++)
			cls[c].m = 0;
		lp->n_hx[s] = 0;
		lp->of[s] = s;
		for (int i = 0; i < n && n_c >= 0; i++) {
			const void *key = lp->w[cand[i]].solo_key;
			int c = 0;
			while (c < n_c && cls[c].key != key)
				c++;
			if (!key || c == HX_MAX)
				n_c = -1;
			else if (c == n_c)
				cls[n_c++].key = key;
		}
		if (n_c <= 0)
			continue;
		for (int s2 = 0; s2 < s && lp->of[s] == s; s2++)
			if (lp->n_hx[s2] && lp->of[s2] == s2 && lp->n_cand[s2] == n &&
			    !memcmp(&lp->cand[s2 * n_w], cand, (size_t)n * sizeof *cand))
				lp->of[s] = s2; /* the same workers: the same trees */
		lp->n_hx[s] = n_c;
		if (lp->of[s] != s)
			continue;
		int size = 1;
		while (size < n)
			size *= 2;
		for (int c = 0; c < n_c; c++) {
			free(cls[c].pos);
			free(cls[c].wk);
			free(cls[c].tree);
			cls[c].pos = malloc((size_t)n * sizeof *cls[c].pos);
			cls[c].wk = malloc((size_t)n * sizeof *cls[c].wk);
			cls[c].tree = malloc(2 * (size_t)size * sizeof *cls[c].tree);
			if (!cls[c].pos || !cls[c].wk || !cls[c].tree)
				return -1;
			cls[c].size = size;
			for (int x = 0; x < 2 * size; x++)
				cls[c].tree[x] = HX_NONE;
		}
		for (int i = 0; i < n; i++) {
			int c = 0;
			while (cls[c].key != lp->w[cand[i]].solo_key)
				c++;
			int j = cls[c].m++;
			cls[c].pos[j] = i;
			cls[c].wk[j] = cand[i];
			cls[c].tree[cls[c].size + j] = hx_node(lp->bl[cand[i]], j);
			lp->where[cand[i] * n_svc + s] = c << 16 | j;
		}
		for (int c = 0; c < n_c; c++)
			for (int x = cls[c].size - 1; x >= 1; x--)
				cls[c].tree[x] =
				    hx_better(cls[c].tree[2 * x], cls[c].tree[2 * x + 1]);
	}
	if (!in_range)
		hx_off(lp);
	return 0;
}

/* view.earliest: each class's best member (the least backlog there: its
 * members add the same solo time), then the least finish among those,
 * ties to the first in cand. */
static int view_earliest(const router_view *v, const load_arrival *a)
{
	const loop *lp = v->loop;
	int s = a->service, best = -1;
	int64_t first = 0;
	for (int c = 0; c < lp->n_hx[s]; c++) {
		const struct hclass *cl = &lp->hx[lp->of[s] * HX_MAX + c];
		int j = (int)(cl->tree[1] & 0xffff), i = cl->pos[j], k = cl->wk[j];
		int64_t finish = sched_backlog(lp->w[k].sched) + v->solo(v, k, a);
		if (best < 0 || finish < first || (finish == first && i < best)) {
			first = finish;
			best = i;
		}
	}
	return best;
}

static void loop_free(loop *lp)
{
	hx_free(lp);
	free(lp->st);
	free(lp->local);
	free(lp->cand);
	free(lp->n_cand);
	free(lp->at);
	free(lp->adm);
	free(lp->drop);
	free(lp->ws);
	free(lp->ready);
	free(lp->ends);
	free(lp->idle);
	free(lp->none);
	free(lp->gone);
	free(lp->lost);
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
	lp->ready = malloc(nw * sizeof *lp->ready);
	lp->idle = malloc(nw * sizeof *lp->idle);
	lp->none = malloc(nw * sizeof *lp->none);
	lp->gone = malloc(ns * sizeof *lp->gone);
	if (!lp->ready || !lp->idle || !lp->none || !lp->gone)
		return -1;
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
	lp->same = 1;
	for (size_t i = 0; i < nw * ns; i++)
		lp->same &= lp->local[i] == (int)(i % ns);
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
	lp->p = p;
	if (p->router->holds)
		for (int k = 0; k < n_w; k++)
			idle_push(lp, k);
	if (p->router->open && p->router->open(&lp->rctx, lp->n_svc, n_w))
		return -1;
	if (p->sink) {
		if (!(lp->ws = calloc(nw, sizeof *lp->ws)))
			return -1;
		for (int k = 0; k < n_w; k++) {
			lp->ws[k] = (struct wsink){lp, k};
			sched_set_sink(w[k].sched, worker_sink, &lp->ws[k]);
		}
	}
	if (p->router->reads_backlog) {
		for (int k = 0; k < n_w; k++)
			sched_track_backlog(w[k].sched);
		if (!(lp->bk = calloc(nw, sizeof *lp->bk)) || hx_build(lp))
			return -1;
		for (int k = 0; k < n_w; k++) {
			lp->bk[k] = (struct wsink){lp, k};
			sched_on_backlog(w[k].sched, hx_changed, &lp->bk[k]);
		}
		lp->view.earliest = view_earliest;
	}
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

/* Worker k's device is gone (device_lost): every query queued there,
 * the group in flight's included, is dropped; the routers pass it over
 * from now on; the run goes on with the others and says so. */
static void lose(loop *lp, int k, int64_t now)
{
	wstate *st = &lp->st[k];
	sched *s = lp->w[k].sched;
	size_t before = sched_waiting(s);
	for (int i = 0; i < sched_count(&lp->w[k]); i++)
		while (sched_head(s, i))
			sched_drop_head(s, i);
	if (st->busy) {
		st->busy = 0;
		lp->n_busy--;
	}
	if (st->unknown) {
		st->unknown = 0;
		lp->n_unknown--;
	}
	st->dead = 1;
	lp->n_dead++;
	for (int sv = 0; sv < lp->n_svc; sv++) {
		int *cand = &lp->cand[sv * lp->n_w], n = lp->n_cand[sv];
		for (int i = 0; i < n; i++)
			if (cand[i] == k) {
				memmove(&cand[i], &cand[i + 1], (size_t)(n - i - 1) * sizeof *cand);
				lp->n_cand[sv]--;
				lp->gone[sv] = k;
				break;
			}
	}
	if (lp->hx && hx_build(lp)) /* out of memory: the scan, which needs none */
		for (int sv = 0; sv < lp->n_svc; sv++)
			lp->n_hx[sv] = 0;
	size_t len = lp->lost ? strlen(lp->lost) : 0;
	char line[1024];
	int n = snprintf(line, sizeof line, "%s%s lost %.3f ms into the run (%s): its %zu queries "
	                 "in flight or queued dropped, %d of %d workers left",
	                 len ? "; " : "", lp->w[k].name ? lp->w[k].name : "a worker",
	                 (double)(now - sched_get_stats(s)->t0) / 1e6, device_errmsg(lp->w[k].dev),
	                 before, lp->n_w - lp->n_dead, lp->n_w);
	if (n > 0 && !buf_grow(&lp->lost, &lp->lost_len, len + (size_t)n + 1, 1))
		memcpy(lp->lost + len, line, (size_t)n + 1);
}

/* A device call on worker k failed: the run fails, unless the device is
 * gone for good and other workers remain (lose). */
static int device_fail(loop *lp, int k, int64_t now, char *err, size_t errlen)
{
	if (device_lost(lp->w[k].dev) && lp->n_w - lp->n_dead > 1) {
		lose(lp, k, now);
		return 0;
	}
	return worker_fail(lp, k, device_errmsg(lp->w[k].dev), err, errlen);
}

static void finish(loop *lp, int k)
{
	wstate *st = &lp->st[k];
	sched_ended(lp->w[k].sched, st->launch);
	st->busy = 0;
	lp->n_busy--;
	if (st->unknown) {
		st->unknown = 0;
		lp->n_unknown--;
	}
	if (sched_waiting(lp->w[k].sched))
		ready_push(lp, k);
	else if (lp->router->holds)
		idle_push(lp, k);
}

/* Queues arrival a at one of its service's workers. */
static int admit(loop *lp, const load_arrival *a, const router_kind *r, char *err, size_t errlen)
{
	if (a->service < 0 || a->service >= lp->n_svc)
		return text_fail(err, errlen, "load produced service %d of %d", a->service, lp->n_svc);
	if (r->holds) {
		lp->view.now = a->t;
		if (lp->n_dead && lp->n_arr < UINT32_MAX && lp->n_cand[a->service] == 0) {
			lp->n_held++; /* no live worker serves it: dropped as it comes */
			view_drop(&lp->view, a, lp->n_arr++);
			return 0;
		}
		if (lp->n_arr == UINT32_MAX || r->hold(lp->rctx, &lp->view, a, lp->n_arr))
			return text_fail(err, errlen, "out of memory holding query %u", lp->n_arr);
		lp->n_arr++;
		lp->n_held++;
		return 0;
	}
	int n = lp->n_cand[a->service];
	const int *cand = &lp->cand[a->service * lp->n_w];
	int k = n ? cand[0] : lp->gone[a->service]; /* none left: recorded there, dropped */
	if (n > 1) {
		lp->view.now = a->t;
		int i = r->route(&lp->view, a, cand, n);
		k = cand[i >= 0 && i < n ? i : 0];
	}
	load_arrival local = *a;
	if (!lp->same)
		local.service = lp->local[k * lp->n_svc + a->service];
	int keep = lp->n_w > 1 && !lp->p->sink; /* where each went, for merge */
	if (keep && buf_grow(&lp->at, &lp->cap_at, lp->n_at + 1, sizeof *lp->at))
		return text_fail(err, errlen, "out of memory queueing query %zu", lp->n_at);
	if (sched_admit(lp->w[k].sched, &local))
		return text_fail(err, errlen, "out of memory queueing a query on %s",
		                 lp->w[k].name ? lp->w[k].name : "a worker");
	if (keep)
		lp->at[lp->n_at++] = (uint16_t)k;
	if (lp->st[k].dead)
		sched_drop_head(lp->w[k].sched, local.service);
	else if (!lp->st[k].busy)
		ready_push(lp, k);
	return 0;
}

/* A controller's turn: every idle worker with nothing queued, in the
 * workers' order, gets the query the controller sends it, if any. */
static int dispatch_idle(loop *lp, int64_t now, char *err, size_t errlen)
{
	int n_none = 0; /* asked and given nothing: back in the heap after */
	int *none = lp->none;
	while (lp->n_idle && lp->n_held) {
		int k = idle_pop(lp);
		load_arrival a;
		uint32_t id;
		lp->view.now = now;
		int r = lp->router->dispatch(lp->rctx, &lp->view, k, &a, &id);
		if (r < 0 || lp->oom ||
		    (!lp->p->sink && buf_grow(&lp->adm, &lp->cap_adm, lp->n_adm + 1, sizeof *lp->adm)))
			return text_fail(err, errlen, "out of memory dispatching query %u", lp->n_arr);
		if (r == 0) {
			none[n_none++] = k;
			continue;
		}
		lp->n_held--;
		a.service = lp->local[k * lp->n_svc + a.service];
		if (sched_admit(lp->w[k].sched, &a))
			return text_fail(err, errlen, "out of memory queueing query %u", id);
		if (!lp->p->sink)
			lp->adm[lp->n_adm++] = (struct adm){id, (uint16_t)k};
		ready_push(lp, k);
	}
	for (int i = 0; i < n_none; i++)
		idle_push(lp, none[i]);
	return 0;
}

/* Every idle worker with queries waiting launches its policy's group.
 * Workers are independent here (each its own sched and device; a launch
 * does not move the clock), so the order they come in changes nothing. */
static int launch_idle(loop *lp, int64_t now, char *err, size_t errlen)
{
	while (lp->n_ready) {
		int k = lp->ready[--lp->n_ready];
		wstate *st = &lp->st[k];
		sched *s = lp->w[k].sched;
		st->ready = 0;
		if (st->busy || sched_waiting(s) == 0)
			continue;
		const dev_group *g;
		char msg[768];
		if (sched_next(s, now, &g, msg, sizeof msg))
			return worker_fail(lp, k, msg, err, errlen);
		if (g->n == 0) { /* the policy dropped every waiting query */
			if (lp->router->holds)
				idle_push(lp, k);
			continue;
		}
		int64_t *seg_end = sched_seg_end(s);
		if (device_launch(lp->w[k].dev, g, seg_end, &st->ended))
			return device_fail(lp, k, now, err, errlen);
		st->busy = 1;
		st->gen++;
		lp->n_busy++;
		st->launch = now;
		if (st->ended) {
			st->end = now;
			for (int i = 0; i < g->n; i++)
				if (seg_end[i] > st->end)
					st->end = seg_end[i];
			if (ends_push(lp, st->end, k))
				return text_fail(err, errlen, "out of memory launching a group");
		} else {
			int64_t e = device_group_end(lp->w[k].dev);
			if (e < 0) {
				st->unknown = 1;
				lp->n_unknown++;
			} else if (ends_push(lp, e, k)) {
				return text_fail(err, errlen, "out of memory launching a group");
			}
		}
	}
	return 0;
}

/* Waits for the first of: arrival time t_arr, a group's end. */
static int wait_event(loop *lp, int64_t now, int64_t t_arr, char *err, size_t errlen)
{
	if (lp->n_unknown == 0) {
		const wend *top = ends_top(lp);
		int first = top->k;
		int64_t e_first = top->end;
		if (e_first > t_arr) {
			if (device_wait_until(lp->w[0].dev, t_arr))
				return worker_fail(lp, 0, device_errmsg(lp->w[0].dev), err, errlen);
			return 0;
		}
		ends_pop(lp);
		if (!lp->st[first].ended) {
			device *d = lp->w[first].dev;
			int r = device_wait_group(d, e_first, sched_seg_end(lp->w[first].sched));
			if (r == 0) {
				/* its end moved later since it launched (the simulator's
				 * partitions sharing bandwidth, sim.h): wait for it anew */
				int64_t e = device_group_end(d);
				if (e < 0)
					return device_fail(lp, first, now, err, errlen);
				if (ends_push(lp, e, first))
					return text_fail(err, errlen, "out of memory waiting for a group");
				return 0;
			}
			if (r != 1)
				return device_fail(lp, first, now, err, errlen);
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
			return device_fail(lp, k, now, err, errlen);
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
		return device_fail(lp, waited_on, now, err, errlen);
	if (r == 1)
		finish(lp, waited_on);
	return 0;
}

static int busy_count(const loop *lp)
{
	return lp->n_busy;
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
	if (lp->p->sink)
		return 0; /* the sink had them */
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
	if (lp.lost) {
		out->lost = lp.lost; /* handed over */
		lp.lost = NULL;
	}
	if (merge(&lp, out) && rc >= 0)
		rc = text_fail(err, errlen, "out of memory gathering the queries");
	for (int k = 0; k < n_w; k++) {
		const sched_stats *s = sched_get_stats(w[k].sched);
		out->stats.groups += s->groups;
		out->stats.segments += s->segments;
		out->stats.decisions_ns += s->decisions_ns;
		out->stats.decisions_timed += s->decisions_timed;
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
	free(r->lost);
	r->lost = NULL;
	free(r->owned);
	r->owned = NULL;
	r->q = NULL;
	r->n = 0;
}
