/* profiler.c: `abacus profile` (profiler.h).
 *
 * Why it is built this way:
 *  - The work is planned first (services, per-model grids, combinations)
 *    and checked as a whole before the database or the device is touched,
 *    so bad input costs one line and no GPU initialisation.
 *  - A solo "unit" is one (model, batch, seq): all its ops are timed
 *    together and stored in one transaction, so a unit is either wholly in
 *    the database or not at all and resuming tests it with one count.
 *  - A group sample's draw depends on (seed, combination, idx) only, never
 *    on what ran before it: resuming skips stored idx values and draws the
 *    rest exactly as an uninterrupted run would have.
 *  - Commits go by wall time, not row count: a sample on the GPU takes
 *    milliseconds and one on the simulator microseconds, and what a kill
 *    may lose is time, whatever the device.
 *  - Durations are taken on the device's clock (device_now, seg_end), so
 *    the simulator's virtual time is measured like the GPU's real time;
 *    progress and commits use the process's monotonic clock.
 */
#include "profiler.h"
#include "text.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clk.h"
#include "db.h"
#include "gpu.h"
#include "hash.h"
#include "part.h"
#include "prof.h"
#include "progress.h"
#include "rng.h"
#include "sample.h"
#include "zoo.h"

enum {
	PROFL_BUSY_MS = 5000,
	PROFL_MAX_REPEATS = 10000,
	PROFL_MAX_SAMPLES = 100000000,
};

/* The seven models of the default combinations, and the four whose
 * triplets and quadruplet are added. */
static const char *const profl_seven[] = {"resnet50", "resnet101", "resnet152", "inception_v3",
                                          "vgg16",    "vgg19",     "bert"};
static const char *const profl_four[] = {"resnet101", "resnet152", "vgg19", "bert"};

static const char *const profl_schema[] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE settings (\n"
    "  gpu TEXT NOT NULL,\n"
    "  device TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  PRIMARY KEY (gpu, device, name)\n"
    ");\n"
    "CREATE TABLE solo_ops (\n"
    "  gpu TEXT NOT NULL,\n"
    "  device TEXT NOT NULL,\n"
    "  model TEXT NOT NULL,\n"
    "  op INTEGER NOT NULL,\n"
    "  batch INTEGER NOT NULL,\n"
    "  seq INTEGER NOT NULL,      -- 0 for models without a sequence length\n"
    "  median_us REAL NOT NULL,\n"
    "  p99_us REAL NOT NULL,\n"
    "  repeats INTEGER NOT NULL,\n"
    "  PRIMARY KEY (gpu, device, model, op, batch, seq)\n"
    ");\n"
    "CREATE TABLE groups (\n"
    "  gpu TEXT NOT NULL,\n"
    "  device TEXT NOT NULL,\n"
    "  combo TEXT NOT NULL,       -- models joined by '+'\n"
    "  idx INTEGER NOT NULL,      -- sample number within the combination\n"
    "  segments TEXT NOT NULL,    -- model:batch:seq:start:end joined by ';'\n"
    "  median_us REAL NOT NULL,\n"
    "  p99_us REAL NOT NULL,\n"
    "  PRIMARY KEY (gpu, device, combo, idx)\n"
    ");\n",
};
#define PROFL_SCHEMA_LATEST ((int)(sizeof profl_schema / sizeof profl_schema[0]))
_Static_assert(PROFL_SCHEMA_LATEST == PROFL_SCHEMA_VERSION,
               "PROFL_SCHEMA_VERSION in profiler.h must match profl_schema");

typedef struct profl_combo {
	char name[4 * ZOO_NAME_MAX]; /* as sample.h's smp_group.combo */
	int n;
	int svc[SMP_MAX_SEG];
} profl_combo;

/* A model the device serves, with the grid its queries draw from. */
typedef struct profl_svc {
	zoo_model *m;
	int solo; /* measured solo */
	int batches[PROFL_MAX_GRID], n_batches;
	int seqs[PROFL_MAX_GRID], n_seqs; /* {0} without a sequence length */
} profl_svc;

typedef struct profl {
	const profl_config *c;
	const dev_kind *kind; /* c->device in c->devices */
	profl_svc svc[PROFL_MAX_MODELS];
	int n_svc;
	profl_combo *combo;
	int n_combo;

	db *d;
	sqlite3 *db; /* db_handle(d) */
	const char *dbname;
	sqlite3_stmt *ins_solo, *ins_group;
	int in_tx;
	double tx_start_ms;

	/* progress: work units are solo units and group samples */
	int64_t solo_total, solo_done, grp_total, grp_done;
	int64_t solo_new, grp_new;      /* measured by this process */
	double solo_new_ms, grp_new_ms; /* wall time they took */
	char engine[160];               /* c->engine, canonical (dev_engine_apply) */
	char err[1024];
} profl;

static double wall_ms(void)
{
	return (double)clk_ns() / 1e6;
}

static int failf(profl *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* The database's words for a failure (db.h), as this profiler's error. */
static int db_err(profl *p)
{
	return failf(p, "%s", db_errmsg(p->d));
}

static int sql_fail(profl *p, int rc, const char *call, const char *doing_fmt, ...)
{
	char doing[256];
	va_list ap;
	va_start(ap, doing_fmt);
	vsnprintf(doing, sizeof doing, doing_fmt, ap);
	va_end(ap);
	db_fail(p->d, rc, call, "%s", doing);
	return db_err(p);
}

static int sql_exec(profl *p, const char *sql, const char *doing)
{
	return db_exec(p->d, sql, doing) ? db_err(p) : 0;
}

static int sql_prepare(profl *p, const char *sql, sqlite3_stmt **st, const char *doing)
{
	return db_prepare(p->d, sql, st, doing) ? db_err(p) : 0;
}

/* Binds gpu and device to ?1 and ?2, the key of every table. */
static int bind_key(profl *p, sqlite3_stmt *st, const char *doing)
{
	int rc = SQLITE_OK;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	db_bind_text(st, 1, p->c->gpu, &rc);
	db_bind_text(st, 2, p->c->device, &rc);
	return rc == SQLITE_OK ? 0 : sql_fail(p, rc, "sqlite3_bind", "%s", doing);
}

/* Steps a statement whose answer is one integer. */
static int step_int(profl *p, sqlite3_stmt *st, int64_t *out, const char *doing)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return sql_fail(p, rc == SQLITE_DONE ? SQLITE_ERROR : rc, "sqlite3_step", "%s", doing);
	*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* ---- plan ---------------------------------------------------------------- */

int profl_parse_models(const char *text, char *buf, size_t buflen, const char **out, int max,
                       int *n, char *err, size_t errlen)
{
	*n = 0;
	if (!text || !*text || strlen(text) >= buflen) {
		snprintf(err, errlen, "--models needs model names joined by ',' like resnet50,bert");
		return -1;
	}
	snprintf(buf, buflen, "%s", text);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (*n == max) {
			snprintf(err, errlen, "--models: at most %d models", max);
			return -1;
		}
		out[(*n)++] = t;
	}
	if (*n == 0) {
		snprintf(err, errlen, "--models needs model names joined by ',' like resnet50,bert");
		return -1;
	}
	return 0;
}

