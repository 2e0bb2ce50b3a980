/* store.c: results.db on SQLite.
 *
 * Why it is built this way:
 *  - The schema is SQL text in one place, store_migrations[]: entry v takes
 *    a database from user_version v to v + 1, so schema 2 is one more entry
 *    and an old results.db is carried forward, never rebuilt.
 *  - A file is checked before anything is written to it: a corrupt file, a
 *    foreign SQLite database or one from a newer abacus is refused while it
 *    is still byte for byte what it was (even switching to WAL would change
 *    its header).
 *  - WAL with synchronous=NORMAL: a reader (store_print_runs, the sqlite3
 *    shell) never blocks a run that is writing, and a power cut can lose
 *    only the last commits, never corrupt the file.
 *  - Every write takes the write lock up front (BEGIN IMMEDIATE) so that a
 *    second process waits in the busy handler instead of failing half-way
 *    through a transaction. The wait is long (STORE_LOCK_WAIT_MS): sweeps
 *    run in parallel into one file, and a run that gives up loses its
 *    results. The final status of a run waits longer still
 *    (STORE_END_TRIES), since a run left 'running' reads as died.
 *  - Query rows go through one prepared INSERT, committed every
 *    STORE_BATCH_ROWS rows: one fsync-free commit per batch keeps the rate
 *    far above what a simulation produces, and a kill loses one batch at
 *    most. The transaction starts at the first row of a batch, not at
 *    store_queries_begin, so the write lock is not held while nothing is
 *    being written.
 */
#include "store.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "version.h"

enum {
	STORE_BATCH_ROWS = 100000,
	/* Lock waits store_run_end tries for the final status and the rows
	 * before it, each STORE_LOCK_WAIT_MS long. */
	STORE_END_TRIES = 3,
};

