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
};

#define STORE_SCHEMA_LATEST ((int)(sizeof store_migrations / sizeof store_migrations[0]))
_Static_assert(STORE_SCHEMA_LATEST == STORE_SCHEMA_VERSION,
               "STORE_SCHEMA_VERSION in store.h must match store_migrations");

struct store {
	sqlite3 *db;
	char *name; /* the file, as messages name it */
	int readonly;
	int reading_only;  /* opened by store_open_readonly */
	int lock_wait_ms;  /* sqlite3_busy_timeout */
	sqlite3_stmt *ins; /* INSERT INTO queries, prepared once */
	int q_open;        /* between store_queries_begin and store_queries_commit */
	int q_tx;          /* a batch transaction is open */
	int64_t q_run;
	int64_t q_pending; /* rows in the open transaction */
	char err[1024];
};

/* The file a path or a "file:" URI names, for messages: "results.db", not
 * "file:results.db?mode=ro". */
static char *store_display_name(const char *path)
{
	const char *p = path;
	size_t n;
	char *out;

	if (strncmp(p, "file:", 5) == 0) {
		p += 5;
		if (strncmp(p, "//", 2) == 0) {
			const char *slash = strchr(p + 2, '/');
			p = slash ? slash : p + strlen(p);
		}
		n = strcspn(p, "?#");
	} else {
		n = strlen(p);
	}
	out = malloc(n + 1);
	if (out) {
		memcpy(out, p, n);
		out[n] = '\0';
	}
	return out;
}

/* Words for an SQLite failure: what is wrong with the file first, in plain
 * words, then the call, what it was doing and SQLite's own message. */
static void store_describe(char *buf, size_t len, const char *name, sqlite3 *db, int rc,
                           const char *call, const char *doing)
{
	const char *detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(buf, len,
		         "%s is locked by another process (another abacus run?); try again when it "
		         "ends or use --db (%s while %s: %s)",
		         name, call, doing, detail);
		break;
	case SQLITE_READONLY:
		snprintf(buf, len, "%s is read-only (%s while %s: %s)", name, call, doing, detail);
		break;
	case SQLITE_CANTOPEN: {
		int e = db ? sqlite3_system_errno(db) : 0;
		snprintf(buf, len, "cannot open %s: %s (%s while %s: %s)", name,
		         e ? strerror(e) : "unable to open the file", call, doing, detail);
		break;
	}
	case SQLITE_NOTADB:
		snprintf(buf, len,
		         "%s is not an SQLite database (corrupt or another kind of file); %s while "
		         "%s: %s",
		         name, call, doing, detail);
		break;
	case SQLITE_CORRUPT:
		snprintf(buf, len,
		         "%s is corrupt: the file is damaged or truncated (%s while %s: %s)", name,
		         call, doing, detail);
		break;
	case SQLITE_FULL:
		snprintf(buf, len, "%s: the disk is full (%s while %s: %s)", name, call, doing,
		         detail);
		break;
	case SQLITE_IOERR:
		snprintf(buf, len, "%s: I/O error (%s while %s: %s)", name, call, doing, detail);
		break;
	default:
		snprintf(buf, len, "%s: %s failed while %s: %s", name, call, doing, detail);
		break;
	}
}

static int store_fail(store *s, int rc, const char *call, const char *doing_fmt, ...)
{
	char doing[256];
	va_list ap;

	va_start(ap, doing_fmt);
	vsnprintf(doing, sizeof doing, doing_fmt, ap);
	va_end(ap);
	store_describe(s->err, sizeof s->err, s->name, s->db, rc, call, doing);
	return -1;
}

static int store_failf(store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Undoes an open transaction after a failure whose message is already in
 * s->err; a failing ROLLBACK is added to that message, not put in its
 * place, since the first failure is the one the user must act on. */
static void store_rollback(store *s)
{
	int rc;
	size_t n;

	if (sqlite3_get_autocommit(s->db))
		return;
	rc = sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		n = strlen(s->err);
		snprintf(s->err + n, sizeof s->err - n, "; ROLLBACK failed too: %s",
		         sqlite3_errmsg(s->db));
	}
}

