/* lab.c: the `abacus` Lua table and the scenario runner.
 *
 * abacus.run{...} reads its table into a run_config field by field; each
 * reader names the field it wants ("services[2].batch") in its error, and
 * errors are raised with luaL_error so they carry the script's file:line.
 * Memory that must survive an error (the services array) is a userdata,
 * so a longjmp out of the reader leaks nothing.
 */
#include "lab.h"
#include "buf.h"
#include "progress.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abacus_lua.h"
#include "kind.h"
#include "load.h"
#include "pred_trained.h"
#include "hash.h"
#include "prof.h"
#include "router.h"
#include "run.h"
#include "sched.h"
#include "zoo.h"

#define LAB_KEY "abacus.lab"

static lab *get_lab(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* ---- field readers: the table is at index t ---- */

static const char *opt_string(lua_State *L, int t, const char *key, const char *where,
                              const char *def)
{
	int ty = lua_getfield(L, t, key);
	const char *s = def;
	if (ty == LUA_TSTRING) {
		size_t len;
		s = lua_tolstring(L, -1, &len);
		if (strlen(s) != len) /* C would read only up to the NUL */
			luaL_error(L, "abacus.run: field '%s%s' holds a NUL byte", where, key);
	} else if (ty != LUA_TNIL)
		luaL_error(L, "abacus.run: field '%s%s' must be a string, got %s", where, key,
		           luaL_typename(L, -1));
	lua_pop(L, 1); /* the string stays alive: the table holds it */
	return s;
}

static double opt_number(lua_State *L, int t, const char *key, const char *where, double def,
                         int *present)
{
	int ty = lua_getfield(L, t, key);
	double v = def;
	if (present)
		*present = ty != LUA_TNIL;
	if (ty == LUA_TNUMBER)
		v = lua_tonumber(L, -1);
	else if (ty != LUA_TNIL)
		luaL_error(L, "abacus.run: field '%s%s' must be a number, got %s", where, key,
		           luaL_typename(L, -1));
	if (ty == LUA_TNUMBER && !isfinite(v))
		luaL_error(L, "abacus.run: field '%s%s' must be a finite number", where, key);
	lua_pop(L, 1);
	return v;
}

static lua_Integer opt_integer(lua_State *L, int t, const char *key, const char *where,
                               lua_Integer def)
{
	int ty = lua_getfield(L, t, key);
	lua_Integer v = def;
	if (ty == LUA_TNUMBER) {
		int ok;
		v = lua_tointegerx(L, -1, &ok);
		if (!ok)
			luaL_error(L, "abacus.run: field '%s%s' must be an integer, got %s", where, key,
			           lua_tostring(L, -1));
	} else if (ty != LUA_TNIL) {
		luaL_error(L, "abacus.run: field '%s%s' must be an integer, got %s", where, key,
		           luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	return v;
}

/* abandon: false (off), true (today's rule, "predictive") or a rule by
 * name (enum sched_abandon). */
static int opt_abandon(lua_State *L, int t)
{
	static const char *const names[] = {"off",  "predictive", "late", "paired",
	                                    "shed", "defer",      NULL};
	int ty = lua_getfield(L, t, "abandon");
	int v = SCHED_ABANDON_OFF;
	if (ty == LUA_TBOOLEAN) {
		v = lua_toboolean(L, -1) ? SCHED_ABANDON_PREDICTIVE : SCHED_ABANDON_OFF;
	} else if (ty == LUA_TSTRING) {
		const char *k = lua_tostring(L, -1);
		v = -1;
		for (int i = 0; names[i]; i++)
			if (strcmp(k, names[i]) == 0)
				v = i;
		if (v < 0)
			luaL_error(L,
			           "abacus.run: field 'abandon' must be off, predictive, late, "
			           "paired, shed or defer (or a boolean), got '%s'",
			           k);
	} else if (ty != LUA_TNIL) {
		luaL_error(L,
		           "abacus.run: field 'abandon' must be a boolean or off, predictive, "
		           "late, paired, shed or defer, got %s",
		           luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	return v;
}

static int opt_bool(lua_State *L, int t, const char *key, const char *where, int def)
{
	int ty = lua_getfield(L, t, key);
	int v = def;
	if (ty == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1);
	else if (ty != LUA_TNIL)
		luaL_error(L, "abacus.run: field '%s%s' must be a boolean, got %s", where, key,
		           luaL_typename(L, -1));
	lua_pop(L, 1);
	return v;
}

/* share_bw: true (-1, the GPU's datasheet bandwidth), false or absent
 * (0, off), or TB/s above 0. */
static double opt_share_bw(lua_State *L, int t)
{
	int ty = lua_getfield(L, t, "share_bw");
	double v = 0;
	if (ty == LUA_TBOOLEAN)
		v = lua_toboolean(L, -1) ? -1 : 0;
	else if (ty == LUA_TNUMBER && (v = lua_tonumber(L, -1), !(v > 0 && isfinite(v))))
		luaL_error(L, "abacus.run: field 'share_bw' must be true, false or TB/s above 0, got %s",
		           lua_tostring(L, -1));
	else if (ty != LUA_TNIL && ty != LUA_TNUMBER)
		luaL_error(L, "abacus.run: field 'share_bw' must be true, false or TB/s, got %s",
		           luaL_typename(L, -1));
	lua_pop(L, 1);
	return v;
}

/* The length of the list at index t, the field where+key of the
 * scenario, read strictly: its keys are exactly 1 to its length, so that a
 * hole ({[1] = a, [3] = b}) or a key that is no index ({1, 2, x = 3}) is
 * an error instead of a list that is silently shorter. A table that
 * answers through __len and __index is read through them (its own keys
 * are checked all the same). Every list of a scenario is read with this
 * and list_item. */
static lua_Integer list_len(lua_State *L, int t, const char *where, const char *key)
{
	t = lua_absindex(L, t);
	lua_Integer n = luaL_len(L, t);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1)) {
			if (lua_type(L, -1) == LUA_TSTRING)
				luaL_error(L, "abacus.run: field '%s%s' is a list, so it cannot have the key "
				           "'%s'", where, key, lua_tostring(L, -1));
			luaL_error(L, "abacus.run: field '%s%s' is a list, so it cannot have the key %s",
			           where, key, luaL_tolstring(L, -1, NULL));
		}
		lua_Integer k = lua_tointeger(L, -1);
		if (k < 1)
			luaL_error(L, "abacus.run: field '%s%s' is a list, so it cannot have the index "
			           "[%I]: a list starts at [1]", where, key, k);
		if (k > n) /* n is a border: [n + 1] is missing */
			luaL_error(L, "abacus.run: field '%s%s' has a hole: [%I] is missing but [%I] is "
			           "given (a list runs from [1] with no gaps)", where, key, n + 1, k);
	}
	return n;
}

/* Pushes item i of the list at index t (list_len's where+key); a nil
 * inside the length is a hole. */
static int list_item(lua_State *L, int t, lua_Integer i, const char *where, const char *key)
{
	int ty = lua_geti(L, t, i);
	if (ty == LUA_TNIL)
		luaL_error(L, "abacus.run: field '%s%s' has a hole: [%I] is missing", where, key, i);
	return ty;
}

/* Item i of list t, field `where``key`: a 1-based number of a `what`, 1 to
 * max; its 0-based index. */
static int list_number(lua_State *L, int t, lua_Integer i, const char *where, const char *key,
                       const char *what, int max)
{
	int ok;
	list_item(L, t, i, where, key);
	lua_Integer v = lua_tointegerx(L, -1, &ok);
	if (!ok || v < 1 || v > max)
		luaL_error(L, "abacus.run: field '%s%s[%d]' must be a %s number, 1 to %d, got %s", where,
		           key, (int)i, what, max, luaL_tolstring(L, -1, NULL));
	lua_pop(L, 1);
	return (int)v - 1;
}

static int has_field(lua_State *L, int t, const char *key)
{
	int given = lua_getfield(L, t, key) != LUA_TNIL;
	lua_pop(L, 1);
	return given;
}

/* A positive integer or a list of them. Returns the count. */
static int int_list(lua_State *L, int t, const char *key, const char *where, int *out, int max)
{
	int ty = lua_getfield(L, t, key);
	int n = 0;
	if (ty == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (ty == LUA_TNUMBER) {
		int ok;
		lua_Integer v = lua_tointegerx(L, -1, &ok);
		if (!ok || v < 1 || v > 1 << 20)
			luaL_error(L, "abacus.run: field '%s%s' must be a positive integer, got %s", where,
			           key, lua_tostring(L, -1));
		out[n++] = (int)v;
	} else if (ty == LUA_TTABLE) {
		lua_Integer len = list_len(L, -1, where, key);
		if (len < 1)
			luaL_error(L, "abacus.run: field '%s%s' is an empty list", where, key);
		if (len > max)
			luaL_error(L, "abacus.run: field '%s%s' has %d values, at most %d allowed", where,
			           key, (int)len, max);
		for (lua_Integer i = 1; i <= len; i++) {
			int ok;
			list_item(L, -1, i, where, key);
			lua_Integer v = lua_tointegerx(L, -1, &ok);
			if (!ok || v < 1 || v > 1 << 20)
				luaL_error(L, "abacus.run: field '%s%s[%d]' must be a positive integer, got %s",
				           where, key, (int)i, luaL_tolstring(L, -1, NULL));
			out[n++] = (int)v;
			lua_pop(L, 1);
		}
	} else {
		luaL_error(L, "abacus.run: field '%s%s' must be a number or a list of numbers, got %s",
		           where, key, luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	return n;
}

/* Rejects keys not in `known` (NULL-terminated): a typo must not pass
 * silently as a default. */
static void check_keys(lua_State *L, int t, const char *where, const char *const *known)
{
	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "abacus.run: '%s' has a non-string key %s", where[0] ? where : "table",
			           luaL_tolstring(L, -1, NULL));
		const char *k = lua_tostring(L, -1);
		int ok = 0;
		for (int i = 0; known[i]; i++)
			ok |= strcmp(k, known[i]) == 0;
		if (!ok) {
			luaL_Buffer b;
			luaL_buffinit(L, &b);
			for (int i = 0; known[i]; i++) {
				if (i)
					luaL_addstring(&b, ", ");
				luaL_addstring(&b, known[i]);
			}
			luaL_pushresult(&b);
			luaL_error(L, "abacus.run: unknown field '%s%s' (valid: %s)", where, k,
			           lua_tostring(L, -1));
		}
	}
}

static const char *const run_keys[] = {
    "name",       "device",    "gpu",       "services",     "policy",         "load",
    "queries",    "seed",      "ways",      "threshold_ms", "threshold_qos",  "margin",
    "abandon",    "noise",     "kappa",     "share",        "group_us",       "share_bw",
    "tf32",       "graphs",    "conv_gemm", "fp16",         "nhwc",           "fuse_add",
    "ws_all",     "fc_lt",     "dw",        "attn_tc",      "launch_threads", "store_queries",
    "profile",    "data_dir",  "predictor", "tags",         "partitions",     "router",
    "batching",   "pair_late", "keep_plan", "keep_on_time", "by_deadline",    "gpus",
    "per_minute", "stream",    NULL};
static const char *const part_keys[] = {"sms", "services", NULL};
static const char *const svc_keys[] = {"model", "batch", "seq", "qos_ms", "qps", "max_batch", "gpus", NULL};
static const char *const load_keys[] = {"kind", "qps", "file", "time_scale", "qps_scale", NULL};

static void read_services(lua_State *L, int t, run_config *c)
{
	if (lua_getfield(L, t, "services") != LUA_TTABLE)
		luaL_error(L, "abacus.run: field 'services' must be a list of tables, got %s",
		           luaL_typename(L, -1));
	int st = lua_gettop(L);
	lua_Integer n = list_len(L, st, "", "services");
	if (n < 1)
		luaL_error(L, "abacus.run: field 'services' is empty: a run needs at least one service");
	if (n > 1024)
		luaL_error(L, "abacus.run: field 'services' has %d entries, at most 1024", (int)n);
	/* The array lives on this call's stack (below the services table once
	 * that is popped) until abacus.run returns: a registry slot would be
	 * shared with a nested abacus.run (a metamethod may call one) and
	 * freed under this one. */
	c->svc = lua_newuserdatauv(L, (size_t)n * sizeof *c->svc, 0);
	memset(c->svc, 0, (size_t)n * sizeof *c->svc);
	lua_insert(L, st);
	st++;
	c->n_svc = (int)n;
	for (lua_Integer i = 1; i <= n; i++) {
		char where[48];
		snprintf(where, sizeof where, "services[%d].", (int)i);
		if (list_item(L, st, i, "", "services") != LUA_TTABLE)
			luaL_error(L, "abacus.run: field 'services[%d]' must be a table, got %s", (int)i,
			           luaL_typename(L, -1));
		int s = lua_gettop(L);
		check_keys(L, s, where, svc_keys);
		run_service *rs = &c->svc[i - 1];
		const char *model = opt_string(L, s, "model", where, NULL);
		if (!model)
			luaL_error(L, "abacus.run: field '%smodel' is missing", where);
		snprintf(rs->model, sizeof rs->model, "%s", model);
		rs->n_batches = int_list(L, s, "batch", where, rs->batches, RUN_MAX_CHOICES);
		if (rs->n_batches == 0)
			luaL_error(L, "abacus.run: field '%sbatch' is missing (a number or a list)", where);
		rs->n_seqs = int_list(L, s, "seq", where, rs->seqs, RUN_MAX_CHOICES);
		int present;
		rs->qos_ms = opt_number(L, s, "qos_ms", where, 0, &present);
		if (!present)
			luaL_error(L, "abacus.run: field '%sqos_ms' is missing", where);
		rs->qps = opt_number(L, s, "qps", where, 0, NULL);
		lua_Integer mb = opt_integer(L, s, "max_batch", where, 0);
		if (has_field(L, s, "max_batch") && (mb < 1 || mb > 4096)) /* before the cast */
			luaL_error(L, "abacus.run: field '%smax_batch' must be between 1 and 4096, got %I",
			           where, mb);
		rs->max_batch = (int)mb;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* partitions = { { sms = 64, services = {1, 2} }, ... }: sms a count (an
 * integer), a share (a number in (0, 1]) or a preset ("2g"); part.h
 * resolves and checks them against the GPU. The arrays live in a
 * userdata on this call's stack, as the services do. */
static void read_partitions(lua_State *L, int t, run_config *c)
{
	int ty = lua_getfield(L, t, "partitions");
	if (ty == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (ty != LUA_TTABLE)
		luaL_error(L, "abacus.run: field 'partitions' must be a list of tables, got %s",
		           luaL_typename(L, -1));
	int pt = lua_gettop(L);
	lua_Integer n = list_len(L, pt, "", "partitions");
	if (n < 1)
		luaL_error(L, "abacus.run: field 'partitions' is empty (leave it out for the whole GPU)");
	if (n > RUN_MAX_PARTS)
		luaL_error(L, "abacus.run: field 'partitions' has %d entries, at most %d", (int)n,
		           RUN_MAX_PARTS);
	size_t per = (size_t)c->n_svc;
	size_t bytes = (size_t)n * sizeof *c->parts + (size_t)n * per * sizeof(int);
	c->parts = lua_newuserdatauv(L, bytes, 0);
	memset(c->parts, 0, bytes);
	int *svc = (int *)(c->parts + n);
	lua_insert(L, pt);
	pt++;
	c->n_parts = (int)n;
	for (lua_Integer k = 1; k <= n; k++) {
		char where[48];
		snprintf(where, sizeof where, "partitions[%d].", (int)k);
		if (list_item(L, pt, k, "", "partitions") != LUA_TTABLE)
			luaL_error(L, "abacus.run: field 'partitions[%d]' must be a table, got %s", (int)k,
			           luaL_typename(L, -1));
		int e = lua_gettop(L);
		check_keys(L, e, where, part_keys);
		run_partition *rp = &c->parts[k - 1];
		rp->services = svc + (size_t)(k - 1) * per;
		int sty = lua_getfield(L, e, "sms");
		if (sty == LUA_TSTRING) {
			const char *ps = lua_tostring(L, -1);
			if (strlen(ps) >= sizeof rp->size.preset)
				luaL_error(L, "abacus.run: field '%ssms' = \"%s\" is not a preset (1g, 2g, 3g, "
				           "4g, 7g)", where, ps);
			snprintf(rp->size.preset, sizeof rp->size.preset, "%s", ps);
		} else if (sty == LUA_TNUMBER && lua_isinteger(L, -1)) {
			lua_Integer v = lua_tointeger(L, -1);
			if (v < 1 || v > 1 << 16)
				luaL_error(L, "abacus.run: field '%ssms' = %I: a count of SMs is positive", where,
				           v);
			rp->size.sms = (int)v;
		} else if (sty == LUA_TNUMBER) {
			double v = lua_tonumber(L, -1);
			if (!(v > 0 && v <= 1)) {
				char num[32]; /* lua_pushfstring has no %g */
				snprintf(num, sizeof num, "%g", v);
				luaL_error(L, "abacus.run: field '%ssms' = %s: a share of the GPU's SMs is above 0 "
				           "and at most 1 (a count is an integer)", where, num);
			}
			rp->size.share = v;
		} else {
			luaL_error(L, "abacus.run: field '%ssms' must be a count of SMs, a share of them or "
			           "a preset (\"2g\"), got %s", where, luaL_typename(L, -1));
		}
		lua_pop(L, 1);
		if (lua_getfield(L, e, "services") != LUA_TTABLE)
			luaL_error(L, "abacus.run: field '%sservices' must be a list of service numbers, got %s",
			           where, luaL_typename(L, -1));
		lua_Integer ns = list_len(L, -1, where, "services");
		if (ns > c->n_svc)
			luaL_error(L, "abacus.run: field '%sservices' has %d entries, the run %d services",
			           where, (int)ns, c->n_svc);
		for (lua_Integer i = 1; i <= ns; i++)
			rp->services[i - 1] = list_number(L, -1, i, where, "services", "service", c->n_svc);
		rp->n_services = (int)ns;
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
}

/* gpus = N, and services[i].gpus = {1, 3}: the GPUs a service is placed
 * on (every GPU where no service says). The matrix lives in a userdata
 * on this call's stack, as the services do. */
static void read_gpus(lua_State *L, int t, run_config *c)
{
	lua_Integer g = opt_integer(L, t, "gpus", "", 0);
	int given = has_field(L, t, "gpus");
	if (given && (g < 1 || g > RUN_MAX_GPUS))
		luaL_error(L, "abacus.run: field 'gpus' must be between 1 and %d, got %I", RUN_MAX_GPUS,
		           g);
	c->gpus = (int)g;
	lua_getfield(L, t, "services");
	int st = lua_gettop(L);
	unsigned char *place = NULL;
	for (int i = 1; i <= c->n_svc; i++) {
		list_item(L, st, i, "", "services");
		int ty = lua_getfield(L, -1, "gpus");
		if (ty == LUA_TNIL) {
			lua_pop(L, 2);
			continue;
		}
		char where[48];
		snprintf(where, sizeof where, "services[%d].", i);
		if (!given)
			luaL_error(L, "abacus.run: field '%sgpus' places a service on GPUs of a cluster: "
			           "give the run's gpus too", where);
		if (ty != LUA_TTABLE)
			luaL_error(L, "abacus.run: field '%sgpus' must be a list of GPU numbers, got %s",
			           where, luaL_typename(L, -1));
		if (!place) {
			size_t bytes = (size_t)c->n_svc * (size_t)c->gpus;
			place = lua_newuserdatauv(L, bytes, 0);
			memset(place, 1, bytes);
			lua_insert(L, st); /* below the services table, kept until the run ends */
			st++;
		}
		memset(place + (size_t)(i - 1) * (size_t)c->gpus, 0, (size_t)c->gpus);
		lua_Integer n = list_len(L, -1, where, "gpus");
		if (n < 1)
			luaL_error(L, "abacus.run: field '%sgpus' is empty: a service is on at least one GPU",
			           where);
		for (lua_Integer k = 1; k <= n; k++)
			place[(size_t)(i - 1) * (size_t)c->gpus +
			      (size_t)list_number(L, -1, k, where, "gpus", "GPU", c->gpus)] = 1;
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
	c->place = place;
}

static void read_load(lua_State *L, int t, run_config *c)
{
	int ty = lua_getfield(L, t, "load");
	if (ty == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (ty != LUA_TTABLE)
		luaL_error(L, "abacus.run: field 'load' must be a table, got %s", luaL_typename(L, -1));
	int l = lua_gettop(L);
	check_keys(L, l, "load.", load_keys);
	c->load = opt_string(L, l, "kind", "load.", c->load);
	int has_qps, has_ts, has_qs;
	c->qps = opt_number(L, l, "qps", "load.", 0, &has_qps);
	c->load_file = opt_string(L, l, "file", "load.", NULL);
	c->time_scale = opt_number(L, l, "time_scale", "load.", 1.0, &has_ts);
	c->qps_scale = opt_number(L, l, "qps_scale", "load.", 1.0, &has_qs);
	/* which kind reads which is run_config_check's, from the kinds' own
	 * declarations */
	c->given |= (has_qps ? KIND_QPS : 0) | (c->load_file ? KIND_FILE : 0) |
	            (has_ts ? KIND_TIME_SCALE : 0) | (has_qs ? KIND_QPS_SCALE : 0);
	lua_pop(L, 1);
}

/* ---- the table as JSON, stored as the run's config ----
 * Built in a buf_str (buf.h) rather than a luaL_Buffer: the walk pushes values
 * between appends, which a luaL_Buffer does not allow. The walk raises no
 * Lua error (that would leak the buffer): it returns -1 with a message,
 * and the caller frees and raises. Raw reads only, for the same reason:
 * a metamethod could raise.
 *
 * A table reached again on its own path is a cycle and an error, not
 * gigabytes of repeated text; the depth and the size are bounded too, so
 * that a table shared many times over cannot blow up either. */

enum {
	JSON_MAX_DEPTH = 32,
	JSON_MAX_BYTES = 1 << 20,
	JSON_MAX_KEYS = 256, /* named fields of one table */
};

typedef struct json_walk {
	buf_str t; /* the JSON so far (buf.h) */
	const void *path[JSON_MAX_DEPTH + 1]; /* the tables being written, outermost first */
	char where[256];                      /* the field being written: "services[1].batch" */
	char err[512];
} json_walk;

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int json_fail(json_walk *w, const char *what)
{
	snprintf(w->err, sizeof w->err, "field '%s' %s", w->where[0] ? w->where : "(the table)",
	         what);
	return -1;
}

static void json_string(buf_str *t, const char *s, size_t n)
{
	buf_adds(t, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char buf[8];
		if (c == '"' || c == '\\') {
			buf[0] = '\\';
			buf[1] = (char)c;
			buf_add(t, buf, 2);
		} else if (c < 0x20) {
			snprintf(buf, sizeof buf, "\\u%04x", c);
			buf_adds(t, buf);
		} else {
			buf_add(t, s + i, 1);
		}
	}
	buf_adds(t, "\"");
}

/* The shortest decimal that reads back as the same double. */
static void json_number(buf_str *t, double v)
{
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	buf_adds(t, buf);
}

static int json_value(lua_State *L, int idx, json_walk *w, int depth);

/* Appends ".key" or "[i]" to w->where for the call, and takes it off. */
static int json_field(lua_State *L, json_walk *w, int depth, const char *key, lua_Integer i)
{
	size_t at = strlen(w->where);
	if (key)
		snprintf(w->where + at, sizeof w->where - at, "%s%s", at ? "." : "", key);
	else
		snprintf(w->where + at, sizeof w->where - at, "[%lld]", (long long)i);
	int rc = json_value(L, -1, w, depth + 1);
	if (rc == 0)
		w->where[at] = '\0';
	return rc;
}

static int json_table(lua_State *L, int idx, json_walk *w, int depth)
{
	if (depth >= JSON_MAX_DEPTH)
		return json_fail(w, "is nested too deep (tables within tables more than 32 "
		                    "levels down)");
	w->path[depth] = lua_topointer(L, idx);

	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	const char *keys[JSON_MAX_KEYS];
	int nk = 0, others = 0;
	lua_Integer listed = 0; /* keys 1..n present: fewer than n is a hole */
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		/* A value that is this table or one around it: said before any
		 * other fault of the table, since it is the one to fix. */
		if (lua_type(L, -1) == LUA_TTABLE) {
			const void *v = lua_topointer(L, -1);
			for (int d = 0; d <= depth; d++)
				if (w->path[d] == v) {
					size_t at = strlen(w->where);
					snprintf(w->where + at, sizeof w->where - at, "%s%s",
					         at ? "." : "", luaL_tolstring(L, -2, NULL));
					lua_pop(L, 3);
					return json_fail(w, "holds a table that contains itself (a cycle); "
					                    "a config must be a tree of tables");
				}
		}
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING) {
			if (nk == JSON_MAX_KEYS) {
				lua_pop(L, 1);
				return json_fail(w, "has more than 256 named fields");
			}
			keys[nk++] = lua_tostring(L, -1); /* the table keeps the string alive */
		} else if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
		           lua_tointeger(L, -1) > n) {
			others++;
		} else {
			listed++;
		}
	}
	if (others || listed != n)
		return json_fail(w, "has keys that are neither names nor list positions 1..n (a "
		                    "list with holes?)");
	if (n > 0 && nk > 0)
		return json_fail(w, "mixes list entries and named fields");
	if (n > 0) {
		buf_adds(&w->t, "[");
		for (lua_Integer i = 1; i <= n; i++) {
			if (i > 1)
				buf_adds(&w->t, ",");
			lua_rawgeti(L, idx, i);
			int rc = json_field(L, w, depth, NULL, i);
			lua_pop(L, 1);
			if (rc)
				return -1;
		}
		buf_adds(&w->t, "]");
		return 0;
	}
	/* named fields sorted, so equal configs give equal text */
	qsort(keys, (size_t)nk, sizeof *keys, key_cmp);
	buf_adds(&w->t, "{");
	for (int i = 0; i < nk; i++) {
		if (i)
			buf_adds(&w->t, ",");
		json_string(&w->t, keys[i], strlen(keys[i]));
		buf_adds(&w->t, ":");
		lua_pushstring(L, keys[i]);
		lua_rawget(L, idx);
		int rc = json_field(L, w, depth, keys[i], 0);
		lua_pop(L, 1);
		if (rc)
			return -1;
	}
	buf_adds(&w->t, "}");
	return 0;
}

static int json_value(lua_State *L, int idx, json_walk *w, int depth)
{
	idx = lua_absindex(L, idx);
	if (w->t.len > JSON_MAX_BYTES)
		return json_fail(w, "makes the config larger than 1 MB as JSON (a table shared "
		                    "many times over?)");
	switch (lua_type(L, idx)) {
	case LUA_TTABLE:
		return json_table(L, idx, w, depth);
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		json_string(&w->t, s, len);
		return 0;
	}
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			char buf[32];
			snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, idx));
			buf_adds(&w->t, buf);
			return 0;
		}
		if (!isfinite(lua_tonumber(L, idx)))
			return json_fail(w, "is not a finite number, which JSON cannot hold");
		json_number(&w->t, lua_tonumber(L, idx));
		return 0;
	case LUA_TBOOLEAN:
		buf_adds(&w->t, lua_toboolean(L, idx) ? "true" : "false");
		return 0;
	default: {
		char what[64];
		snprintf(what, sizeof what, "is a %s, which a config cannot hold",
		         luaL_typename(L, idx));
		return json_fail(w, what);
	}
	}
}

/* Pushes the JSON text of the value at idx; raises "abacus.run: field
 * ..." when it cannot be written. */
static void push_json(lua_State *L, int idx, const char *where)
{
	json_walk *w = calloc(1, sizeof *w);
	if (!w)
		luaL_error(L, "abacus.run: out of memory");
	snprintf(w->where, sizeof w->where, "%s", where);
	int rc = json_value(L, idx, w, 0);
	if (rc == 0 && w->t.oom) {
		snprintf(w->err, sizeof w->err, "out of memory writing the config as JSON");
		rc = -1;
	}
	if (rc) {
		char msg[sizeof w->err];
		snprintf(msg, sizeof msg, "%s", w->err);
		buf_free(&w->t);
		free(w);
		luaL_error(L, "abacus.run: %s", msg);
	}
	lua_pushstring(L, w->t.s ? w->t.s : "{}");
	buf_free(&w->t);
	free(w);
}

/* tags = { load = 1.2, seed = 3, note = "x" }: names to scalars, so that
 * each is one json_extract away. */
static void read_tags(lua_State *L, int t)
{
	int ty = lua_getfield(L, t, "tags");
	if (ty == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (ty != LUA_TTABLE)
		luaL_error(L, "abacus.run: field 'tags' must be a table of names to values, got %s",
		           luaL_typename(L, -1));
	int g = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, g)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "abacus.run: field 'tags' has a key that is not a name: %s "
			           "(tags = { load = 1.2, seed = 3 })",
			           luaL_tolstring(L, -2, NULL));
		const char *k = lua_tostring(L, -2);
		int vt = lua_type(L, -1);
		if (vt != LUA_TSTRING && vt != LUA_TNUMBER && vt != LUA_TBOOLEAN)
			luaL_error(L, "abacus.run: field 'tags.%s' must be a string, number or boolean, "
			           "got %s", k, luaL_typename(L, -1));
		if (vt == LUA_TNUMBER && !isfinite(lua_tonumber(L, -1)))
			luaL_error(L, "abacus.run: field 'tags.%s' must be a finite number", k);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

static void push_metrics(lua_State *L, const metrics *m)
{
	static const struct {
		const char *name;
		size_t off;
	} ms[] = {
	    {"p50_ms", offsetof(metrics, p50_ms)},   {"p90_ms", offsetof(metrics, p90_ms)},
	    {"p95_ms", offsetof(metrics, p95_ms)},   {"p99_ms", offsetof(metrics, p99_ms)},
	    {"p999_ms", offsetof(metrics, p999_ms)}, {"mean_ms", offsetof(metrics, mean_ms)},
	    {"p99_qos", offsetof(metrics, p99_qos)},
	};
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		lua_pushnumber(L, *(const double *)((const char *)m + ms[i].off));
		lua_setfield(L, -2, ms[i].name);
	}
	lua_pushinteger(L, m->late);
	lua_setfield(L, -2, "late");
	lua_pushinteger(L, m->completed - m->late);
	lua_setfield(L, -2, "on_time");
}

static void push_result(lua_State *L, const run_config *c, const run_result *r)
{
	lua_createtable(L, 0, 16);
	lua_pushinteger(L, r->run_id);
	lua_setfield(L, -2, "run_id");
	lua_pushstring(L, c->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, c->policy);
	lua_setfield(L, -2, "policy");
	lua_pushinteger(L, r->m.completed);
	lua_setfield(L, -2, "completed");
	lua_pushinteger(L, r->m.dropped);
	lua_setfield(L, -2, "dropped");
	lua_pushinteger(L, r->m.violated);
	lua_setfield(L, -2, "violated");
	lua_pushnumber(L, r->m.p50_ms);
	lua_setfield(L, -2, "p50_ms");
	lua_pushnumber(L, r->m.p99_ms);
	lua_setfield(L, -2, "p99_ms");
	lua_pushnumber(L, r->m.mean_ms);
	lua_setfield(L, -2, "mean_ms");
	lua_pushnumber(L, r->m.violation_ratio);
	lua_setfield(L, -2, "violation_ratio");
	lua_pushnumber(L, r->m.throughput_qps);
	lua_setfield(L, -2, "throughput_qps");
	lua_pushnumber(L, r->m.duration_ms);
	lua_setfield(L, -2, "duration_ms");
	lua_pushinteger(L, r->groups);
	lua_setfield(L, -2, "groups");
	lua_pushinteger(L, r->segments);
	lua_setfield(L, -2, "segments");
	lua_pushnumber(L, r->wall_s);
	lua_setfield(L, -2, "wall_s");
	lua_pushnumber(L, r->decision_us);
	lua_setfield(L, -2, "decision_us");
	push_metrics(L, &r->m); /* p90, p95, p99.9 beside the fields above */
	lua_createtable(L, r->n_services, 0);
	for (int i = 0; i < r->n_services; i++) {
		const metrics *x = &r->services[i];
		lua_createtable(L, 0, 12);
		lua_pushstring(L, c->svc[i].model);
		lua_setfield(L, -2, "model");
		lua_pushinteger(L, x->completed);
		lua_setfield(L, -2, "completed");
		lua_pushinteger(L, x->dropped);
		lua_setfield(L, -2, "dropped");
		lua_pushinteger(L, x->violated);
		lua_setfield(L, -2, "violations");
		lua_pushnumber(L, x->violation_ratio);
		lua_setfield(L, -2, "violation_ratio");
		push_metrics(L, x);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "services");
	if (r->lost) {
		lua_pushstring(L, r->lost);
		lua_setfield(L, -2, "lost");
	}
	if (!c->per_minute)
		return;
	lua_createtable(L, (int)r->n_minutes, 0);
	for (size_t k = 0; k < r->n_minutes; k++) {
		const metrics *x = &r->minutes[k];
		lua_createtable(L, 0, 6);
		lua_pushinteger(L, x->completed + x->dropped + x->waiting);
		lua_setfield(L, -2, "offered");
		lua_pushinteger(L, x->completed);
		lua_setfield(L, -2, "completed");
		lua_pushinteger(L, x->completed - x->late);
		lua_setfield(L, -2, "on_time");
		lua_pushinteger(L, x->dropped);
		lua_setfield(L, -2, "dropped");
		lua_pushnumber(L, x->p99_ms);
		lua_setfield(L, -2, "p99_ms");
		lua_pushnumber(L, x->mean_ms);
		lua_setfield(L, -2, "mean_ms");
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	lua_setfield(L, -2, "minutes");
}

static int l_push_result(lua_State *L)
{
	push_result(L, lua_touserdata(L, 1), lua_touserdata(L, 2));
	return 1;
}

/* Pushes r as the Lua result and frees it, also when lua_createtable
 * raises out of memory. */
static void push_freed(lua_State *L, run_config *c, run_result *r)
{
	lua_pushcfunction(L, l_push_result);
	lua_pushlightuserdata(L, c);
	lua_pushlightuserdata(L, r);
	int rc = lua_pcall(L, 2, 1, 0);
	run_result_free(r);
	if (rc != LUA_OK)
		lua_error(L);
}

static int l_run(lua_State *L)
{
	lab *b = get_lab(L);
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	if (b->stop && *b->stop)
		return luaL_error(L, "abacus.run: interrupted");
	check_keys(L, 1, "", run_keys);
	run_config c;
	run_config_default(&c);
	c.name = opt_string(L, 1, "name", "", c.name);
	c.device = opt_string(L, 1, "device", "", c.device);
	c.gpu = opt_string(L, 1, "gpu", "", c.gpu);
	c.policy = opt_string(L, 1, "policy", "", c.policy);
	c.predictor = opt_string(L, 1, "predictor", "", NULL);
	c.devices = b->devices;
	read_services(L, 1, &c);
	read_partitions(L, 1, &c);
	c.router = opt_string(L, 1, "router", "", NULL);
	read_gpus(L, 1, &c);
	read_load(L, 1, &c);
	/* the kind's default: a trace or rate file plays to its end unless
	 * queries limits it */
	const load_kind *lk = load_kind_find(c.load);
	c.queries = opt_integer(L, 1, "queries", "", lk ? lk->queries : c.queries);
	c.seed = (uint64_t)opt_integer(L, 1, "seed", "", (lua_Integer)c.seed);
	lua_Integer ways = opt_integer(L, 1, "ways", "", c.ways);
	if (ways < 1 || ways > 64) /* before the cast to int, which would wrap it */
		return luaL_error(L, "abacus.run: ways must be between 1 and 64, got %I", ways);
	c.ways = (int)ways;
	int has_threshold;
	c.threshold_ms = opt_number(L, 1, "threshold_ms", "", c.threshold_ms, &has_threshold);
	int has_share;
	c.threshold_qos = opt_number(L, 1, "threshold_qos", "", c.threshold_qos, &has_share);
	if (has_threshold && has_share)
		return luaL_error(L, "abacus.run: give threshold_ms or threshold_qos, not both");
	c.given |= (has_threshold || has_share ? KIND_THRESHOLD : 0) |
	           (has_field(L, 1, "ways") ? KIND_WAYS : 0);
	c.margin = opt_number(L, 1, "margin", "", c.margin, NULL);
	c.abandon = opt_abandon(L, 1);
	c.batching = opt_bool(L, 1, "batching", "", 0);
	c.pair_late = opt_bool(L, 1, "pair_late", "", 0);
	c.keep_plan = opt_bool(L, 1, "keep_plan", "", 0);
	c.keep_on_time = opt_bool(L, 1, "keep_on_time", "", 0);
	c.by_deadline = opt_bool(L, 1, "by_deadline", "", 0);
	c.given |= (has_field(L, 1, "batching") ? KIND_BATCHING : 0) |
	           (has_field(L, 1, "pair_late") ? KIND_PAIR_LATE : 0) |
	           (has_field(L, 1, "keep_plan") ? KIND_KEEP_PLAN : 0) |
	           (has_field(L, 1, "keep_on_time") ? KIND_KEEP_ON_TIME : 0) |
	           (has_field(L, 1, "by_deadline") ? KIND_BY_DEADLINE : 0);
	c.noise = opt_number(L, 1, "noise", "", c.noise, NULL);
	c.kappa = opt_number(L, 1, "kappa", "", c.kappa, NULL);
	c.share = opt_number(L, 1, "share", "", c.share, NULL);
	c.group_us = opt_number(L, 1, "group_us", "", c.group_us, NULL);
	c.share_bw = opt_share_bw(L, 1);
	c.data_dir = opt_string(L, 1, "data_dir", "", NULL);
	char eerr[1024];
	if (run_engine_adopt(&c, eerr, sizeof eerr))
		return luaL_error(L, "abacus.run: %s", eerr);
	c.tf32 = opt_bool(L, 1, "tf32", "", c.tf32);
	c.graphs = opt_bool(L, 1, "graphs", "", c.graphs);
	c.fp16 = opt_bool(L, 1, "fp16", "", c.fp16);
	c.nhwc = opt_bool(L, 1, "nhwc", "", c.nhwc);
	c.fuse_add = opt_bool(L, 1, "fuse_add", "", c.fuse_add);
	c.ws_all = opt_bool(L, 1, "ws_all", "", c.ws_all);
	c.fc_lt = opt_bool(L, 1, "fc_lt", "", c.fc_lt);
	c.dw = opt_bool(L, 1, "dw", "", c.dw);
	c.attn_tc = opt_bool(L, 1, "attn_tc", "", c.attn_tc);
	c.launch_threads = opt_bool(L, 1, "launch_threads", "", c.launch_threads);
	c.conv_gemm = opt_bool(L, 1, "conv_gemm", "", c.conv_gemm);
	c.store_queries = opt_bool(L, 1, "store_queries", "", c.store_queries);
	c.per_minute = opt_bool(L, 1, "per_minute", "", c.per_minute);
	c.stream = opt_bool(L, 1, "stream", "", c.stream);
	c.profile = opt_string(L, 1, "profile", "", NULL);
	c.stop = b->stop;
	c.train_log = stderr;

	read_tags(L, 1);
	push_json(L, 1, "");
	c.config_text = lua_tostring(L, -1);
	if (lua_getfield(L, 1, "tags") == LUA_TTABLE) {
		push_json(L, -1, "tags");
		c.tags = lua_tostring(L, -1); /* kept on the stack until the run ends */
	}

	char err[1024];
	if (run_config_check(&c, err, sizeof err))
		return luaL_error(L, "abacus.run: %s", err);
	/* The first run on a bundle makes sure it is whole, whatever its
	 * policy: a predictor found missing after the baselines ran would
	 * waste them. */
	char kt[3200];
	snprintf(kt, sizeof kt, "%s\037%s\037%s\037%s", c.gpu, c.data_dir ? c.data_dir : "",
	         c.profile ? c.profile : "", c.device);
	uint64_t key = hash_str(HASH_INIT, kt);
	int seen = 0;
	for (int i = 0; i < b->n_prepared; i++)
		seen |= b->prepared[i] == key;
	if (!seen) {
		if (run_prepare(&c, err, sizeof err))
			return luaL_error(L, "abacus.run: %s", err);
		char note[1024];
		if (run_engine_note(&c, note, sizeof note))
			fprintf(stderr, "%s\n", note);
		if (b->n_prepared < LAB_MAX_PREPARED)
			b->prepared[b->n_prepared++] = key;
	}
	if (!b->st) {
		b->st = store_open(b->db_path, err, sizeof err);
		if (!b->st)
			return luaL_error(L, "abacus.run: %s", err);
	}
	run_result r;
	if (b->resume) {
		int found = run_find_stored(&c, b->st, &r, err, sizeof err);
		if (found < 0)
			return luaL_error(L, "abacus.run: %s", err);
		if (found) {
			b->resumed++;
			push_freed(L, &c, &r);
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, "resumed");
			return 1;
		}
	}
	if (b->progress) {
		char label[sizeof b->progress->label];
		snprintf(label, sizeof label, "run %d %s", b->runs + 1, c.name);
		progress_label(b->progress, label);
		c.progress = b->progress;
	}
	int rc = run_execute(&c, b->st, &r, err, sizeof err);
	if (rc) {
		run_result_free(&r);
		return luaL_error(L, "abacus.run: %s", err);
	}
	b->runs++;
	if (r.lost) /* the run went on without them: said where it cannot be missed */
		fprintf(stderr, "abacus: run '%s': %s\n", c.name, r.lost);
	push_freed(L, &c, &r);
	return 1;
}

/* abacus.solo_ms(model, batch [, seq [, gpu]]): the whole model's solo
 * latency on the GPU's measured profile, so that scenarios can derive QoS
 * targets and loads from it. A GPU or model without one is an error. */
static int l_solo_ms(lua_State *L)
{
	const char *model = luaL_checkstring(L, 1);
	lua_Integer batch = luaL_checkinteger(L, 2);
	lua_Integer seq = luaL_optinteger(L, 3, 0);
	const char *gpu = luaL_optstring(L, 4, "h200");
	luaL_argcheck(L, batch >= 1 && batch <= 4096, 2, "batch must be between 1 and 4096");
	char err[512];
	zoo_model *m = zoo_model_new(model, err, sizeof err);
	if (!m)
		return luaL_error(L, "abacus.solo_ms: %s", err);
	if (m->has_seq && (seq < m->seq_min || seq > m->seq_max)) {
		int lo = m->seq_min, hi = m->seq_max;
		zoo_model_free(m);
		return luaL_error(L, "abacus.solo_ms: %s needs seq between %d and %d", model, lo, hi);
	}
	if (!m->has_seq && seq != 0) {
		zoo_model_free(m);
		return luaL_error(L, "abacus.solo_ms: %s has no sequence length (give seq 0 or nil)",
		                  model);
	}
	prof *p = prof_new(gpu, NULL, err, sizeof err);
	if (!p || prof_check_model(p, m, err, sizeof err)) {
		prof_free(p);
		zoo_model_free(m);
		return luaL_error(L, "abacus.solo_ms: %s", err);
	}
	/* what the simulator charges an uncut query (prof_table_seg_ns) */
	prof_table *t = prof_table_new(p, m);
	int64_t ns = t ? prof_table_seg_ns(t, (int)batch, (int)seq, 0, m->n_ops) : -1;
	prof_table_free(t);
	prof_free(p);
	zoo_model_free(m);
	if (ns < 0)
		return luaL_error(L, "abacus.solo_ms: out of memory");
	lua_pushnumber(L, (double)ns / 1e6);
	return 1;
}

static int l_models(lua_State *L)
{
	const char *const *names = zoo_names();
	lua_newtable(L);
	for (int i = 0; names[i]; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static void push_names(lua_State *L, const char *name, int i)
{
	lua_pushstring(L, name);
	lua_rawseti(L, -2, i);
}

/* abacus.policies(), abacus.loads(), abacus.predictors(): the names of
 * each table, in its order (the default first). */
static int l_policies(lua_State *L)
{
	/* abacus.policies() lists the paper's policies, which run one query
	 * per segment unless asked to batch; abacus.policies("all") adds the
	 * batching baselines (sched_policy.batches), so the scenarios that
	 * compare the paper's four keep their tables */
	const char *which = luaL_optstring(L, 1, "paper");
	int all = strcmp(which, "all") == 0;
	if (!all && strcmp(which, "paper") != 0)
		return luaL_error(L, "abacus.policies: 'paper' (the default) or 'all', got '%s'", which);
	const sched_policy *const *p = sched_policies();
	lua_newtable(L);
	for (int i = 0, n = 0; p[i]; i++)
		if (all || !p[i]->batches)
			push_names(L, p[i]->name, ++n);
	return 1;
}

static int l_loads(lua_State *L)
{
	lua_newtable(L);
	for (int i = 0; load_kinds[i]; i++)
		push_names(L, load_kinds[i]->name, i + 1);
	return 1;
}

static int l_predictors(lua_State *L)
{
	lua_newtable(L);
	for (int i = 0; pred_learners[i]; i++)
		push_names(L, pred_learners[i]->kind, i + 1);
	return 1;
}

static int l_routers(lua_State *L)
{
	const router_kind *const *r = router_kinds();
	lua_newtable(L);
	for (int i = 0; r[i]; i++)
		push_names(L, r[i]->name, i + 1);
	return 1;
}

/* Builds the abacus table, sets it as a global and as package.loaded's. */
static void open_abacus(lua_State *L, lab *b)
{
	lua_newtable(L);
	lua_pushlightuserdata(L, b);
	lua_pushcclosure(L, l_run, 1);
	lua_setfield(L, -2, "run");
	lua_pushcfunction(L, l_models);
	lua_setfield(L, -2, "models");
	lua_pushcfunction(L, l_solo_ms);
	lua_setfield(L, -2, "solo_ms");
	lua_pushcfunction(L, l_policies);
	lua_setfield(L, -2, "policies");
	lua_pushcfunction(L, l_loads);
	lua_setfield(L, -2, "loads");
	lua_pushcfunction(L, l_predictors);
	lua_setfield(L, -2, "predictors");
	lua_pushcfunction(L, l_routers);
	lua_setfield(L, -2, "routers");
	lua_pushstring(L, b->db_path);
	lua_setfield(L, -2, "db");
	/* the running abacus, for a scenario that runs one of its other
	 * commands (abacus train); absent where the system does not say */
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		lua_pushlstring(L, exe, (size_t)len);
		lua_setfield(L, -2, "exe");
	}
	if (luaL_loadbuffer(L, abacus_lua, sizeof abacus_lua, "=abacus.lua") != LUA_OK)
		lua_error(L);
	lua_pushvalue(L, -2);
	lua_call(L, 1, 0);
	lua_pushvalue(L, -1);
	lua_setglobal(L, "abacus");
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "abacus");
	lua_pop(L, 2);
}

typedef struct boot {
	lab *b;
	const char *path;
	int argc;
	char **argv;
} boot;

/* Every few thousand instructions: a Ctrl-C stops plain Lua too (a loop
 * between runs, a sweep that catches each run's error with pcall), as
 * lua.c's own handler does. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lab *b = *(lab **)lua_getextraspace(L);
	if (b->stop && *b->stop) {
		luaL_where(L, 0); /* the line running, not its caller's */
		lua_pushstring(L, "interrupted");
		lua_concat(L, 2);
		lua_error(L);
	}
}