void profl_config_default(profl_config *c)
{
	memset(c, 0, sizeof *c);
	c->device = "cuda";
	c->gpu = "h200";
	c->db = "profile.db";
	for (size_t i = 0; i < sizeof profl_seven / sizeof profl_seven[0]; i++)
		c->models[c->n_models++] = profl_seven[i];
	static const int batches[] = {1, 2, 4, 8, 16, 32};
	static const int seqs[] = {8, 16, 32, 64, 128, 256};
	for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++)
		c->batches[c->n_batches++] = batches[i];
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
		c->seqs[c->n_seqs++] = seqs[i];
	c->samples = 2000;
	c->repeats = 5;
	c->warmup = 2;
	c->combos = "default";
	c->solo = 1;
	c->groups = 1;
	c->seed = 1;
	c->noise = 0.02;
	c->kappa = 0.10;
	c->commit_ms = PROFL_COMMIT_MS;
}

static void plan_free(profl *p)
{
	for (int i = 0; i < p->n_svc; i++)
		zoo_model_free(p->svc[i].m);
	p->n_svc = 0;
	free(p->combo);
	p->combo = NULL;
	p->n_combo = 0;
}

/* The service of a model, added when new. -1 with the message in p->err
 * for an unknown model. */
static int plan_service(profl *p, const char *name, const char *where)
{
	for (int i = 0; i < p->n_svc; i++)
		if (strcmp(p->svc[i].m->name, name) == 0)
			return i;
	char zerr[512];
	zoo_model *m = zoo_model_new(name, zerr, sizeof zerr);
	if (!m)
		return failf(p, "%s: %s", where, zerr);
	if (p->n_svc == PROFL_MAX_MODELS) {
		zoo_model_free(m);
		return failf(p, "%s: at most %d models", where, PROFL_MAX_MODELS);
	}
	profl_svc *s = &p->svc[p->n_svc];
	memset(s, 0, sizeof *s);
	s->m = m;
	const profl_config *c = p->c;
	/* bert serves at most PROFL_BERT_MAX_BATCH: larger grid values become
	 * that cap, so the grid still has a largest point. */
	for (int i = 0; i < c->n_batches; i++) {
		int b = c->batches[i];
		if (m->has_seq && b > PROFL_BERT_MAX_BATCH)
			b = PROFL_BERT_MAX_BATCH;
		if (s->n_batches == 0 || s->batches[s->n_batches - 1] != b)
			s->batches[s->n_batches++] = b;
	}
	if (m->has_seq) {
		for (int i = 0; i < c->n_seqs; i++) {
			if (c->seqs[i] < m->seq_min || c->seqs[i] > m->seq_max) {
				failf(p, "--seqs must be between %d and %d for %s, got %d", m->seq_min,
				      m->seq_max, m->name, c->seqs[i]);
				zoo_model_free(m);
				return -1;
			}
			s->seqs[s->n_seqs++] = c->seqs[i];
		}
	} else {
		s->seqs[s->n_seqs++] = 0;
	}
	return p->n_svc++;
}

static int plan_add_combo(profl *p, const char *const *names, int n, const char *where)
{
	profl_combo k;
	memset(&k, 0, sizeof k);
	if (n > SMP_MAX_SEG)
		return failf(p, "%s: at most %d models in a combination", where, SMP_MAX_SEG);
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		int s = plan_service(p, names[i], where);
		if (s < 0)
			return -1;
		for (int j = 0; j < k.n; j++)
			if (k.svc[j] == s)
				return failf(p, "%s: %s appears twice (a group has one segment per model)",
				             where, p->svc[s].m->name);
		k.svc[k.n++] = s;
		used += (size_t)snprintf(k.name + used, sizeof k.name - used, "%s%s", i ? "+" : "",
		                         p->svc[s].m->name);
	}
	for (int i = 0; i < p->n_combo; i++)
		if (strcmp(p->combo[i].name, k.name) == 0)
			return failf(p, "%s: combination %s is given twice", where, k.name);
	profl_combo *nc = realloc(p->combo, (size_t)(p->n_combo + 1) * sizeof *nc);
	if (!nc)
		return failf(p, "out of memory planning the combinations");
	p->combo = nc;
	p->combo[p->n_combo++] = k;
	return 0;
}

static int in_models(const profl_config *c, const char *name)
{
	for (int i = 0; i < c->n_models; i++)
		if (strcmp(c->models[i], name) == 0)
			return 1;
	return 0;
}

static int plan_combos(profl *p)
{
	const profl_config *c = p->c;
	const char *spec = c->combos ? c->combos : "default";
	if (strcmp(spec, "default") == 0) {
		/* Only combinations made of --models: narrowing the models narrows
		 * the default set instead of measuring models that were left out. */
		int n7 = (int)(sizeof profl_seven / sizeof profl_seven[0]);
		for (int a = 0; a < n7; a++)
			for (int b = a + 1; b < n7; b++) {
				const char *k[2] = {profl_seven[a], profl_seven[b]};
				if (in_models(c, k[0]) && in_models(c, k[1]) &&
				    plan_add_combo(p, k, 2, "--combos default"))
					return -1;
			}
		const char *const *f = profl_four;
		const char *sets[5][4] = {{f[0], f[1], f[2]},
		                          {f[0], f[1], f[3]},
		                          {f[0], f[2], f[3]},
		                          {f[1], f[2], f[3]},
		                          {f[0], f[1], f[2], f[3]}};
		for (int s = 0; s < 5; s++) {
			int n = s < 4 ? 3 : 4, all = 1;
			for (int i = 0; i < n; i++)
				all &= in_models(c, sets[s][i]);
			if (all && plan_add_combo(p, sets[s], n, "--combos default"))
				return -1;
		}
		return 0;
	}
	if (strcmp(spec, "pairs") == 0) {
		/* The models of --models are the first services, without
		 * duplicates. */
		for (int a = 0; a < p->n_svc; a++)
			for (int b = a + 1; b < p->n_svc; b++) {
				const char *k[2] = {p->svc[a].m->name, p->svc[b].m->name};
				if (plan_add_combo(p, k, 2, "--combos pairs"))
					return -1;
			}
		return 0;
	}
	char buf[1024];
	if (strlen(spec) >= sizeof buf)
		return failf(p, "--combos: the list is too long");
	snprintf(buf, sizeof buf, "%s", spec);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char where[160];
		snprintf(where, sizeof where, "--combos '%.100s'", t);
		const char *names[SMP_MAX_SEG + 1];
		int n = 0;
		char *save2 = NULL;
		for (char *m = strtok_r(t, "+", &save2); m; m = strtok_r(NULL, "+", &save2)) {
			if (n == SMP_MAX_SEG + 1)
				break;
			names[n++] = m;
		}
		for (int i = 0; i <= n; i++) {
			/* A word that names no model is most likely a misspelt keyword:
			 * say everything --combos takes. */
			char zerr[512], valid[512];
			zoo_model *m = i < n ? zoo_model_new(names[i], zerr, sizeof zerr) : NULL;
			if (m) {
				zoo_model_free(m);
				continue;
			}
			if (i == n && n > 0)
				break;
			zoo_names_join(valid, sizeof valid);
			return failf(p,
			             "%s: unknown model '%s' (valid: default, pairs, or models joined by "
			             "'+' and combinations by ',', like resnet50+bert,vgg16+bert; "
			             "models: %s)",
			             where, i < n ? names[i] : "", valid);
		}
		if (plan_add_combo(p, names, n, where))
			return -1;
	}
	if (p->n_combo == 0)
		return failf(p, "--combos: no combination given (default, pairs, or a list like "
		                "resnet50+bert,vgg16+bert)");
	return 0;
}