static int store_exec(store *s, const char *sql, const char *doing)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	char call[64];

	if (rc == SQLITE_OK)
		return 0;
	snprintf(call, sizeof call, "sqlite3_exec(%.40s)", sql);
	return store_fail(s, rc, call, "%s", doing);
}

/* Runs a query whose answer is one integer (a PRAGMA, a count). */
static int store_int(store *s, const char *sql, int64_t *out, const char *doing)
{
	sqlite3_stmt *st = NULL;
	char call[96];
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK) {
		snprintf(call, sizeof call, "sqlite3_prepare_v2(%.60s)", sql);
		return store_fail(s, rc, call, "%s", doing);
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		snprintf(call, sizeof call, "sqlite3_step(%.60s)", sql);
		store_fail(s, rc == SQLITE_DONE ? SQLITE_ERROR : rc, call, "%s", doing);
		sqlite3_finalize(st);
		return -1;
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* Bind calls that stop at the first failure, so a long run of binds
 * is checked once. NULL strings are stored as '' (the header allows empty
 * strings, not NULL, but a NULL must not crash a run at its end). */
static void bind_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

/* Where NULL means "not known" (the data digest of a run that had none). */
static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static void bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

static void bind_double(sqlite3_stmt *st, int i, double v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_double(st, i, v);
}

/* A time that is negative means "never happened": NULL in the table. */
static void bind_time(sqlite3_stmt *st, int i, double v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

static void bind_null(sqlite3_stmt *st, int i, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_null(st, i);
}

/* Looks at what the file holds before anything is written to it. Sets
 * *version to its user_version. */
static int store_inspect(store *s, int64_t *version)
{
	static const char *const ours[] = {"runs", "services", "queries"};
	sqlite3_stmt *st = NULL;
	int64_t schema_version = 0;
	char others[256] = "";
	int n_objects = 0, n_ours = 0, rc;

	/* The first read of the file: this is where a corrupt file, another
	 * kind of file or a lock held by another process shows up. */
	if (store_int(s, "PRAGMA schema_version", &schema_version, "reading the database header"))
		return -1;
	if (store_int(s, "PRAGMA user_version", version, "reading the schema version"))
		return -1;
	/* user_version is any 32-bit integer; a negative one would index
	 * store_migrations[] before its start. */
	if (*version < 0)
		return store_failf(s, "%s has an unknown schema version %lld", s->name,
		                   (long long)*version);
	if (*version > STORE_SCHEMA_LATEST)
		return store_failf(
		    s, "%s was written by a newer abacus (schema %lld, this one knows %d)", s->name,
		    (long long)*version, STORE_SCHEMA_LATEST);

	rc = sqlite3_prepare_v2(s->db,
	                        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') "
	                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_prepare_v2(SELECT FROM sqlite_schema)",
		                  "listing the tables");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int mine = 0;
		n_objects++;
		for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
			if (t && strcmp(t, ours[i]) == 0)
				mine = 1;
		n_ours += mine;
		if (!mine && t && strlen(others) + strlen(t) + 8 < sizeof others)
			snprintf(others + strlen(others), sizeof others - strlen(others), "%s%s",
			         others[0] ? ", " : "", t);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, rc, "sqlite3_step(SELECT FROM sqlite_schema)", "listing the tables");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);

	if (*version == 0 && n_objects > 0)
		return store_failf(s,
		                   "%s is not an abacus results database (it already holds other "
		                   "tables: %s); give another file with --db",
		                   s->name,
		                   others[0] ? others : "runs/services/queries without a version");
	if (*version > 0 && n_ours != (int)(sizeof ours / sizeof ours[0]))
		return store_failf(s,
		                   "%s is not an abacus results database (user_version %lld but no "
		                   "runs, services and queries tables)",
		                   s->name, (long long)*version);
	return 0;
}

/* Brings the schema to STORE_SCHEMA_LATEST. The version is read again
 * under the write lock: another process may have created the schema since
 * store_inspect looked. */