/* store_migrations[v] moves a database from user_version v to v + 1. */
static const char *const store_migrations[] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE runs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL,\n"
    "  device TEXT NOT NULL,\n"
    "  gpu TEXT NOT NULL,\n"
    "  policy TEXT NOT NULL,\n"
    "  config TEXT NOT NULL,\n"
    "  seed INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),\n"
    "  error TEXT,\n"
    "  started_at TEXT NOT NULL,  -- ISO-8601 UTC\n"
    "  ended_at TEXT,             -- NULL while running (or when the process died)\n"
    "  pid INTEGER,\n"
    "  host TEXT,\n"
    "  gpu_name TEXT, driver TEXT, cuda TEXT, cudnn TEXT,\n"
    "  completed INTEGER, dropped INTEGER,\n"
    "  p50_ms REAL, p99_ms REAL, mean_ms REAL,\n"
    "  violation_ratio REAL,\n"
    "  throughput_qps REAL,       -- completed within QoS per second (goodput)\n"
    "  duration_ms REAL\n"
    ");\n"
    "CREATE TABLE services (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id),\n"
    "  idx INTEGER NOT NULL,\n"
    "  model TEXT NOT NULL,\n"
    "  qos_ms REAL NOT NULL,\n"
    "  batches TEXT NOT NULL,     -- '1,4,8'\n"
    "  seqs TEXT NOT NULL,        -- '8,16' or ''\n"
    "  PRIMARY KEY (run_id, idx)\n"
    ");\n"
    "CREATE TABLE queries (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id),\n"
    "  id INTEGER NOT NULL,       -- 0.. within the run\n"
    "  service INTEGER NOT NULL,  -- services.idx\n"
    "  model TEXT NOT NULL,\n"
    "  batch INTEGER NOT NULL,\n"
    "  seq INTEGER,               -- NULL: the model has no sequence length\n"
    "  arrival_ms REAL NOT NULL,\n"
    "  start_ms REAL,             -- start, end, latency: NULL when it never ran\n"
    "  end_ms REAL,\n"
    "  latency_ms REAL,\n"
    "  dropped INTEGER NOT NULL,\n"
    "  violated INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX queries_run ON queries(run_id);\n"
    "CREATE VIEW run_summary AS\n"
    "SELECT r.id AS run_id, r.name, r.device, r.gpu, r.policy, r.status,\n"
    "  r.started_at, r.ended_at,\n"
    "  (SELECT count(*) FROM services s WHERE s.run_id = r.id) AS services,\n"
    "  (SELECT group_concat(s.model, ',') FROM services s WHERE s.run_id = r.id) AS models,\n"
    "  r.completed, r.dropped, r.p50_ms, r.p99_ms, r.mean_ms, r.violation_ratio,\n"
    "  r.throughput_qps, r.duration_ms, r.error\n"
    "FROM runs r;\n"
    /* Percentiles need window functions over one run at a time; they are in
     * docs/queries.md rather than in a view that would sort every run. */
    "CREATE VIEW service_summary AS\n"
    "SELECT q.run_id, q.service, s.model, s.qos_ms,\n"
    "  count(*) AS queries,\n"
    "  sum(q.latency_ms IS NOT NULL) AS completed,\n"
    "  sum(q.dropped) AS dropped,\n"
    "  avg(q.latency_ms) AS mean_ms,\n"
    "  max(q.latency_ms) AS max_ms,\n"
    "  avg(q.violated) AS violation_ratio\n"
    "FROM queries q LEFT JOIN services s ON s.run_id = q.run_id AND s.idx = q.service\n"
    "GROUP BY q.run_id, q.service;\n",
    /* 1 -> 2: trained predictors, next to the runs they served. Kept for
     * the databases that hold them; predictors now live with the GPU data
     * (train.h) and this table is neither read nor written. */
    "CREATE TABLE predictors (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  gpu TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('mlp', 'lr', 'svm')),\n"
    "  mode TEXT NOT NULL CHECK (mode IN ('all', 'one')),\n"
    "  combo TEXT NOT NULL,       -- '*' for mode 'all', else the models sorted, joined by '+'\n"
    "  features_version INTEGER NOT NULL,\n"
    "  n_train INTEGER NOT NULL,\n"
    "  mae_ms REAL,               -- held-out error measured when it was trained\n"
    "  mape REAL,                 -- percent\n"
    "  created_at TEXT NOT NULL,  -- ISO-8601 UTC\n"
    "  blob BLOB NOT NULL,\n"
    "  checksum TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX predictors_key ON predictors(gpu, kind, mode, combo);\n",
    /* 2 -> 3: where a run's numbers came from: the GPU data folder and the
     * digest of what it held, and the abacus that ran it. NULL in runs
     * stored before. */
    "ALTER TABLE runs ADD COLUMN data_dir TEXT;\n"
    "ALTER TABLE runs ADD COLUMN data_digest TEXT;\n"
    "ALTER TABLE runs ADD COLUMN abacus_version TEXT;\n"
    "ALTER TABLE runs ADD COLUMN git_commit TEXT;\n",
    /* 3 -> 4: results a researcher can query. The config is JSON (a
     * config stored before as Lua text becomes a JSON string holding that
     * text, so json_extract works on every row and loses nothing); tags
     * are the scenario's own JSON object; pooled p90, p95 and p99.9; how
     * many query rows a run stored (a count, for runs that ended before);
     * and each service's figures, with a view beside them. */
    "UPDATE runs SET config = json_quote(config) WHERE NOT json_valid(config);\n"
    "ALTER TABLE runs ADD COLUMN tags TEXT;\n"
    "ALTER TABLE runs ADD COLUMN p90_ms REAL;\n"
    "ALTER TABLE runs ADD COLUMN p95_ms REAL;\n"
    "ALTER TABLE runs ADD COLUMN p999_ms REAL;\n"
    "ALTER TABLE runs ADD COLUMN queries_stored INTEGER;\n"
    "UPDATE runs SET queries_stored = (SELECT count(*) FROM queries q WHERE q.run_id = runs.id)\n"
    "  WHERE status <> 'running';\n"
    "ALTER TABLE services ADD COLUMN completed INTEGER;\n"
    "ALTER TABLE services ADD COLUMN dropped INTEGER;\n"
    "ALTER TABLE services ADD COLUMN violations INTEGER;\n"
    "ALTER TABLE services ADD COLUMN p50_ms REAL;\n"
    "ALTER TABLE services ADD COLUMN p90_ms REAL;\n"
    "ALTER TABLE services ADD COLUMN p95_ms REAL;\n"
    "ALTER TABLE services ADD COLUMN p99_ms REAL;\n"
    "ALTER TABLE services ADD COLUMN p999_ms REAL;\n"
    "ALTER TABLE services ADD COLUMN mean_ms REAL;\n"
    "DROP VIEW run_summary;\n"
    "CREATE VIEW run_summary AS\n"
    "SELECT r.id AS run_id, r.name, r.device, r.gpu, r.policy, r.status,\n"
    "  r.started_at, r.ended_at,\n"
    "  (SELECT count(*) FROM services s WHERE s.run_id = r.id) AS services,\n"
    "  (SELECT group_concat(s.model, ',') FROM services s WHERE s.run_id = r.id) AS models,\n"
    "  r.completed, r.dropped, r.p50_ms, r.p99_ms, r.mean_ms, r.violation_ratio,\n"
    "  r.throughput_qps, r.duration_ms, r.error,\n"
    "  r.p90_ms, r.p95_ms, r.p999_ms, r.queries_stored, r.tags\n"
    "FROM runs r;\n"
    /* NULL figures: a run that ended before schema 4, or failed before it
     * had results. */
    "CREATE VIEW service_results AS\n"
    "SELECT s.run_id, r.name, r.policy, r.status, r.tags, s.idx AS service, s.model,\n"
    "  s.qos_ms, s.completed, s.dropped, s.violations, s.p50_ms, s.p90_ms, s.p95_ms,\n"
    "  s.p99_ms, s.p999_ms, s.mean_ms\n"
    "FROM services s JOIN runs r ON r.id = s.run_id;\n",
    /* 4 -> 5: the Abacus paper's measures beside ours: queries that
     * completed past their QoS (so violations = late + dropped) and the p99
     * of latency / QoS over the completed ones. NULL in runs stored
     * before. */
    "ALTER TABLE runs ADD COLUMN late INTEGER;\n"
    "ALTER TABLE runs ADD COLUMN p99_qos REAL;     -- p99 over completed of latency / QoS\n"
    "ALTER TABLE services ADD COLUMN late INTEGER;\n"
    "ALTER TABLE services ADD COLUMN p99_qos REAL;\n"
    "DROP VIEW run_summary;\n"
    "CREATE VIEW run_summary AS\n"
    "SELECT r.id AS run_id, r.name, r.device, r.gpu, r.policy, r.status,\n"
    "  r.started_at, r.ended_at,\n"
    "  (SELECT count(*) FROM services s WHERE s.run_id = r.id) AS services,\n"
    "  (SELECT group_concat(s.model, ',') FROM services s WHERE s.run_id = r.id) AS models,\n"
    "  r.completed, r.dropped, r.p50_ms, r.p99_ms, r.mean_ms, r.violation_ratio,\n"
    "  r.throughput_qps, r.duration_ms, r.error,\n"
    "  r.p90_ms, r.p95_ms, r.p999_ms, r.queries_stored, r.tags, r.late, r.p99_qos\n"
    "FROM runs r;\n"
    "DROP VIEW service_results;\n"
    "CREATE VIEW service_results AS\n"
    "SELECT s.run_id, r.name, r.policy, r.status, r.tags, s.idx AS service, s.model,\n"
    "  s.qos_ms, s.completed, s.dropped, s.violations, s.p50_ms, s.p90_ms, s.p95_ms,\n"
    "  s.p99_ms, s.p999_ms, s.mean_ms, s.late, s.p99_qos\n"
    "FROM services s JOIN runs r ON r.id = s.run_id;\n",
    /* 5 -> 6: a run's figures minute by minute (per_minute = true): the
     * cluster experiment's throughput and latency over its rate file's
     * minutes. Kept apart from the query rows so that a run that stores
     * none still has them. */
    "CREATE TABLE run_minutes (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id),\n"
    "  minute INTEGER NOT NULL,   -- 0.. of the load's time from the run's start\n"
    "  offered INTEGER NOT NULL,  -- queries that arrived in it\n"
    "  completed INTEGER NOT NULL, -- of those, completed (late ones too)\n"
    "  on_time INTEGER NOT NULL,  -- completed within their QoS target\n"
    "  dropped INTEGER NOT NULL,\n"
    "  p99_ms REAL,               -- over the completed; NULL when none\n"
    "  mean_ms REAL,\n"
    "  PRIMARY KEY (run_id, minute)\n"
    ");\n",
    /* 6 -> 7: what a run's result holds beside its figures, so that
     * `abacus run --resume` can give a stored run's result back whole:
     * its groups, segments, host seconds and decision time. NULL in runs
     * stored before (those are run again, not resumed). */
    "ALTER TABLE runs ADD COLUMN groups INTEGER;\n"
    "ALTER TABLE runs ADD COLUMN segments INTEGER;\n"
    "ALTER TABLE runs ADD COLUMN wall_s REAL;      -- host seconds of the scheduling loop\n"
    "ALTER TABLE runs ADD COLUMN decision_us REAL; -- mean host time a scheduling decision\n"
    "CREATE INDEX runs_by_name ON runs(name, status);\n",
};