/* Runs inside lua_pcall so that a failure while setting up is a Lua error
 * like any other. */
static int l_boot(lua_State *L)
{
	boot *bt = lua_touserdata(L, 1);
	*(lab **)lua_getextraspace(L) = bt->b;
	if (bt->b->stop)
		lua_sethook(L, stop_hook, LUA_MASKCOUNT, 4096);
	luaL_openlibs(L);
	open_abacus(L, bt->b);
	/* arg as the standalone interpreter sets it */
	lua_createtable(L, bt->argc, 1);
	lua_pushstring(L, bt->path);
	lua_rawseti(L, -2, 0);
	for (int i = 0; i < bt->argc; i++) {
		lua_pushstring(L, bt->argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
	/* text only: Lua does not verify precompiled chunks, and a corrupt one
	 * crashes the interpreter instead of failing to load */
	if (luaL_loadfilex(L, bt->path, "t") != LUA_OK)
		return lua_error(L);
	for (int i = 0; i < bt->argc; i++)
		lua_pushstring(L, bt->argv[i]);
	lua_call(L, bt->argc, 0);
	return 0;
}

int lab_run_file(lab *b, const char *path, int argc, char **argv, char *err, size_t errlen)
{
	lua_State *L = luaL_newstate();
	if (!L) {
		snprintf(err, errlen, "cannot create a Lua state: out of memory");
		return -1;
	}
	boot bt = {b, path, argc, argv};
	lua_pushcfunction(L, l_boot);
	lua_pushlightuserdata(L, &bt);
	int rc = 0;
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		/* error({...}) and the like: say what was raised. (No __tostring
		 * call: outside a protected call an error in it would panic.) */
		const char *msg = lua_tostring(L, -1);
		if (msg)
			snprintf(err, errlen, "%s", msg);
		else
			snprintf(err, errlen, "%s: the script raised an error object that is a %s, not a "
			         "message", path, luaL_typename(L, -1));
		rc = b->stop && *b->stop ? 130 : -1;
	} else if (b->stop && *b->stop) {
		/* the script caught the interrupt and went on to its end: the
		 * session was still interrupted */
		snprintf(err, errlen, "%s: interrupted", path);
		rc = 130;
	}
	lua_close(L);
	return rc;
}

void lab_close(lab *b)
{
	store_close(b->st);
	b->st = NULL;
}