static int store_migrate(store *s, int64_t version)
{
	char sql[64];

	if (version == STORE_SCHEMA_LATEST)
		return 0;
	/* Opened for reading only: an older schema is read as it is (runs,
	 * services and queries are there since schema 1), not migrated. */
	if (s->reading_only && version >= 1)
		return 0;
	if (s->reading_only)
		return store_failf(s, "%s holds no abacus results yet (no schema in it)", s->name);
	if (s->readonly)
		return store_failf(
		    s, "%s is read-only and holds no abacus schema %d yet (it has %lld)", s->name,
		    STORE_SCHEMA_LATEST, (long long)version);
	if (store_exec(s, "BEGIN IMMEDIATE", "starting the schema update"))
		return -1;
	if (store_int(s, "PRAGMA user_version", &version, "reading the schema version"))
		goto fail;
	/* Another process may have set any version since store_inspect. */
	if (version < 0 || version > STORE_SCHEMA_LATEST) {
		store_failf(s, "%s has an unknown schema version %lld", s->name,
		            (long long)version);
		goto fail;
	}
	for (int64_t v = version; v < STORE_SCHEMA_LATEST; v++) {
		char doing[96];
		snprintf(doing, sizeof doing, "updating the schema from %lld to %lld", (long long)v,
		         (long long)v + 1);
		if (store_exec(s, store_migrations[v], doing))
			goto fail;
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_LATEST);
	if (store_exec(s, sql, "recording the schema version"))
		goto fail;
	if (store_exec(s, "COMMIT", "committing the schema update"))
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

static int store_setup(store *s)
{
	int64_t version = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	/* Extended codes tell a short read from a full disk in messages; the
	 * words are chosen on the primary code. */
	rc = sqlite3_extended_result_codes(s->db, 1);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_extended_result_codes", "opening the file");
	rc = sqlite3_busy_timeout(s->db, s->lock_wait_ms);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_busy_timeout", "setting the lock wait");
	/* A connection for reading refuses every write, its own included. */
	if (s->reading_only &&
	    store_exec(s, "PRAGMA query_only = ON", "opening the file for reading only"))
		return -1;
	if (store_inspect(s, &version))
		return -1;
	s->readonly = sqlite3_db_readonly(s->db, "main") == 1;
	if (!s->readonly && !s->reading_only) {
		/* Ask for WAL and accept what SQLite grants: a file system without
		 * shared memory keeps the rollback journal, which is slower with
		 * concurrent readers but just as safe. */
		rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		if (rc != SQLITE_OK)
			return store_fail(s, rc, "sqlite3_prepare_v2(PRAGMA journal_mode = WAL)",
			                  "switching to write-ahead logging");
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_fail(s, rc, "sqlite3_step(PRAGMA journal_mode = WAL)",
			           "switching to write-ahead logging");
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_finalize(st);
		if (store_exec(s, "PRAGMA synchronous = NORMAL", "setting synchronous mode"))
			return -1;
		/* A batch of query rows (about 10 MB with its index) fits in the
		 * page cache, so SQLite does not spill pages to the WAL mid-batch
		 * and write them again at commit. The pages are taken only as a
		 * batch needs them. */
		if (store_exec(s, "PRAGMA cache_size = -32768", "sizing the page cache"))
			return -1;
	}
	if (store_exec(s, "PRAGMA foreign_keys = ON", "turning on foreign keys"))
		return -1;
	return store_migrate(s, version);
}

/* sqlite3_open_v2 with flags, then the checks of store_setup. */
static int store_connect(store *s, const char *path, int flags)
{
	int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_open_v2", "opening the file");
	return store_setup(s);
}

static store *store_new(const char *path, char *err, size_t errlen)
{
	store *s;

	if (!path || !*path) {
		snprintf(err, errlen, "no results database given (an empty path)");
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->name = store_display_name(path))) {
		snprintf(err, errlen, "out of memory opening %s", path);
		free(s);
		return NULL;
	}
	s->lock_wait_ms = STORE_LOCK_WAIT_MS;
	return s;
}