#define STORE_SCHEMA_LATEST ((int)(sizeof store_migrations / sizeof store_migrations[0]))
_Static_assert(STORE_SCHEMA_LATEST == STORE_SCHEMA_VERSION,
               "STORE_SCHEMA_VERSION in store.h must match store_migrations");

struct store {
	db *d;
	int reading_only;  /* opened by store_open_readonly */
	sqlite3_stmt *ins; /* INSERT INTO queries, prepared once */
	int q_open;        /* between store_queries_begin and store_queries_commit */
	int q_tx;          /* a batch transaction is open */
	int64_t q_run;
	int64_t q_pending; /* rows in the open transaction */
};

/* Where the message of a failure goes: the connection's buffer. */
#define store_fail(s, ...) db_fail((s)->d, __VA_ARGS__)
#define store_failf(s, ...) db_failf((s)->d, __VA_ARGS__)

static const char *const store_tables[] = {"runs", "services", "queries"};

static const db_schema store_schema = {
    .what = "abacus results database",
    .version = "schema",
    .tables = store_tables,
    .n_tables = (int)(sizeof store_tables / sizeof store_tables[0]),
    .steps = store_migrations,
    .n_steps = STORE_SCHEMA_LATEST,
};

/* Brings the schema to STORE_SCHEMA_LATEST, or, opened for reading only,
 * reads an older one as it is (runs, services and queries are there since
 * schema 1). */
static int store_migrate(store *s, int64_t version)
{
	if (version == STORE_SCHEMA_LATEST || (s->reading_only && version >= 1))
		return 0;
	if (s->reading_only)
		return store_failf(s, "%s holds no abacus results yet (no schema in it)", db_name(s->d));
	return db_migrate(s->d, &store_schema, version);
}

/* A time that is negative means "never happened": NULL in the table. */
static void bind_time(sqlite3_stmt *st, int i, double v, int *rc)
{
	if (v < 0)
		db_bind_null(st, i, rc);
	else
		db_bind_double(st, i, v, rc);
}

static int store_setup(store *s)
{
	int64_t version = 0;

	/* A connection for reading refuses every write, its own included. */
	if (s->reading_only &&
	    db_exec(s->d, "PRAGMA query_only = ON", "opening the file for reading only"))
		return -1;
	if (db_inspect(s->d, &store_schema, &version))
		return -1;
	if (!db_readonly(s->d) && !s->reading_only) {
		if (db_wal(s->d))
			return -1;
		/* A batch of query rows (about 10 MB with its index) fits in the
		 * page cache, so SQLite does not spill pages to the WAL mid-batch
		 * and write them again at commit. The pages are taken only as a
		 * batch needs them. */
		if (db_exec(s->d, "PRAGMA cache_size = -32768", "sizing the page cache"))
			return -1;
	}
	if (db_exec(s->d, "PRAGMA foreign_keys = ON", "turning on foreign keys"))
		return -1;
	return store_migrate(s, version);
}

/* Opens path in `mode`, then the checks of store_setup. NULL with the
 * message in err. */
static store *store_connect(const char *path, db_mode mode, int reading_only, char *err,
                            size_t errlen)
{
	const db_options o = {.mode = mode, .lock_wait_ms = STORE_LOCK_WAIT_MS,
	                      .holder = "abacus run"};
	store *s;

	if (!path || !*path) {
		snprintf(err, errlen, "no results database given (an empty path)");
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s))) {
		snprintf(err, errlen, "out of memory opening %s", path);
		return NULL;
	}
	s->reading_only = reading_only;
	if (!(s->d = db_open(path, &o, err, errlen))) {
		free(s);
		return NULL;
	}
	return s;
}

store *store_open(const char *path, char *err, size_t errlen)
{
	/* URI names ("file:x.db?mode=ro", "?vfs=NAME") are accepted so that a
	 * caller can open a results database read-only, or through a VFS of
	 * its own, without another entry point. */
	store *s = store_connect(path, DB_CREATE, 0, err, errlen);

	if (!s || store_setup(s) == 0)
		return s;
	snprintf(err, errlen, "%s", db_errmsg(s->d));
	store_close(s);
	return NULL;
}

/* "file:PATH?immutable=1" with PATH percent-encoded, or NULL when out of
 * memory. */
static char *store_immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *uri = malloc(3 * n + 32), *o = uri;

	if (!uri)
		return NULL;
	o += sprintf(o, "file:");
	/* "file://x" would name a host: "//x" is the same file as "/x". */
	while (path[0] == '/' && path[1] == '/')
		path++;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	strcpy(o, "?immutable=1");
	return uri;
}