/* Whether a card's name ("NVIDIA H100 80GB HBM3") contains a profile name
 * ("h100"), ignoring case. */
static int names_card(const char *card, const char *gpu)
{
	size_t n = strlen(gpu);
	for (; *card; card++) {
		size_t i = 0;
		while (i < n && card[i] &&
		       tolower((unsigned char)card[i]) == tolower((unsigned char)gpu[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/* Refuses an --export folder that export_all could not write into, before
 * anything is measured: export_all creates the folder itself but not its
 * parent. */
static int check_export_dir(profl *p, const char *dir)
{
	struct stat sb;
	if (!*dir)
		return failf(p, "--export needs a folder name");
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			return failf(p, "--export: %s is not a directory", dir);
		if (access(dir, W_OK | X_OK) != 0)
			return failf(p, "--export: cannot write into %s: %s", dir, strerror(errno));
		return 0;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		return failf(p, "--export: cannot use %s: %s", dir, strerror(errno));
	char parent[1200];
	snprintf(parent, sizeof parent, "%s", dir);
	size_t n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	char *slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, sizeof parent, ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	if (stat(parent, &sb) != 0)
		return failf(p, "--export: cannot create %s: %s: %s", dir, parent, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return failf(p, "--export: cannot create %s: %s is not a directory", dir, parent);
	if (access(parent, W_OK | X_OK) != 0)
		return failf(p, "--export: cannot create %s: %s: %s", dir, parent, strerror(errno));
	return 0;
}

static int plan_build(profl *p)
{
	const profl_config *c = p->c;
	char names[256];
	if (!c->device || !(p->kind = dev_kind_find(c->devices, c->device))) {
		dev_kind_names(c->devices, names, sizeof names);
		return failf(p, "unknown device '%s' (valid: %s)", c->device ? c->device : "", names);
	}
	if (!c->gpu || !gpu_find(c->gpu)) {
		gpu_names_join(names, sizeof names);
		return failf(p, "unknown gpu '%s' (valid: %s)", c->gpu ? c->gpu : "", names);
	}
	if (c->sms < 0)
		return failf(p, "--sms must be positive, got %d", c->sms);
	if (c->sms > 0) {
		char perr[256];
		int got;
		part_size ps = {.sms = c->sms};
		if (part_resolve(gpu_find(c->gpu), &ps, "--sms", &got, perr, sizeof perr))
			return failf(p, "%s", perr);
		if (!p->kind->open_parts || !p->kind->real)
			return failf(p, "--sms: device '%s' cannot measure an SM partition (%s)",
			             c->device,
			             p->kind->real ? "this build has no green contexts"
			                           : "the simulator plays partitions from profiles "
			                             "measured on the GPU");
	}
	if (!c->db || !*c->db)
		return failf(p, "--db needs a file name");
	if (c->samples < 1 || c->samples > PROFL_MAX_SAMPLES)
		return failf(p, "--samples must be between 1 and %d, got %d", PROFL_MAX_SAMPLES,
		             c->samples);
	if (c->repeats < 1 || c->repeats > PROFL_MAX_REPEATS)
		return failf(p, "--repeats must be between 1 and %d, got %d", PROFL_MAX_REPEATS,
		             c->repeats);
	if (c->warmup < 0 || c->warmup > PROFL_MAX_REPEATS)
		return failf(p, "--warmup must be between 0 and %d, got %d", PROFL_MAX_REPEATS,
		             c->warmup);
	if (c->n_batches < 1 || c->n_models < 1)
		return failf(p, "--batches and --models need at least one value each");
	for (int i = 0; i < c->n_batches; i++)
		if (c->batches[i] < 1 || c->batches[i] > 4096)
			return failf(p, "--batches must be between 1 and 4096, got %d", c->batches[i]);
	if (!(c->whole >= 0 && c->whole <= 1))
		return failf(p, "--whole must be between 0 and 1, got %g", c->whole);
	if (!(c->noise >= 0 && c->noise <= 1))
		return failf(p, "--noise must be between 0 and 1, got %g", c->noise);
	if (!(c->kappa >= 0) || !isfinite(c->kappa))
		return failf(p, "kappa must be a non-negative number, got %g", c->kappa);
	if (c->commit_ms < 0)
		return failf(p, "commit_ms must be non-negative, got %d", c->commit_ms);
	if (!c->solo && !c->groups && !c->export_dir)
		return failf(p, "nothing to do: --no-solo and --no-groups without --export");
	if (c->export_dir && check_export_dir(p, c->export_dir))
		return -1;
	for (int i = 0; i < c->n_models; i++) {
		int s = plan_service(p, c->models[i], "--models");
		if (s < 0)
			return -1;
		p->svc[s].solo = 1;
	}
	if (c->n_seqs < 1)
		for (int i = 0; i < p->n_svc; i++)
			if (p->svc[i].m->has_seq)
				return failf(p, "--seqs needs at least one sequence length for %s",
				             p->svc[i].m->name);
	if (c->groups)
		return plan_combos(p);
	return 0;
}

int profl_check(const profl_config *c, char *err, size_t errlen)
{
	profl p;
	memset(&p, 0, sizeof p);
	p.c = c;
	dev_open_options o;
	dev_open_options_default(&o);
	char eerr[256];
	if (dev_engine_apply(c->engine, &o, p.engine, sizeof p.engine, eerr, sizeof eerr)) {
		snprintf(err, errlen, "--engine: %s", eerr);
		return -1;
	}
	int rc = plan_build(&p);
	if (rc)
		snprintf(err, errlen, "%s", p.err);
	plan_free(&p);
	return rc;
}

/* ---- database ------------------------------------------------------------ */

static const char *const profl_tables[] = {"groups", "settings", "solo_ops"};

static const db_schema profl_db_schema = {
    .what = "abacus profile database",
    .version = "profile schema",
    .tables = profl_tables,
    .n_tables = (int)(sizeof profl_tables / sizeof profl_tables[0]),
    .steps = profl_schema,
    .n_steps = PROFL_SCHEMA_LATEST,
};

static void pdb_rollback(profl *p)
{
	if (p->d)
		db_rollback(p->d);
	p->in_tx = 0;
}

static int pdb_open(profl *p, int readonly)
{
	const db_options o = {.mode = readonly ? DB_READ : DB_CREATE,
	                      .lock_wait_ms = PROFL_BUSY_MS,
	                      .holder = "abacus profile"};
	char err[1024];
	int64_t version = 0;

	p->dbname = p->c->db;
	if (readonly && access(p->c->db, F_OK) != 0)
		return failf(p, "cannot export from %s: %s", p->c->db, strerror(errno));
	if (!(p->d = db_open(p->c->db, &o, err, sizeof err)))
		return failf(p, "%s", err);
	p->db = db_handle(p->d);
	if (db_inspect(p->d, &profl_db_schema, &version))
		return db_err(p);
	if (readonly) {
		if (version == 0)
			return failf(p, "%s holds no profile", p->dbname);
		return 0;
	}
	/* WAL: the sqlite3 shell can watch a profile while it is written. */
	if (db_wal(p->d) || db_migrate(p->d, &profl_db_schema, version))
		return db_err(p);
	return 0;
}

static void pdb_close(profl *p)
{
	sqlite3_finalize(p->ins_solo);
	sqlite3_finalize(p->ins_group);
	p->ins_solo = p->ins_group = NULL;
	db_close(p->d);
	p->d = NULL;
	p->db = NULL;
}

/* Rows go into a transaction that opens at the first row and commits after
 * c->commit_ms of wall time (or when forced). */
static int tx_row(profl *p)
{
	if (p->in_tx)
		return 0;
	if (sql_exec(p, "BEGIN IMMEDIATE", "starting a transaction of measured rows"))
		return -1;
	p->in_tx = 1;
	p->tx_start_ms = wall_ms();
	return 0;
}

static int tx_commit(profl *p, int force)
{
	if (!p->in_tx || (!force && wall_ms() - p->tx_start_ms < p->c->commit_ms))
		return 0;
	if (sql_exec(p, "COMMIT", "committing measured rows")) {
		pdb_rollback(p);
		return -1;
	}
	p->in_tx = 0;
	return 0;
}

/* The settings that shape every measurement. */
typedef struct setting {
	const char *name;
	char value[256];
	int must_match;
	/* The value a database stored before this setting existed holds
	 * (NULL: a missing row matches anything). */
	const char *absent;
} setting;

static int settings_sync(profl *p, device *dev, const char *solo_timing)
{
	const profl_config *c = p->c;
	setting s[24];
	int n = 0;
	memset(s, 0, sizeof s);
#define SET(nm, match, ...)                                                                        \
	do {                                                                                       \
		assert(n < (int)(sizeof s / sizeof s[0]));                                         \
		s[n].name = nm;                                                                    \
		s[n].must_match = match;                                                           \
		snprintf(s[n].value, sizeof s[n].value, __VA_ARGS__);                              \
		n++;                                                                               \
	} while (0)
	SET("seed", 1, "%llu", (unsigned long long)c->seed);
	text_join_ints(s[n].value, sizeof s[n].value, c->batches, c->n_batches);
	s[n].name = "batches", s[n++].must_match = 1;
	text_join_ints(s[n].value, sizeof s[n].value, c->seqs, c->n_seqs);
	s[n].name = "seqs", s[n++].must_match = 1;
	SET("repeats", 1, "%d", c->repeats);
	SET("warmup", 1, "%d", c->warmup);
	SET("sms", 1, "%d", c->sms ? c->sms : gpu_find(c->gpu)->sms);
	SET("engine", 1, "%s", p->engine);
	SET("whole", 1, "%.15g", c->whole);
	s[n - 1].absent = "0";
	if (!p->kind->real) {
		SET("noise", 1, "%.15g", c->noise);
		SET("kappa", 1, "%.15g", c->kappa);
	}
	SET("samples", 0, "%d", c->samples);
	SET("combos", 0, "%s", c->combos ? c->combos : "default");
	SET("solo_timing", 0, "%s", solo_timing);
	dev_info info;
	device_info(dev, &info);
	SET("device_gpu", 0, "%s", info.gpu);
	SET("driver", 0, "%s", info.driver);
	SET("cuda", 0, "%s", info.cuda);
	SET("cudnn", 0, "%s", info.cudnn);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	SET("updated_at", 0, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
#undef SET

	if (sql_exec(p, "BEGIN IMMEDIATE", "checking the stored settings"))
		return -1;
	sqlite3_stmt *has = NULL, *get = NULL, *put = NULL;
	int64_t rows = 0;
	int rc = -1;
	if (sql_prepare(p,
	                "SELECT (SELECT count(*) FROM solo_ops WHERE gpu = ?1 AND device = ?2) + "
	                "(SELECT count(*) FROM groups WHERE gpu = ?1 AND device = ?2)",
	                &has, "counting stored rows") ||
	    bind_key(p, has, "counting stored rows") ||
	    step_int(p, has, &rows, "counting stored rows"))
		goto out;
	if (sql_prepare(p, "SELECT value FROM settings WHERE gpu = ?1 AND device = ?2 AND name = ?3",
	                &get, "reading the stored settings") ||
	    sql_prepare(p,
	                "INSERT OR REPLACE INTO settings (gpu, device, name, value) VALUES (?1, ?2, "
	                "?3, ?4)",
	                &put, "storing the settings"))
		goto out;
	for (int i = 0; rows > 0 && i < n; i++) {
		if (!s[i].must_match)
			continue;
		int brc = SQLITE_OK;
		if (bind_key(p, get, "reading the stored settings"))
			goto out;
		db_bind_text(get, 3, s[i].name, &brc);
		if (brc != SQLITE_OK) {
			sql_fail(p, brc, "sqlite3_bind", "reading the stored settings");
			goto out;
		}
		int step = sqlite3_step(get);
		if (step == SQLITE_ROW || (step == SQLITE_DONE && s[i].absent)) {
			const char *v = step == SQLITE_ROW
			                    ? (const char *)sqlite3_column_text(get, 0)
			                    : s[i].absent;
			if (v && strcmp(v, s[i].value) != 0) {
				failf(
				    p,
				    "%s already holds the %s/%s profile measured with --%s %s (now "
				    "%s); "
				    "run with the same settings to resume it, or use another --db",
				    p->dbname, c->gpu, c->device, s[i].name, v, s[i].value);
				goto out;
			}
		} else if (step != SQLITE_DONE) {
			sql_fail(p, step, "sqlite3_step", "reading the stored settings");
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		int brc = SQLITE_OK;
		if (bind_key(p, put, "storing the settings"))
			goto out;
		db_bind_text(put, 3, s[i].name, &brc);
		db_bind_text(put, 4, s[i].value, &brc);
		if (brc != SQLITE_OK) {
			sql_fail(p, brc, "sqlite3_bind", "storing the settings");
			goto out;
		}
		int step = sqlite3_step(put);
		if (step != SQLITE_DONE) {
			sql_fail(p, step, "sqlite3_step(INSERT INTO settings)", "storing the settings");
			goto out;
		}
	}
	rc = sql_exec(p, "COMMIT", "committing the settings");
out:
	sqlite3_finalize(has);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	if (rc)
		pdb_rollback(p);
	return rc;
}

/* ---- progress ------------------------------------------------------------ */

/* Time left, from the rates measured by this process. Work of a kind not
 * timed yet is left out, and the estimate is then a lower bound (">"),
 * or unknown while it is under a second. */
static void estimate(const profl *p)
{
	double ms = 0;
	int partial = 0;
	int64_t solo_left = p->solo_total - p->solo_done, grp_left = p->grp_total - p->grp_done;
	if (solo_left > 0) {
		if (p->solo_new > 0)
			ms += (double)solo_left * p->solo_new_ms / (double)p->solo_new;
		else
			partial = 1;
	}
	if (grp_left > 0) {
		if (p->grp_new > 0)
			ms += (double)grp_left * p->grp_new_ms / (double)p->grp_new;
		else
			partial = 1;
	}
	progress_estimate(p->c->progress, partial && ms < 1e3 ? -1 : ms, partial);
}

/* what: "groups resnet50+bert" or "solo bert"; k of n within it. The
 * line counts all the work: solo units and group samples. */
static void show_progress(profl *p, const char *what, int64_t k, int64_t n)
{
	progress *pg = p->c->progress;
	if (!pg)
		return;
	char a[32], b[32], label[sizeof pg->label];
	progress_fmt_count(a, sizeof a, k);
	progress_fmt_count(b, sizeof b, n);
	snprintf(label, sizeof label, "%s %s/%s", what, a, b);
	progress_label(pg, label);
	estimate(p);
	progress_update(pg, p->solo_done + p->grp_done);
}

/* ---- measuring ----------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median and nearest-rank p99 of v[0..n) in microseconds; sorts v. */
static void stats_us(int64_t *v, int n, double *median, double *p99)
{
	qsort(v, (size_t)n, sizeof *v, cmp_i64);
	*median = (n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0) / 1e3;
	int rank = (int)ceil(0.99 * n);
	*p99 = (double)v[(rank < 1 ? 1 : rank) - 1] / 1e3;
}

static int stopped(const profl *p)
{
	return p->c->stop && *p->c->stop;
}

/* One run of a segment alone, as a group of its own, into *ns. */
static int run_alone(profl *p, device *dev, const dev_segment *seg, int64_t *ns)
{
	dev_group g = {1, (dev_segment *)seg};
	int64_t end = 0, t0 = device_now(dev);
	if (device_run_group(dev, &g, &end))
		return failf(p, "running %s ops [%d, %d) at batch %d seq %d alone: %s",
		             p->svc[seg->service].m->name, seg->start, seg->end, seg->batch,
		             seg->seq, device_errmsg(dev));
	*ns = end - t0;
	return 0;
}

/* One run of every op of a segment alone; op_ns[i] for op start + i. */
static int time_ops_once(profl *p, device *dev, const dev_segment *seg, int use_time_ops,
                         int64_t *op_ns)
{
	if (use_time_ops) {
		if (device_time_ops(dev, seg, op_ns))
			return failf(p, "timing the ops of %s at batch %d seq %d: %s",
			             p->svc[seg->service].m->name, seg->batch, seg->seq,
			             device_errmsg(dev));
		return 0;
	}
	for (int op = seg->start; op < seg->end; op++) {
		dev_segment one = *seg;
		one.start = op;
		one.end = op + 1;
		if (run_alone(p, dev, &one, &op_ns[op - seg->start]))
			return -1;
	}
	return 0;
}

static int solo_unit_stored(profl *p, sqlite3_stmt *cnt, const zoo_model *m, int b, int q,
                            int *stored)
{
	int brc = SQLITE_OK;
	if (bind_key(p, cnt, "looking for stored solo ops"))
		return -1;
	db_bind_text(cnt, 3, m->name, &brc);
	db_bind_i64(cnt, 4, b, &brc);
	db_bind_i64(cnt, 5, q, &brc);
	if (brc != SQLITE_OK)
		return sql_fail(p, brc, "sqlite3_bind", "looking for stored solo ops of %s", m->name);
	int64_t n = 0;
	if (step_int(p, cnt, &n, "looking for stored solo ops"))
		return -1;
	*stored = n >= m->n_ops + 1; /* every op, and the whole model */
	return 0;
}

static int solo_phase(profl *p, device *dev, int use_time_ops, int64_t *measured)
{
	const profl_config *c = p->c;
	sqlite3_stmt *cnt = NULL;
	int rc = -1, maxops = 0; /* a row of ns: every op, then the whole model */
	for (int s = 0; s < p->n_svc; s++)
		if (p->svc[s].m->n_ops + 1 > maxops)
			maxops = p->svc[s].m->n_ops + 1;
	int64_t *ns = malloc((size_t)(c->repeats + 1) * (size_t)maxops * sizeof *ns);
	int64_t *col = malloc((size_t)c->repeats * sizeof *col);
	if (!ns || !col) {
		failf(p, "out of memory for %d repeats of %d ops", c->repeats, maxops);
		goto out;
	}
	if (sql_prepare(p,
	                "SELECT count(*) FROM solo_ops WHERE gpu = ?1 AND device = ?2 AND model = ?3 "
	                "AND batch = ?4 AND seq = ?5",
	                &cnt, "looking for stored solo ops"))
		goto out;
	for (int s = 0; s < p->n_svc; s++) {
		profl_svc *sv = &p->svc[s];
		if (!sv->solo)
			continue;
		const zoo_model *m = sv->m;
		int64_t units = (int64_t)sv->n_batches * sv->n_seqs, k = 0;
		char what[96];
		snprintf(what, sizeof what, "solo %s", m->name);
		for (int bi = 0; bi < sv->n_batches; bi++)
			for (int qi = 0; qi < sv->n_seqs; qi++) {
				if (stopped(p)) {
					rc = 1;
					goto out;
				}
				int b = sv->batches[bi], q = sv->seqs[qi], stored = 0;
				k++;
				if (solo_unit_stored(p, cnt, m, b, q, &stored))
					goto out;
				if (stored) {
					p->solo_done++;
					show_progress(p, what, k, units);
					continue;
				}
				double t0 = wall_ms();
				dev_segment seg = {s, b, q, 0, m->n_ops, 1};
				for (int r = 0; r < c->warmup; r++)
					if (time_ops_once(p, dev, &seg, use_time_ops, ns))
						goto out;
				for (int r = 0; r < c->repeats; r++)
					if (time_ops_once(p, dev, &seg, use_time_ops, ns + (size_t)r * (size_t)maxops))
						goto out;
				/* column n_ops: the whole model as one run, as an uncut
				 * query runs (prof.h) */
				int64_t *whole = ns + m->n_ops;
				for (int r = 0; r < c->warmup; r++)
					if (run_alone(p, dev, &seg, whole))
						goto out;
				for (int r = 0; r < c->repeats; r++)
					if (run_alone(p, dev, &seg, whole + (size_t)r * (size_t)maxops))
						goto out;
				if (tx_row(p))
					goto out;
				for (int op = 0; op <= m->n_ops; op++) {
					for (int r = 0; r < c->repeats; r++)
						col[r] = ns[(size_t)r * (size_t)maxops + (size_t)op];
					double med, p99;
					stats_us(col, c->repeats, &med, &p99);
					int brc = SQLITE_OK;
					if (bind_key(p, p->ins_solo, "storing solo ops"))
						goto out;
					db_bind_text(p->ins_solo, 3, m->name, &brc);
					db_bind_i64(p->ins_solo, 4, op, &brc);
					db_bind_i64(p->ins_solo, 5, b, &brc);
					db_bind_i64(p->ins_solo, 6, q, &brc);
					db_bind_double(p->ins_solo, 7, med, &brc);
					db_bind_double(p->ins_solo, 8, p99, &brc);
					db_bind_i64(p->ins_solo, 9, c->repeats, &brc);
					int step = brc == SQLITE_OK ? sqlite3_step(p->ins_solo) : brc;
					if (step != SQLITE_DONE) {
						sql_fail(p, step, "sqlite3_step(INSERT INTO solo_ops)",
						         "storing %s op %d batch %d seq %d", m->name, op, b, q);
						goto out;
					}
				}
				if (tx_commit(p, 0))
					goto out;
				p->solo_done++;
				p->solo_new++;
				(*measured)++;
				p->solo_new_ms += wall_ms() - t0;
				show_progress(p, what, k, units);
			}
	}
	rc = 0;
out:
	sqlite3_finalize(cnt);
	free(ns);
	free(col);
	return rc;
}

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The generator of sample idx of a combination: a function of (seed,
 * combination name, idx) only, which is what makes resuming exact. */
static void sample_rng(rng *r, uint64_t seed, const char *combo, int64_t idx)
{
	uint64_t h = hash_str(HASH_INIT, combo);
	rng_seed(r, mix64(mix64(mix64(seed) ^ h) ^ (uint64_t)idx));
}

static void draw_sample(profl *p, const profl_combo *k, int64_t idx, dev_segment *seg)
{
	rng r;
	sample_rng(&r, p->c->seed, k->name, idx);
	for (int i = 0; i < k->n; i++) {
		const profl_svc *sv = &p->svc[k->svc[i]];
		int n_ops = sv->m->n_ops;
		seg[i].service = k->svc[i];
		seg[i].batch = sv->batches[rng_below(&r, (uint32_t)sv->n_batches)];
		seg[i].seq = sv->seqs[rng_below(&r, (uint32_t)sv->n_seqs)];
		seg[i].start = (int)rng_below(&r, (uint32_t)n_ops);
		seg[i].end = seg[i].start + 1 + (int)rng_below(&r, (uint32_t)(n_ops - seg[i].start));
	}
	/* drawn after the rest, so that the other draws of a sample are the
	 * same whatever the share */
	if (p->c->whole > 0 && rng_double(&r) < p->c->whole)
		for (int i = 0; i < k->n; i++)
			seg[i].start = 0, seg[i].end = p->svc[k->svc[i]].m->n_ops;
}

static void segments_text(const profl *p, const dev_segment *seg, int n, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s:%d:%d:%d:%d", i ? ";" : "",
		                         p->svc[seg[i].service].m->name, seg[i].batch, seg[i].seq,
		                         seg[i].start, seg[i].end);
}

static int64_t group_once(device *dev, const dev_group *g, int *fail)
{
	int64_t seg_end[SMP_MAX_SEG], t0 = device_now(dev), last;
	if (device_run_group(dev, g, seg_end)) {
		*fail = 1;
		return 0;
	}
	last = t0;
	for (int i = 0; i < g->n; i++)
		if (seg_end[i] > last)
			last = seg_end[i];
	return last - t0;
}

/* Marks in have[] (c->samples entries) the samples of combination k that
 * are stored. */
static int stored_samples(profl *p, const profl_combo *k, unsigned char *have)
{
	sqlite3_stmt *st = NULL;
	int brc = SQLITE_OK, rc;
	memset(have, 0, (size_t)p->c->samples);
	if (sql_prepare(p,
	                "SELECT idx FROM groups WHERE gpu = ?1 AND device = ?2 AND combo = ?3 AND "
	                "idx >= 0 AND idx < ?4",
	                &st, "looking for stored samples") ||
	    bind_key(p, st, "looking for stored samples")) {
		sqlite3_finalize(st);
		return -1;
	}
	db_bind_text(st, 3, k->name, &brc);
	db_bind_i64(st, 4, p->c->samples, &brc);
	if (brc != SQLITE_OK) {
		sqlite3_finalize(st);
		return sql_fail(p, brc, "sqlite3_bind", "looking for stored samples of %s", k->name);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		have[sqlite3_column_int64(st, 0)] = 1;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sql_fail(p, rc, "sqlite3_step(SELECT idx FROM groups)",
		                "looking for stored samples of %s", k->name);
	return 0;
}

static int group_phase(profl *p, device *dev, int64_t *measured)
{
	const profl_config *c = p->c;
	int rc = -1;
	unsigned char *have = malloc((size_t)c->samples);
	int64_t *dur = malloc((size_t)c->repeats * sizeof *dur);
	if (!have || !dur) {
		failf(p, "out of memory for %d samples", c->samples);
		goto out;
	}
	for (int ki = 0; ki < p->n_combo; ki++) {
		const profl_combo *k = &p->combo[ki];
		char what[sizeof k->name + 16];
		snprintf(what, sizeof what, "groups %s", k->name);
		if (stored_samples(p, k, have))
			goto out;
		for (int64_t i = 0; i < c->samples; i++) {
			if (stopped(p)) {
				rc = 1;
				goto out;
			}
			if (have[i]) {
				p->grp_done++;
				show_progress(p, what, i + 1, c->samples);
				continue;
			}
			double t0 = wall_ms();
			dev_segment seg[SMP_MAX_SEG];
			draw_sample(p, k, i, seg);
			dev_group g = {k->n, seg};
			char segtxt[512];
			segments_text(p, seg, k->n, segtxt, sizeof segtxt);
			int fail = 0;
			for (int r = 0; r < c->warmup && !fail; r++)
				group_once(dev, &g, &fail);
			for (int r = 0; r < c->repeats && !fail; r++)
				dur[r] = group_once(dev, &g, &fail);
			if (fail) {
				failf(p, "running group %s (sample %lld of %s): %s", segtxt, (long long)i,
				      k->name, device_errmsg(dev));
				goto out;
			}
			double med, p99;
			stats_us(dur, c->repeats, &med, &p99);
			if (tx_row(p) || bind_key(p, p->ins_group, "storing a group sample"))
				goto out;
			int brc = SQLITE_OK;
			db_bind_text(p->ins_group, 3, k->name, &brc);
			db_bind_i64(p->ins_group, 4, i, &brc);
			db_bind_text(p->ins_group, 5, segtxt, &brc);
			db_bind_double(p->ins_group, 6, med, &brc);
			db_bind_double(p->ins_group, 7, p99, &brc);
			int step = brc == SQLITE_OK ? sqlite3_step(p->ins_group) : brc;
			if (step != SQLITE_DONE) {
				sql_fail(p, step, "sqlite3_step(INSERT INTO groups)",
				         "storing sample %lld of %s", (long long)i, k->name);
				goto out;
			}
			if (tx_commit(p, 0))
				goto out;
			p->grp_done++;
			p->grp_new++;
			(*measured)++;
			p->grp_new_ms += wall_ms() - t0;
			show_progress(p, what, i + 1, c->samples);
		}
	}
	rc = 0;
out:
	free(have);
	free(dur);
	return rc;
}

static int setup_device(profl *p, device *dev)
{
	/* Every batch and sequence length the profile will run, so the device
	 * prepares them all at setup (the cuda device warms each up). */
	dev_service ds[PROFL_MAX_MODELS];
	for (int s = 0; s < p->n_svc; s++) {
		const profl_svc *sv = &p->svc[s];
		int has_seq = sv->m->has_seq;
		ds[s] = (dev_service){.model = sv->m,
		                      .max_batch = sv->batches[sv->n_batches - 1],
		                      .max_seq = has_seq ? sv->seqs[sv->n_seqs - 1] : 0,
		                      .batches = sv->batches,
		                      .n_batches = sv->n_batches,
		                      .seqs = has_seq ? sv->seqs : NULL,
		                      .n_seqs = has_seq ? sv->n_seqs : 0};
	}
	if (device_setup(dev, ds, p->n_svc))
		return failf(p, "setting up device %s for %d models: %s", p->c->device, p->n_svc,
		             device_errmsg(dev));
	return 0;
}

static int measure(profl *p, device *dev)
{
	const profl_config *c = p->c;
	if (setup_device(p, dev))
		return -1;
	int use_time_ops = dev->iface->time_ops != NULL;
	if (!use_time_ops && c->solo && c->notes)
		fprintf(c->notes,
		        "profile: device %s cannot time single ops (no time_ops): each op is timed as "
		        "a one-op group through run_group, which includes the per-group "
		        "synchronisation\n",
		        c->device);
	if (settings_sync(p, dev, use_time_ops ? "time_ops" : "run_group"))
		return -1;
	if (sql_prepare(p,
	                "INSERT OR REPLACE INTO solo_ops (gpu, device, model, op, batch, seq, "
	                "median_us, p99_us, repeats) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	                &p->ins_solo, "preparing to store solo ops") ||
	    sql_prepare(p,
	                "INSERT INTO groups (gpu, device, combo, idx, segments, median_us, p99_us) "
	                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	                &p->ins_group, "preparing to store group samples"))
		return -1;
	if (c->solo)
		for (int s = 0; s < p->n_svc; s++)
			if (p->svc[s].solo)
				p->solo_total += (int64_t)p->svc[s].n_batches * p->svc[s].n_seqs;
	if (c->groups)
		p->grp_total = (int64_t)p->n_combo * c->samples;
	if (c->groups && p->n_combo == 0 && c->notes)
		fprintf(c->notes, "profile: no default combination is made of only the models given "
		                  "with --models; give --combos to measure groups\n");
	int64_t solo_new = 0, grp_new = 0;
	if (c->progress) {
		progress_task(c->progress, NULL, p->solo_total + p->grp_total);
		c->progress->unit = "in all";
	}
	int rc = c->solo ? solo_phase(p, dev, use_time_ops, &solo_new) : 0;
	if (rc == 0 && c->groups)
		rc = group_phase(p, dev, &grp_new);
	if (c->progress)
		progress_end(c->progress, 1);
	if (rc < 0) {
		/* Rows measured before the failure are good: keep them. */
		char first[sizeof p->err];
		snprintf(first, sizeof first, "%s", p->err);
		if (tx_commit(p, 1))
			snprintf(p->err, sizeof p->err, "%.900s; the last rows were lost too", first);
		else
			snprintf(p->err, sizeof p->err, "%s", first);
		return -1;
	}
	if (tx_commit(p, 1))
		return -1;
	char a[32], b[32];
	progress_fmt_count(a, sizeof a, solo_new);
	progress_fmt_count(b, sizeof b, grp_new);
	if (rc == 1) {
		failf(p,
		      "interrupted: %s solo units and %s group samples measured now are stored in "
		      "%s; "
		      "re-run the same command to resume",
		      a, b, p->dbname);
		return 130;
	}
	if (c->notes) {
		char d[32], e[32];
		progress_fmt_count(d, sizeof d, p->solo_done);
		progress_fmt_count(e, sizeof e, p->grp_done);
		fprintf(c->notes,
		        "profile: %s/%s in %s: %s solo units (model, batch, seq) and %s group samples "
		        "(%s and %s measured now)\n",
		        c->gpu, c->device, p->dbname, d, e, a, b);
	}
	return 0;
}

/* ---- export -------------------------------------------------------------- */

static int parse_segments(const char *txt, smp_group *g)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", txt);
	char *save = NULL;
	g->n = 0;
	for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		if (g->n == SMP_MAX_SEG)
			return -1;
		smp_segment *s = &g->seg[g->n];
		char *c = strchr(t, ':');
		if (!c || (size_t)(c - t) >= sizeof s->model)
			return -1;
		memcpy(s->model, t, (size_t)(c - t));
		s->model[c - t] = '\0';
		int used = 0;
		if (sscanf(c + 1, "%d:%d:%d:%d%n", &s->batch, &s->seq, &s->start, &s->end, &used) != 4 ||
		    c[1 + used] != '\0')
			return -1;
		g->n++;
	}
	return g->n > 0 ? 0 : -1;
}

static int export_ops(profl *p, const char *path, int64_t *rows)
{
	sqlite3_stmt *st = NULL;
	FILE *f = NULL;
	int rc = -1, step;
	*rows = 0;
	if (sql_prepare(p,
	                "SELECT model, op, batch, seq, median_us, p99_us FROM solo_ops WHERE gpu = ?1 "
	                "AND device = ?2 ORDER BY model, op, seq, batch",
	                &st, "reading solo ops to export") ||
	    bind_key(p, st, "reading solo ops to export"))
		goto out;
	if (!(f = fopen(path, "w"))) {
		failf(p, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	fprintf(f, "model,op,batch,seq,median_us,p99_us\n");
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		fprintf(f, "%s,%d,%d,%d,%.3f,%.3f\n", (const char *)sqlite3_column_text(st, 0),
		        sqlite3_column_int(st, 1), sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
		        sqlite3_column_double(st, 4), sqlite3_column_double(st, 5));
		(*rows)++;
	}
	if (step != SQLITE_DONE) {
		sql_fail(p, step, "sqlite3_step(SELECT FROM solo_ops)", "reading solo ops to export");
		goto out;
	}
	rc = 0;
out:
	if (f && fclose(f) && rc == 0)
		rc = failf(p, "cannot write %s: %s", path, strerror(errno));
	sqlite3_finalize(st);
	return rc;
}

static int export_groups(profl *p, const char *path, int64_t *rows)
{
	sqlite3_stmt *st = NULL;
	smp_set set = {0};
	int rc = -1, step;
	*rows = 0;
	if (sql_prepare(p,
	                "SELECT combo, idx, segments, median_us, p99_us FROM groups WHERE gpu = ?1 "
	                "AND device = ?2 ORDER BY combo, idx",
	                &st, "reading group samples to export") ||
	    bind_key(p, st, "reading group samples to export"))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		smp_group g;
		memset(&g, 0, sizeof g);
		const char *combo = (const char *)sqlite3_column_text(st, 0);
		const char *segs = (const char *)sqlite3_column_text(st, 2);
		if (!segs || parse_segments(segs, &g)) {
			failf(p, "%s: groups row %s #%lld has bad segments '%s'", p->dbname,
			      combo ? combo : "", (long long)sqlite3_column_int64(st, 1), segs ? segs : "");
			goto out;
		}
		g.median_us = sqlite3_column_double(st, 3);
		g.p99_us = sqlite3_column_double(st, 4);
		smp_set_combo(&g);
		if (smp_push(&set, &g)) {
			failf(p, "out of memory exporting group samples");
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		sql_fail(p, step, "sqlite3_step(SELECT FROM groups)", "reading group samples to export");
		goto out;
	}
	char err[512];
	if (smp_write_csv(path, &set, err, sizeof err)) {
		failf(p, "%s", err);
		goto out;
	}
	*rows = (int64_t)set.n;
	rc = 0;
out:
	sqlite3_finalize(st);
	smp_set_free(&set);
	return rc;
}

/* <dir>/engine.txt: the engine the stored profile was measured on (its
 * "engine" setting; "default" where a database from before it has none),
 * which a run on that folder takes for the settings it does not give and
 * the simulator checks the rest against (run_engine_adopt, sim.c). */
static int export_engine(profl *p, const char *dir)
{
	char path[1200], tmp[1210], engine[160] = "default";
	sqlite3_stmt *get = NULL;
	if (sql_prepare(p,
	                "SELECT value FROM settings WHERE gpu = ?1 AND device = ?2 AND name = "
	                "'engine'",
	                &get, "reading the stored engine") ||
	    bind_key(p, get, "reading the stored engine")) {
		sqlite3_finalize(get);
		return -1;
	}
	int step = sqlite3_step(get);
	if (step == SQLITE_ROW && sqlite3_column_text(get, 0))
		snprintf(engine, sizeof engine, "%s", (const char *)sqlite3_column_text(get, 0));
	sqlite3_finalize(get);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sql_fail(p, step, "sqlite3_step", "reading the stored engine");
	snprintf(path, sizeof path, "%s/engine.txt", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ok = f && fprintf(f, "%s\n", engine) >= 0;
	if (f && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		int e = errno;
		unlink(tmp);
		return failf(p, "--export: cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

/* Writes to a temporary name and renames, so that a failed export never
 * leaves a half-written CSV where the simulator would read it. A file
 * without rows is not written: a profile of solo ops only (--no-groups)
 * must not replace the groups.csv already there with a bare header, nor a
 * groups-only one the ops.csv. */
static int export_all(profl *p)
{
	const char *dir = p->c->export_dir;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return failf(p, "--export: cannot create %s: %s", dir, strerror(errno));
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return failf(p, "--export: %s is not a directory", dir);
	char ops[1200], ops_tmp[1210], grp[1200], grp_tmp[1210];
	snprintf(ops, sizeof ops, "%s/ops.csv", dir);
	snprintf(grp, sizeof grp, "%s/groups.csv", dir);
	snprintf(ops_tmp, sizeof ops_tmp, "%s.tmp", ops);
	snprintf(grp_tmp, sizeof grp_tmp, "%s.tmp", grp);
	int64_t n_ops = 0, n_grp = 0;
	if (export_ops(p, ops_tmp, &n_ops) || export_groups(p, grp_tmp, &n_grp)) {
		unlink(ops_tmp);
		unlink(grp_tmp);
		return -1;
	}
	if (n_ops == 0 && n_grp == 0) {
		unlink(ops_tmp);
		unlink(grp_tmp);
		return failf(p, "%s holds no %s/%s profile to export (measure one first, or give the "
		                "--gpu and --device it was measured with)",
		             p->dbname, p->c->gpu, p->c->device);
	}
	if (n_ops == 0)
		unlink(ops_tmp);
	if (n_grp == 0)
		unlink(grp_tmp);
	if (export_engine(p, dir)) {
		unlink(ops_tmp);
		unlink(grp_tmp);
		return -1;
	}
	if ((n_ops > 0 && rename(ops_tmp, ops) != 0) || (n_grp > 0 && rename(grp_tmp, grp) != 0)) {
		int e = errno;
		unlink(ops_tmp);
		unlink(grp_tmp);
		return failf(p, "--export: cannot write into %s: %s", dir, strerror(e));
	}
	if (p->c->notes) {
		char a[32], b[32];
		progress_fmt_count(a, sizeof a, n_ops);
		progress_fmt_count(b, sizeof b, n_grp);
		if (n_ops > 0)
			fprintf(p->c->notes, "profile: exported %s solo ops to %s\n", a, ops);
		else
			fprintf(p->c->notes, "profile: no solo ops to export; %s left as it was\n",
			        ops);
		if (n_grp > 0)
			fprintf(p->c->notes, "profile: exported %s group samples to %s\n", b, grp);
		else
			fprintf(p->c->notes,
			        "profile: no group samples to export; %s left as it was\n", grp);
	}
	return 0;
}

/* ---- the command --------------------------------------------------------- */

static int run_impl(const profl_config *c, device *given, char *err, size_t errlen)
{
	profl *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->c = c;
	int measuring = c->solo || c->groups, rc = -1;
	prof *pr = NULL;
	device own = {0};
	device *dev = given;
	dev_open_options eng; /* the engine's words checked, and named for the settings */
	dev_open_options_default(&eng);
	char eerr[512], adopted[160];
	const char *engine = c->engine;
	const dev_kind *kind = dev_kind_find(c->devices, c->device);
	/* The simulator replays the engine its data folder was measured on
	 * (engine.txt): without --engine, that is the engine profiled, as a
	 * run takes it (run_engine_adopt); an --engine that differs is
	 * refused when the device opens. */
	if (!engine && kind && !kind->real) {
		if (dev_engine_read(c->data_dir, c->gpu, adopted, sizeof adopted, NULL, 0, NULL, eerr,
		                    sizeof eerr)) {
			failf(p, "%s", eerr);
			goto out;
		}
		engine = adopted;
	}
	if (dev_engine_apply(engine, &eng, p->engine, sizeof p->engine, eerr, sizeof eerr)) {
		failf(p, "--engine: %s", eerr);
		goto out;
	}
	if (plan_build(p) || pdb_open(p, !measuring))
		goto out;
	if (measuring && !dev) {
		char derr[1024];
		dev_open_options o;
		dev_open_options_default(&o);
		o.gpu = c->gpu;
		o.data_dir = c->data_dir;
		o.seed = c->seed;
		o.any_start = 1; /* samples start at random ops */
		o.sms = c->sms;
		dev_engine_apply(engine, &o, p->engine, sizeof p->engine, NULL, 0); /* checked */
		/* A simulator's ground truth plays the GPU: the measured profile
		 * of that GPU, or the roofline estimate where asked for, with the
		 * contention the profile asks for rather than a calibration of it. */
		o.calibrated = 0;
		o.noise = c->noise;
		o.kappa = c->kappa;
		if (!p->kind->real &&
		    !(o.prof = pr = c->roofline ? prof_new_file(c->gpu, NULL, derr, sizeof derr)
		                                : prof_new(c->gpu, c->data_dir, derr, sizeof derr))) {
			failf(p, "%s", derr);
			goto out;
		}
		if (dev_kind_open(c->devices, c->device, &o, &own, derr, sizeof derr)) {
			failf(p, "%s", derr);
			goto out;
		}
		/* what is measured on a card is filed under --gpu, where the
		 * simulator and the predictors take it as that card's */
		dev_info di;
		device_info(&own, &di);
		if (p->kind->real && !names_card(di.gpu, c->gpu)) {
			failf(p,
			      "the GPU here is %s, not %s: its measurements would be "
			      "filed as %s's; run with --gpu naming this card",
			      di.gpu, c->gpu, c->gpu);
			goto out;
		}
		dev = &own;
	}
	if (measuring && !dev) {
		failf(p, "no device to measure on");
		goto out;
	}
	rc = measuring ? measure(p, dev) : 0;
	if (rc == 0 && c->export_dir)
		rc = export_all(p);
out:
	if (rc)
		snprintf(err, errlen, "%s", p->err);
	if (p->in_tx)
		pdb_rollback(p);
	pdb_close(p);
	device_free(&own);
	prof_free(pr);
	plan_free(p);
	free(p);
	return rc;
}

int profl_run(const profl_config *c, char *err, size_t errlen)
{
	return run_impl(c, NULL, err, errlen);
}

int profl_run_on(const profl_config *c, device *dev, char *err, size_t errlen)
{
	return run_impl(c, dev, err, errlen);
}