store *store_open(const char *path, char *err, size_t errlen)
{
	store *s = store_new(path, err, errlen);

	if (!s)
		return NULL;
	/* URI names ("file:x.db?mode=ro") are accepted so that a caller can
	 * open a results database read-only without another entry point. */
	if (store_connect(s, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI) ==
	    0)
		return s;
	snprintf(err, errlen, "%s", s->err);
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
	store *s = store_new(path, err, errlen);
	char wal[1100];
	int rc;

	if (!s)
		return NULL;
	s->reading_only = 1;
	/* Read-write but never create, and query_only (store_setup): a
	 * connection opened SQLITE_OPEN_READONLY would leave the -wal and
	 * -shm files of a WAL database behind when it closes, as the last
	 * connection it cannot fold them in. SQLite falls back to read-only
	 * where the file is not writable. */
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL);
	if (rc != SQLITE_OK && (rc & 0xff) == SQLITE_CANTOPEN &&
	    sqlite3_system_errno(s->db) == ENOENT) {
		snprintf(err, errlen, "no database at %s", s->name);
		store_close(s);
		return NULL;
	}
	if (rc != SQLITE_OK)
		store_fail(s, rc, "sqlite3_open_v2", "opening the file");
	else if (store_setup(s) == 0)
		return s;
	/* A WAL file in a folder this process cannot write: SQLite cannot
	 * create the shared-memory file readers coordinate through
	 * (SQLITE_READONLY_DIRECTORY, _CANTINIT or SQLITE_CANTOPEN on the
	 * first read). With no -wal file beside it no writer is active and
	 * the file itself is the whole database, so it is read as immutable. */
	snprintf(wal, sizeof wal, "%s-wal", path);
	rc = sqlite3_errcode(s->db) & 0xff;
	if ((rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) && strncmp(path, "file:", 5) != 0 &&
	    access(path, R_OK) == 0 && access(wal, F_OK) != 0 && errno == ENOENT) {
		char *uri = store_immutable_uri(path);
		sqlite3_close(s->db);
		s->db = NULL;
		if (!uri) {
			store_failf(s, "out of memory opening %s", s->name);
		} else {
			rc = store_connect(s, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
			free(uri);
			if (rc == 0)
				return s;
		}
	}
	snprintf(err, errlen, "%s", s->err);
	store_close(s);
	return NULL;
}

int store_set_lock_wait(store *s, int ms)
{
	int rc = sqlite3_busy_timeout(s->db, ms);

	s->err[0] = '\0';
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_busy_timeout", "setting the lock wait to %d ms",
		                  ms);
	s->lock_wait_ms = ms;
	return 0;
}

/* Commits the rows of the open batch. A commit that fails leaves the
 * transaction open when SQLite still has it (a busy lock), so that a later
 * call can try again without losing the rows. */