store *store_open_readonly(const char *path, char *err, size_t errlen)
{
	char wal[1100];
	int rc;
	/* Read-write but never create, and query_only (store_setup): a
	 * connection opened SQLITE_OPEN_READONLY would leave the -wal and
	 * -shm files of a WAL database behind when it closes, as the last
	 * connection it cannot fold them in. SQLite falls back to read-only
	 * where the file is not writable. */
	store *s = store_connect(path, DB_WRITE, 1, err, errlen);

	if (!s || store_setup(s) == 0)
		return s;
	/* A WAL file in a folder this process cannot write: SQLite cannot
	 * create the shared-memory file readers coordinate through
	 * (SQLITE_READONLY_DIRECTORY, _CANTINIT or SQLITE_CANTOPEN on the
	 * first read). With no -wal file beside it no writer is active and
	 * the file itself is the whole database, so it is read as immutable. */
	snprintf(wal, sizeof wal, "%s-wal", path);
	rc = sqlite3_errcode(db_handle(s->d)) & 0xff;
	if ((rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) && strncmp(path, "file:", 5) != 0 &&
	    access(path, R_OK) == 0 && access(wal, F_OK) != 0 && errno == ENOENT) {
		char *uri = store_immutable_uri(path);
		if (!uri) {
			store_failf(s, "out of memory opening %s", db_name(s->d));
		} else {
			rc = db_reopen(s->d, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
			free(uri);
			if (rc == 0 && store_setup(s) == 0)
				return s;
		}
	}
	snprintf(err, errlen, "%s", db_errmsg(s->d));
	store_close(s);
	return NULL;
}

int store_set_lock_wait(store *s, int ms)
{
	return db_set_lock_wait(s->d, ms);
}

/* Commits the rows of the open batch. A commit that fails leaves the
 * transaction open when SQLite still has it (a busy lock), so that a later
 * call can try again without losing the rows. */
static int store_batch_commit(store *s)
{
	if (!s->q_tx)
		return 0;
	if (db_exec(s->d, "COMMIT", "committing query rows")) {
		if (!sqlite3_get_autocommit(db_handle(s->d)))
			return -1;
		s->q_tx = 0;
		db_append(s->d, "; %lld query rows of run %lld were lost", (long long)s->q_pending,
		          (long long)s->q_run);
		s->q_pending = 0;
		return -1;
	}
	s->q_tx = 0;
	s->q_pending = 0;
	return 0;
}

void store_close(store *s)
{
	if (!s)
		return;
	/* Closing is not a crash: rows added but not yet committed are kept.
	 * There is no caller to tell if that fails; a caller who must know
	 * calls store_queries_commit first. */
	if (s->d && s->q_tx && store_batch_commit(s))
		db_rollback(s->d);
	sqlite3_finalize(s->ins);
	db_close(s->d);
	free(s);
}

const char *store_errmsg(const store *s)
{
	return s ? db_errmsg(s->d) : "no results database (store_open failed)";
}

int store_run_begin(store *s, const store_run_info *info, const store_service_row *svc, int n_svc,
                    int64_t *run_id)
{
	static const char run_sql[] =
	    "INSERT INTO runs (name, device, gpu, policy, config, seed, status, started_at, pid, "
	    "host, gpu_name, driver, cuda, cudnn, data_dir, data_digest, abacus_version, "
	    "git_commit, tags) VALUES (?1, ?2, ?3, ?4, json(?5), ?6, 'running', "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	    "?16, json(?17))";
	static const char svc_sql[] = "INSERT INTO services (run_id, idx, model, qos_ms, batches, "
	                              "seqs) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st = NULL;
	char host[256] = "";
	int rc = SQLITE_OK;
	int64_t id;

	if (!info || n_svc < 0 || (n_svc > 0 && !svc) || !run_id)
		return store_failf(s, "store_run_begin: no run info, services or run_id given");
	if (s->q_open)
		return store_failf(s,
		                   "store_run_begin: query rows of run %lld are still being added "
		                   "(store_queries_commit first)",
		                   (long long)s->q_run);
	/* A run on a machine whose name cannot be read is still stored; the
	 * host only serves to tell a dead run from a live one. */
	if (gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';

	if (db_exec(s->d, "BEGIN IMMEDIATE", "starting a new run"))
		return -1;
	rc = sqlite3_prepare_v2(db_handle(s->d), run_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "sqlite3_prepare_v2(INSERT INTO runs)", "starting run '%s'",
		           info->name ? info->name : "");
		goto fail;
	}
	db_bind_text(st, 1, info->name, &rc);
	db_bind_text(st, 2, info->device, &rc);
	db_bind_text(st, 3, info->gpu, &rc);
	db_bind_text(st, 4, info->policy, &rc);
	db_bind_text(st, 5, info->config && *info->config ? info->config : "{}", &rc);
	db_bind_i64(st, 6, info->seed, &rc);
	db_bind_i64(st, 7, (int64_t)getpid(), &rc);
	db_bind_text(st, 8, host, &rc);
	db_bind_text(st, 9, info->gpu_name, &rc);
	db_bind_text(st, 10, info->driver, &rc);
	db_bind_text(st, 11, info->cuda, &rc);
	db_bind_text(st, 12, info->cudnn, &rc);
	db_bind_text_null(st, 13, info->data_dir, &rc);
	db_bind_text_null(st, 14, info->data_digest, &rc);
	db_bind_text(st, 15, abacus_version(), &rc);
	db_bind_text(st, 16, abacus_git_commit(), &rc);
	db_bind_text(st, 17, info->tags && *info->tags ? info->tags : "{}", &rc);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "sqlite3_bind(INSERT INTO runs)", "starting run '%s'",
		           info->name ? info->name : "");
		goto fail;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, rc, "sqlite3_step(INSERT INTO runs)", "starting run '%s'",
		           info->name ? info->name : "");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	id = sqlite3_last_insert_rowid(db_handle(s->d));

	rc = sqlite3_prepare_v2(db_handle(s->d), svc_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "sqlite3_prepare_v2(INSERT INTO services)",
		           "recording the services of run %lld", (long long)id);
		goto fail;
	}
	for (int i = 0; i < n_svc; i++) {
		db_bind_i64(st, 1, id, &rc);
		db_bind_i64(st, 2, svc[i].idx, &rc);
		db_bind_text(st, 3, svc[i].model, &rc);
		db_bind_double(st, 4, svc[i].qos_ms, &rc);
		db_bind_text(st, 5, svc[i].batches, &rc);
		db_bind_text(st, 6, svc[i].seqs, &rc);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		if (rc != SQLITE_DONE) {
			store_fail(s, rc, "sqlite3_step(INSERT INTO services)",
			           "recording service %d (%s) of run %lld", svc[i].idx,
			           svc[i].model ? svc[i].model : "", (long long)id);
			goto fail;
		}
		rc = sqlite3_reset(st);
		if (rc != SQLITE_OK) {
			store_fail(s, rc, "sqlite3_reset(INSERT INTO services)",
			           "recording the services of run %lld", (long long)id);
			goto fail;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_exec(s->d, "COMMIT", "committing the new run"))
		goto fail;
	*run_id = id;
	return 0;
fail:
	sqlite3_finalize(st);
	db_rollback(s->d);
	return -1;
}

int store_queries_begin(store *s, int64_t run_id)
{
	static const char ins_sql[] =
	    "INSERT INTO queries (run_id, id, service, model, batch, seq, arrival_ms, start_ms, "
	    "end_ms, latency_ms, dropped, violated) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	sqlite3_stmt *st = NULL;
	int rc;

	if (s->q_open)
		return store_failf(s,
		                   "store_queries_begin: query rows of run %lld are still being "
		                   "added (store_queries_commit first)",
		                   (long long)s->q_run);
	/* Rows belong to a run in progress: an ended run is never added to. */
	rc = sqlite3_prepare_v2(db_handle(s->d), "SELECT status FROM runs WHERE id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_prepare_v2(SELECT status FROM runs)",
		                  "checking run %lld before adding query rows", (long long)run_id);
	rc = sqlite3_bind_int64(st, 1, run_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return store_failf(s, "%s has no run %lld to add query rows to", db_name(s->d),
		                   (long long)run_id);
	}
	if (rc != SQLITE_ROW) {
		store_fail(s, rc, "sqlite3_step(SELECT status FROM runs)",
		           "checking run %lld before adding query rows", (long long)run_id);
		sqlite3_finalize(st);
		return -1;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "running") != 0) {
		store_failf(s, "run %lld in %s has already ended (%s); its rows are not added to",
		            (long long)run_id, db_name(s->d), (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);

	if (!s->ins) {
		rc = sqlite3_prepare_v3(db_handle(s->d), ins_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->ins,
		                        NULL);
		if (rc != SQLITE_OK)
			return store_fail(s, rc, "sqlite3_prepare_v3(INSERT INTO queries)",
			                  "preparing to add query rows of run %lld",
			                  (long long)run_id);
	}
	/* The run id stays bound across sqlite3_reset: bound once per batch. */
	rc = sqlite3_bind_int64(s->ins, 1, run_id);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_bind_int64(INSERT INTO queries)",
		                  "preparing to add query rows of run %lld", (long long)run_id);
	s->q_open = 1;
	s->q_run = run_id;
	s->q_pending = 0;
	return 0;
}

int store_query_add(store *s, const store_query_row *row)
{
	sqlite3_stmt *st = s->ins;
	int rc = SQLITE_OK;

	if (!s->q_open)
		return store_failf(s, "store_query_add: no store_queries_begin before it");
	if (!s->q_tx) {
		if (db_exec(s->d, "BEGIN IMMEDIATE", "starting a batch of query rows"))
			return -1;
		s->q_tx = 1;
	}
	db_bind_i64(st, 2, row->id, &rc);
	db_bind_i64(st, 3, row->service, &rc);
	db_bind_text(st, 4, row->model, &rc);
	db_bind_i64(st, 5, row->batch, &rc);
	if (row->seq > 0)
		db_bind_i64(st, 6, row->seq, &rc);
	else
		db_bind_null(st, 6, &rc);
	db_bind_double(st, 7, row->arrival_ms, &rc);
	bind_time(st, 8, row->start_ms, &rc);
	bind_time(st, 9, row->end_ms, &rc);
	bind_time(st, 10, row->latency_ms, &rc);
	db_bind_i64(st, 11, row->dropped != 0, &rc);
	db_bind_i64(st, 12, row->violated != 0, &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, rc, "sqlite3_step(INSERT INTO queries)",
		           "adding query %lld of run %lld", (long long)row->id,
		           (long long)s->q_run);
		sqlite3_reset(st); /* its code repeats the failure just reported */
		return -1;
	}
	rc = sqlite3_reset(st);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_reset(INSERT INTO queries)",
		                  "adding query %lld of run %lld", (long long)row->id,
		                  (long long)s->q_run);
	if (++s->q_pending >= STORE_BATCH_ROWS)
		return store_batch_commit(s);
	return 0;
}

int store_queries_commit(store *s)
{
	if (!s->q_open)
		return store_failf(s, "store_queries_commit: no store_queries_begin before it");
	if (store_batch_commit(s))
		return -1;
	s->q_open = 0;
	return 0;
}