static int store_batch_commit(store *s)
{
	if (!s->q_tx)
		return 0;
	if (store_exec(s, "COMMIT", "committing query rows")) {
		char what[64];
		if (!sqlite3_get_autocommit(s->db))
			return -1;
		s->q_tx = 0;
		snprintf(what, sizeof what, "; %lld query rows of run %lld were lost",
		         (long long)s->q_pending, (long long)s->q_run);
		strncat(s->err, what, sizeof s->err - strlen(s->err) - 1);
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
	if (s->db && s->q_tx && store_batch_commit(s))
		store_rollback(s);
	sqlite3_finalize(s->ins);
	/* Every statement is finalized, so sqlite3_close cannot be busy; with
	 * the last connection gone SQLite checkpoints and removes the WAL. */
	sqlite3_close(s->db);
	free(s->name);
	free(s);
}

const char *store_errmsg(const store *s)
{
	return s ? s->err : "no results database (store_open failed)";
}

int store_run_begin(store *s, const store_run_info *info, const store_service_row *svc, int n_svc,
                    int64_t *run_id)
{
	static const char run_sql[] =
	    "INSERT INTO runs (name, device, gpu, policy, config, seed, status, started_at, pid, "
	    "host, gpu_name, driver, cuda, cudnn, data_dir, data_digest, abacus_version, "
	    "git_commit) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	    "?16)";
	static const char svc_sql[] = "INSERT INTO services (run_id, idx, model, qos_ms, batches, "
	                              "seqs) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st = NULL;
	char host[256] = "";
	int rc = SQLITE_OK;
	int64_t id;

	s->err[0] = '\0';
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

	if (store_exec(s, "BEGIN IMMEDIATE", "starting a new run"))
		return -1;
	rc = sqlite3_prepare_v2(s->db, run_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "sqlite3_prepare_v2(INSERT INTO runs)", "starting run '%s'",
		           info->name ? info->name : "");
		goto fail;
	}
	bind_text(st, 1, info->name, &rc);
	bind_text(st, 2, info->device, &rc);
	bind_text(st, 3, info->gpu, &rc);
	bind_text(st, 4, info->policy, &rc);
	bind_text(st, 5, info->config, &rc);
	bind_i64(st, 6, info->seed, &rc);
	bind_i64(st, 7, (int64_t)getpid(), &rc);
	bind_text(st, 8, host, &rc);
	bind_text(st, 9, info->gpu_name, &rc);
	bind_text(st, 10, info->driver, &rc);
	bind_text(st, 11, info->cuda, &rc);
	bind_text(st, 12, info->cudnn, &rc);
	bind_text_or_null(st, 13, info->data_dir, &rc);
	bind_text_or_null(st, 14, info->data_digest, &rc);
	bind_text(st, 15, abacus_version(), &rc);
	bind_text(st, 16, abacus_git_commit(), &rc);
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
	id = sqlite3_last_insert_rowid(s->db);

	rc = sqlite3_prepare_v2(s->db, svc_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, "sqlite3_prepare_v2(INSERT INTO services)",
		           "recording the services of run %lld", (long long)id);
		goto fail;
	}
	for (int i = 0; i < n_svc; i++) {
		bind_i64(st, 1, id, &rc);
		bind_i64(st, 2, svc[i].idx, &rc);
		bind_text(st, 3, svc[i].model, &rc);
		bind_double(st, 4, svc[i].qos_ms, &rc);
		bind_text(st, 5, svc[i].batches, &rc);
		bind_text(st, 6, svc[i].seqs, &rc);
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
	if (store_exec(s, "COMMIT", "committing the new run"))
		goto fail;
	*run_id = id;
	return 0;
fail:
	sqlite3_finalize(st);
	store_rollback(s);
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

	s->err[0] = '\0';
	if (s->q_open)
		return store_failf(s,
		                   "store_queries_begin: query rows of run %lld are still being "
		                   "added (store_queries_commit first)",
		                   (long long)s->q_run);
	/* Rows belong to a run in progress: an ended run is never added to. */
	rc = sqlite3_prepare_v2(s->db, "SELECT status FROM runs WHERE id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_prepare_v2(SELECT status FROM runs)",
		                  "checking run %lld before adding query rows", (long long)run_id);
	rc = sqlite3_bind_int64(st, 1, run_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return store_failf(s, "%s has no run %lld to add query rows to", s->name,
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
		            (long long)run_id, s->name, (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);

	if (!s->ins) {
		rc = sqlite3_prepare_v3(s->db, ins_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->ins,
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
		if (store_exec(s, "BEGIN IMMEDIATE", "starting a batch of query rows"))
			return -1;
		s->q_tx = 1;
	}
	bind_i64(st, 2, row->id, &rc);
	bind_i64(st, 3, row->service, &rc);
	bind_text(st, 4, row->model, &rc);
	bind_i64(st, 5, row->batch, &rc);
	if (row->seq > 0)
		bind_i64(st, 6, row->seq, &rc);
	else
		bind_null(st, 6, &rc);
	bind_double(st, 7, row->arrival_ms, &rc);
	bind_time(st, 8, row->start_ms, &rc);
	bind_time(st, 9, row->end_ms, &rc);
	bind_time(st, 10, row->latency_ms, &rc);
	bind_i64(st, 11, row->dropped != 0, &rc);
	bind_i64(st, 12, row->violated != 0, &rc);
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

int store_run_end(store *s, int64_t run_id, const char *status, const store_summary *sum,
                  const char *error)
{
	static const char sql[] =
	    "UPDATE runs SET status = ?2, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
	    "error = ?3, completed = ?4, dropped = ?5, p50_ms = ?6, p99_ms = ?7, mean_ms = ?8, "
	    "violation_ratio = ?9, throughput_qps = ?10, duration_ms = ?11 "
	    "WHERE id = ?1 AND status = 'running'";
	sqlite3_stmt *st = NULL;
	char lost[sizeof s->err] = ""; /* why the open rows could not be committed */
	char why[2 * sizeof s->err];   /* the error stored with the run */
	int rc = SQLITE_OK;

	s->err[0] = '\0';
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
				size_t n = strlen(s->err);
				snprintf(s->err + n, sizeof s->err - n,
				         "; %lld query rows of run %lld were lost",
				         (long long)s->q_pending, (long long)s->q_run);
				store_rollback(s);
				s->q_tx = 0;
				s->q_pending = 0;
			}
			snprintf(lost, sizeof lost, "%s", s->err);
			snprintf(why, sizeof why, "%s%s%s", error ? error : "", error ? "; " : "",
			         lost);
			status = "failed";
			error = why;
			break;
		}
		s->q_open = 0;
	}

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "sqlite3_prepare_v2(UPDATE runs)", "ending run %lld",
		                  (long long)run_id);
	bind_i64(st, 1, run_id, &rc);
	bind_text(st, 2, status, &rc);
	if (error)
		bind_text(st, 3, error, &rc);
	else
		bind_null(st, 3, &rc);
	if (sum) {
		bind_i64(st, 4, sum->completed, &rc);
		bind_i64(st, 5, sum->dropped, &rc);
		bind_double(st, 6, sum->p50_ms, &rc);
		bind_double(st, 7, sum->p99_ms, &rc);
		bind_double(st, 8, sum->mean_ms, &rc);
		bind_double(st, 9, sum->violation_ratio, &rc);
		bind_double(st, 10, sum->throughput_qps, &rc);
		bind_double(st, 11, sum->duration_ms, &rc);
	} else {
		for (int i = 4; i <= 11; i++)
			bind_null(st, i, &rc);
	}
	/* The final status outlasts STORE_END_TRIES lock waits; a step that
	 * failed busy is reset and taken again with its bindings. */
	for (int t = 1; rc == SQLITE_OK; t++) {
		rc = sqlite3_step(st);
		if ((rc & 0xff) == SQLITE_BUSY && t < STORE_END_TRIES) {
			sqlite3_reset(st);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, rc, "sqlite3_step(UPDATE runs)", "ending run %lld as %s",
		           (long long)run_id, status);
		if (lost[0]) {
			size_t n = strlen(s->err);
			snprintf(s->err + n, sizeof s->err - n, "; before that: %s", lost);
		}
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (sqlite3_changes(s->db) == 1) {
		if (lost[0])
			return store_failf(s, "%s", lost);
		return 0;
	}

	/* Nothing changed: say whether the run is missing or already ended. */
	{
		int64_t n = 0;
		char q[96];
		snprintf(q, sizeof q, "SELECT count(*) FROM runs WHERE id = %lld",
		         (long long)run_id);
		if (store_int(s, q, &n, "looking for the run to end"))
			return -1;
		if (n == 0)
			return store_failf(s, "%s has no run %lld to end", s->name,
			                   (long long)run_id);
		return store_failf(
		    s, "run %lld in %s has already ended; an ended run is never rewritten",
		    (long long)run_id, s->name);
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

	s->err[0] = '\0';
	if (total && store_int(s, "SELECT count(*) FROM runs", total, "counting the runs"))
		return -1;
	if (!fn)
		return 0;
	if (gethostname(my_host, sizeof my_host - 1) != 0)
		my_host[0] = '\0';
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
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
		store_failf(s, "out of memory listing the runs of %s", s->name);
	if (rc)
		goto done;
	pr_row *rows = t.rows;
	size_t n = t.n;
	if (n == 0) {
		fprintf(out, "no runs in %s yet\n", s->name);
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