/* The run's minutes, inside store_end_tx's transaction. */
static int store_minutes_tx(store *s, int64_t run_id, const store_summary *sum,
                            const char *doing)
{
	sqlite3_stmt *st;
	if (db_prepare(s->d,
	               "INSERT INTO run_minutes (run_id, minute, offered, completed, on_time, dropped, "
	               "p99_ms, mean_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	               &st, doing))
		return -1;
	int rc = SQLITE_OK;
	for (size_t k = 0; k < sum->n_minutes && rc == SQLITE_OK; k++) {
		const store_minute *m = &sum->minutes[k];
		sqlite3_reset(st);
		db_bind_i64(st, 1, run_id, &rc);
		db_bind_i64(st, 2, (int64_t)k, &rc);
		db_bind_i64(st, 3, m->offered, &rc);
		db_bind_i64(st, 4, m->completed, &rc);
		db_bind_i64(st, 5, m->on_time, &rc);
		db_bind_i64(st, 6, m->dropped, &rc);
		db_bind_double(st, 7, m->p99_ms, &rc);
		db_bind_double(st, 8, m->mean_ms, &rc);
		if (rc != SQLITE_OK)
			store_fail(s, rc, "sqlite3_bind(INSERT INTO run_minutes)", "%s", doing);
		else if (db_step(s->d, st, doing) != SQLITE_DONE)
			rc = SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/* The end of a run in one transaction: its row in runs, then its
 * services' figures. *changed is 0 when no run `run_id` was still running
 * (nothing is written then). */
static int store_end_tx(store *s, int64_t run_id, const char *status, const store_summary *sum,
                        const char *error, int *changed)
{
	static const char run_sql[] =
	    "UPDATE runs SET status = ?2, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
	    "error = ?3, completed = ?4, dropped = ?5, p50_ms = ?6, p99_ms = ?7, mean_ms = ?8, "
	    "violation_ratio = ?9, throughput_qps = ?10, duration_ms = ?11, p90_ms = ?12, "
	    "p95_ms = ?13, p999_ms = ?14, p99_qos = ?15, late = ?16, groups = ?17, segments = ?18, "
	    "wall_s = ?19, decision_us = ?20, "
	    "queries_stored = (SELECT count(*) FROM queries WHERE run_id = ?1) "
	    "WHERE id = ?1 AND status = 'running'";
	static const char svc_sql[] =
	    "UPDATE services SET completed = ?3, dropped = ?4, violations = ?5, p50_ms = ?6, "
	    "p90_ms = ?7, p95_ms = ?8, p99_ms = ?9, p999_ms = ?10, mean_ms = ?11, p99_qos = ?12, "
	    "late = ?13 WHERE run_id = ?1 AND idx = ?2";
	sqlite3_stmt *st = NULL;
	char doing[96];
	int rc = SQLITE_OK;

	snprintf(doing, sizeof doing, "ending run %lld as %s", (long long)run_id, status);
	if (db_begin(s->d, doing) || db_prepare(s->d, run_sql, &st, doing))
		return -1;
	db_bind_i64(st, 1, run_id, &rc);
	db_bind_text(st, 2, status, &rc);
	db_bind_text_null(st, 3, error, &rc);
	if (sum) {
		const double v[] = {sum->p50_ms,         sum->p99_ms,         sum->mean_ms,
		                    sum->violation_ratio, sum->throughput_qps, sum->duration_ms,
		                    sum->p90_ms,          sum->p95_ms,         sum->p999_ms,
		                    sum->p99_qos};
		db_bind_i64(st, 4, sum->completed, &rc);
		db_bind_i64(st, 5, sum->dropped, &rc);
		for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
			db_bind_double(st, 6 + i, v[i], &rc); /* NaN is stored as NULL */
		db_bind_i64(st, 16, sum->late, &rc);
		db_bind_i64(st, 17, sum->groups, &rc);
		db_bind_i64(st, 18, sum->segments, &rc);
		db_bind_double(st, 19, sum->wall_s, &rc);
		db_bind_double(st, 20, sum->decision_us, &rc);
	} else {
		for (int i = 4; i <= 20; i++)
			db_bind_null(st, i, &rc);
	}
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return store_fail(s, rc, "sqlite3_bind(UPDATE runs)", "%s", doing);
	}
	rc = db_step(s->d, st, doing);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	*changed = sqlite3_changes(db_handle(s->d)) == 1;
	if (!*changed)
		return db_commit(s->d, doing);
	if (sum && sum->n_services > 0) {
		if (db_prepare(s->d, svc_sql, &st, doing))
			return -1;
		for (int k = 0; k < sum->n_services; k++) {
			const store_service_summary *x = &sum->services[k];
			const double v[] = {x->p50_ms,  x->p90_ms,  x->p95_ms, x->p99_ms,
			                    x->p999_ms, x->mean_ms, x->p99_qos};
			rc = SQLITE_OK;
			sqlite3_reset(st);
			db_bind_i64(st, 1, run_id, &rc);
			db_bind_i64(st, 2, x->idx, &rc);
			db_bind_i64(st, 3, x->completed, &rc);
			db_bind_i64(st, 4, x->dropped, &rc);
			db_bind_i64(st, 5, x->violations, &rc);
			for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
				db_bind_double(st, 6 + i, v[i], &rc);
			db_bind_i64(st, 13, x->late, &rc);
			if (rc != SQLITE_OK) {
				store_fail(s, rc, "sqlite3_bind(UPDATE services)", "%s", doing);
				break;
			}
			if (db_step(s->d, st, doing) != SQLITE_DONE) {
				rc = SQLITE_ERROR;
				break;
			}
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_OK)
			return -1;
	}
	if (sum && sum->n_minutes > 0 && store_minutes_tx(s, run_id, sum, doing))
		return -1;
	return db_commit(s->d, doing);
}

int store_run_end(store *s, int64_t run_id, const char *status, const store_summary *sum,
                  const char *error)
{
	char lost[1024] = ""; /* why the open rows could not be committed */
	char why[2048];       /* the error stored with the run */

	if (!status || (strcmp(status, "done") != 0 && strcmp(status, "failed") != 0 &&
	                strcmp(status, "interrupted") != 0))
		return store_failf(s,
		                   "store_run_end: status '%s' is not done, failed or interrupted",
		                   status ? status : "(null)");
	/* The rows gathered so far are part of the record, above all for a
	 * failed or interrupted run. A commit that fails on a lock keeps its
	 * transaction: try again. Rows that cannot be committed are given up,
	 * but the run still ends, as failed and saying why: a run left
	 * 'running' would read as died, its error lost. */
	if (s->q_open) {
		for (int t = 1; store_batch_commit(s); t++) {
			if (s->q_tx && t < STORE_END_TRIES)
				continue;
			if (s->q_tx) {
				db_append(s->d, "; %lld query rows of run %lld were lost",
				         (long long)s->q_pending, (long long)s->q_run);
				db_rollback(s->d);
				s->q_tx = 0;
				s->q_pending = 0;
			}
			snprintf(lost, sizeof lost, "%s", db_errmsg(s->d));
			snprintf(why, sizeof why, "%s%s%s", error ? error : "", error ? "; " : "",
			         lost);
			status = "failed";
			error = why;
			break;
		}
		s->q_open = 0;
	}

	/* The final status outlasts STORE_END_TRIES lock waits: a transaction
	 * that failed busy is rolled back and taken again. */
	for (int t = 1;; t++) {
		int changed = 0, code;
		if (store_end_tx(s, run_id, status, sum, error, &changed) == 0) {
			if (!changed)
				break;
			return lost[0] ? store_failf(s, "%s", lost) : 0;
		}
		code = sqlite3_errcode(db_handle(s->d));
		db_rollback(s->d);
		if ((code & 0xff) == SQLITE_BUSY && t < STORE_END_TRIES)
			continue;
		if (lost[0])
			db_append(s->d, "; before that: %s", lost);
		return -1;
	}

	/* Nothing changed: say whether the run is missing or already ended. */
	{
		int64_t n = 0;
		char q[96];
		snprintf(q, sizeof q, "SELECT count(*) FROM runs WHERE id = %lld",
		         (long long)run_id);
		if (db_int(s->d, q, &n, "looking for the run to end"))
			return -1;
		if (n == 0)
			return store_failf(s, "%s has no run %lld to end", db_name(s->d),
			                   (long long)run_id);
		return store_failf(
		    s, "run %lld in %s has already ended; an ended run is never rewritten",
		    (long long)run_id, db_name(s->d));
	}
}

/* The columns of the runs table as printed. */
enum {
	PR_ID,
	PR_NAME,
	PR_DEVICE,
	PR_GPU,
	PR_POLICY,
	PR_STATUS,
	PR_QUERIES,
	PR_P99,
	PR_VIOL,
	PR_GOODPUT,
	PR_STARTED,
	PR_NCOL
};

typedef struct pr_row {
	char cell[PR_NCOL][48];
} pr_row;

/* 1 when the process that wrote a 'running' run is known to be gone: it
 * ran on this host and no process has its id. A process of another user
 * (EPERM) is alive; a run from another host cannot be judged. */
static int store_run_died(int64_t pid, const char *host, const char *my_host)
{
	if (pid <= 0 || !host || strcmp(host, my_host) != 0)
		return 0;
	if ((pid_t)pid == getpid())
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void pr_text(char *cell, const unsigned char *v)
{
	snprintf(cell, 48, "%s", v && *v ? (const char *)v : "-");
	size_t n = strlen(cell);
	if (!v || strlen((const char *)v) <= n)
		return;
	/* cut: never in the middle of a UTF-8 character */
	size_t lead = n;
	while (lead > 0 && ((unsigned char)cell[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0 || (unsigned char)cell[lead - 1] < 0xC0)
		return;
	unsigned char b = (unsigned char)cell[lead - 1];
	size_t want = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
	if (n - (lead - 1) < want)
		cell[lead - 1] = '\0';
}

static void pr_real(char *cell, double v, double scale, int digits)
{
	if (isnan(v))
		snprintf(cell, 48, "-");
	else
		snprintf(cell, 48, "%.*f", digits, scale * v);
}

static double col_real(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	return v ? (const char *)v : "";
}

void store_found_free(store_found *f)
{
	free(f->services);
	free(f->minutes);
	free(f->note);
	*f = (store_found){0};
}

/* The services' and minutes' rows of a found run, into f. */
static int found_rows(store *s, store_found *f, const char *doing)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0, m = 0;
	char q[160];
	snprintf(q, sizeof q, "SELECT count(*) FROM services WHERE run_id = %lld",
	         (long long)f->run_id);
	if (db_int(s->d, q, &n, doing))
		return -1;
	snprintf(q, sizeof q, "SELECT count(*) FROM run_minutes WHERE run_id = %lld",
	         (long long)f->run_id);
	if (db_int(s->d, q, &m, doing))
		return -1;
	f->services = calloc((size_t)(n ? n : 1), sizeof *f->services);
	f->minutes = calloc((size_t)(m ? m : 1), sizeof *f->minutes);
	if (!f->services || !f->minutes)
		return store_failf(s, "%s: out of memory", doing);
	if (db_prepare(s->d,
	               "SELECT idx, completed, dropped, violations, late, p50_ms, p90_ms, p95_ms, "
	               "p99_ms, p999_ms, mean_ms, p99_qos FROM services WHERE run_id = ?1 "
	               "ORDER BY idx",
	               &st, doing))
		return -1;
	int rc = SQLITE_OK, k = 0;
	db_bind_i64(st, 1, f->run_id, &rc);
	while (rc == SQLITE_OK && k < n && (rc = db_step(s->d, st, doing)) == SQLITE_ROW) {
		f->services[k++] = (store_service_summary){
		    .idx = sqlite3_column_int(st, 0),
		    .completed = sqlite3_column_int64(st, 1),
		    .dropped = sqlite3_column_int64(st, 2),
		    .violations = sqlite3_column_int64(st, 3),
		    .late = sqlite3_column_int64(st, 4),
		    .p50_ms = col_real(st, 5),
		    .p90_ms = col_real(st, 6),
		    .p95_ms = col_real(st, 7),
		    .p99_ms = col_real(st, 8),
		    .p999_ms = col_real(st, 9),
		    .mean_ms = col_real(st, 10),
		    .p99_qos = col_real(st, 11),
		};
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		return -1;
	f->sum.services = f->services;
	f->sum.n_services = k;
	if (db_prepare(
	        s->d,
	        "SELECT offered, completed, on_time, dropped, p99_ms, mean_ms FROM run_minutes "
	        "WHERE run_id = ?1 ORDER BY minute",
	        &st, doing))
		return -1;
	rc = SQLITE_OK;
	size_t j = 0;
	db_bind_i64(st, 1, f->run_id, &rc);
	while (rc == SQLITE_OK && (int64_t)j < m && (rc = db_step(s->d, st, doing)) == SQLITE_ROW) {
		f->minutes[j++] = (store_minute){
		    .offered = sqlite3_column_int64(st, 0),
		    .completed = sqlite3_column_int64(st, 1),
		    .on_time = sqlite3_column_int64(st, 2),
		    .dropped = sqlite3_column_int64(st, 3),
		    .p99_ms = col_real(st, 4),
		    .mean_ms = col_real(st, 5),
		};
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		return -1;
	f->sum.minutes = f->minutes;
	f->sum.n_minutes = j;
	return 0;
}

int store_find_done(store *s, const store_run_info *info, store_found *out)
{
	static const char sql[] =
	    "SELECT id, completed, dropped, p50_ms, p99_ms, mean_ms, violation_ratio, "
	    "throughput_qps, duration_ms, p90_ms, p95_ms, p999_ms, late, p99_qos, groups, "
	    "segments, wall_s, decision_us, error FROM runs WHERE name = ?5 AND status = 'done' "
	    "AND config = json(?1) AND device = ?2 AND gpu = ?3 AND data_digest IS ?4 "
	    "AND groups IS NOT NULL "
	    "ORDER BY id DESC LIMIT 1";
	const char *doing = "looking for a finished run of the same configuration";
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_OK;
	*out = (store_found){0};
	if (db_prepare(s->d, sql, &st, doing))
		return -1;
	db_bind_text(st, 1, info->config && *info->config ? info->config : "{}", &rc);
	db_bind_text(st, 2, info->device, &rc);
	db_bind_text(st, 3, info->gpu, &rc);
	db_bind_text_null(st, 4, info->data_digest, &rc);
	db_bind_text(st, 5, info->name, &rc);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return store_fail(s, rc, "sqlite3_bind(SELECT FROM runs)", "%s", doing);
	}
	rc = db_step(s->d, st, doing);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	store_found *f = out;
	f->run_id = sqlite3_column_int64(st, 0);
	f->sum = (store_summary){
	    .completed = sqlite3_column_int64(st, 1),
	    .dropped = sqlite3_column_int64(st, 2),
	    .p50_ms = col_real(st, 3),
	    .p99_ms = col_real(st, 4),
	    .mean_ms = col_real(st, 5),
	    .violation_ratio = col_real(st, 6),
	    .throughput_qps = col_real(st, 7),
	    .duration_ms = col_real(st, 8),
	    .p90_ms = col_real(st, 9),
	    .p95_ms = col_real(st, 10),
	    .p999_ms = col_real(st, 11),
	    .late = sqlite3_column_int64(st, 12),
	    .p99_qos = col_real(st, 13),
	    .groups = sqlite3_column_int64(st, 14),
	    .segments = sqlite3_column_int64(st, 15),
	    .wall_s = col_real(st, 16),
	    .decision_us = col_real(st, 17),
	};
	const char *note = (const char *)sqlite3_column_text(st, 18);
	if (note && *note && !(f->note = strdup(note))) {
		sqlite3_finalize(st);
		return store_failf(s, "%s: out of memory", doing);
	}
	sqlite3_finalize(st);
	if (found_rows(s, f, doing)) {
		store_found_free(f);
		return -1;
	}
	return 1;
}

int store_walk_runs(store *s, int limit, store_run_fn fn, void *ctx, int64_t *total)
{
	static const char sql[] =
	    "SELECT r.id, r.name, r.device, r.gpu, r.policy, r.status, r.pid, r.host, "
	    "(SELECT count(*) FROM queries q WHERE q.run_id = r.id), r.p99_ms, r.violation_ratio, "
	    "r.throughput_qps, r.started_at "
	    "FROM (SELECT * FROM runs ORDER BY id DESC LIMIT ?1) r ORDER BY r.id";
	sqlite3_stmt *st = NULL;
	char my_host[256] = "";
	int rc, status = -1;

	if (total && db_int(s->d, "SELECT count(*) FROM runs", total, "counting the runs"))
		return -1;
	if (!fn)
		return 0;
	if (gethostname(my_host, sizeof my_host - 1) != 0)
		my_host[0] = '\0';
	rc = sqlite3_prepare_v2(db_handle(s->d), sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_prepare_v2(SELECT FROM runs)",
		                  "listing the runs");
	rc = sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "sqlite3_bind_int(LIMIT)", "listing the runs");
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_run_entry e = {
		    .id = sqlite3_column_int64(st, 0),
		    .name = col_text(st, 1),
		    .device = col_text(st, 2),
		    .gpu = col_text(st, 3),
		    .policy = col_text(st, 4),
		    .status = col_text(st, 5),
		    .queries = sqlite3_column_int64(st, 8),
		    .p99_ms = col_real(st, 9),
		    .violation_ratio = col_real(st, 10),
		    .throughput_qps = col_real(st, 11),
		    .started_at = col_text(st, 12),
		};
		if (strcmp(e.status, "running") == 0 &&
		    store_run_died(sqlite3_column_int64(st, 6),
		                   (const char *)sqlite3_column_text(st, 7), my_host))
			e.status = "died";
		if ((rc = fn(ctx, &e)) != 0) {
			status = rc;
			goto done;
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, rc, "sqlite3_step(SELECT FROM runs)", "listing the runs");
		goto done;
	}
	status = 0;
done:
	sqlite3_finalize(st);
	return status;
}

typedef struct pr_rows {
	pr_row *rows;
	size_t n, cap;
} pr_rows;

static int pr_add(void *ctx, const store_run_entry *e)
{
	pr_rows *t = ctx;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 16;
		pr_row *grown = realloc(t->rows, ncap * sizeof *grown);
		if (!grown)
			return -2;
		t->rows = grown;
		t->cap = ncap;
	}
	pr_row *r = &t->rows[t->n++];
	snprintf(r->cell[PR_ID], 48, "%lld", (long long)e->id);
	const char *text[] = {[PR_NAME] = e->name,     [PR_DEVICE] = e->device,
	                      [PR_GPU] = e->gpu,       [PR_POLICY] = e->policy,
	                      [PR_STATUS] = e->status, [PR_STARTED] = e->started_at};
	for (int c = PR_NAME; c <= PR_STATUS; c++)
		pr_text(r->cell[c], (const unsigned char *)text[c]);
	snprintf(r->cell[PR_QUERIES], 48, "%lld", (long long)e->queries);
	pr_real(r->cell[PR_P99], e->p99_ms, 1, 2);
	pr_real(r->cell[PR_VIOL], e->violation_ratio, 100, 1);
	pr_real(r->cell[PR_GOODPUT], e->throughput_qps, 1, 1);
	/* "2024-05-01T10:00:00.123Z" reads better as "2024-05-01 10:00:00". */
	pr_text(r->cell[PR_STARTED], (const unsigned char *)text[PR_STARTED]);
	r->cell[PR_STARTED][19] = '\0';
	if (r->cell[PR_STARTED][10] == 'T')
		r->cell[PR_STARTED][10] = ' ';
	return 0;
}

int store_print_runs(store *s, FILE *out, int limit)
{
	static const char *const head[PR_NCOL] = {"id",     "name",    "device",       "gpu",
	                                          "policy", "status",  "queries",      "p99_ms",
	                                          "viol%",  "goodput", "started (UTC)"};
	static const int right[PR_NCOL] = {
	    [PR_ID] = 1, [PR_QUERIES] = 1, [PR_P99] = 1, [PR_VIOL] = 1, [PR_GOODPUT] = 1};
	pr_rows t = {0};
	int width[PR_NCOL];
	int status = -1;

	int rc = store_walk_runs(s, limit, pr_add, &t, NULL);
	if (rc == -2)
		store_failf(s, "out of memory listing the runs of %s", db_name(s->d));
	if (rc)
		goto done;
	pr_row *rows = t.rows;
	size_t n = t.n;
	if (n == 0) {
		fprintf(out, "no runs in %s yet\n", db_name(s->d));
	} else {
		for (int c = 0; c < PR_NCOL; c++) {
			width[c] = (int)strlen(head[c]);
			for (size_t i = 0; i < n; i++)
				if ((int)strlen(rows[i].cell[c]) > width[c])
					width[c] = (int)strlen(rows[i].cell[c]);
		}
		/* The last column is not padded: no trailing blanks. */
		width[PR_NCOL - 1] = 0;
		for (int c = 0; c < PR_NCOL; c++)
			fprintf(out, "%s%*s", c ? "  " : "", right[c] ? width[c] : -width[c],
			        head[c]);
		fputc('\n', out);
		for (size_t i = 0; i < n; i++) {
			for (int c = 0; c < PR_NCOL; c++)
				fprintf(out, "%s%*s", c ? "  " : "",
				        right[c] ? width[c] : -width[c], rows[i].cell[c]);
			fputc('\n', out);
		}
	}
	if (fflush(out) != 0 || ferror(out)) {
		store_failf(s, "writing the list of runs failed: %s", strerror(errno));
		goto done;
	}
	status = 0;
done:
	free(t.rows);
	return status;
}
