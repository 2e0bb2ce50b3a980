/* db.c: opening, checking, migrating and wording SQLite databases (db.h).
 *
 * Why it is built this way:
 *  - One place words SQLite's failures, so that results.db, the profile
 *    database and the predictors table say "locked", "read-only", "the
 *    disk is full" alike, and a test that injects a fault through a VFS
 *    sees the same words a user would.
 *  - A file is inspected before anything is written to it: even switching
 *    to WAL rewrites its header, and a file we refuse must stay what it
 *    was.
 *  - Opening a file that does not exist and cannot be created fails in
 *    SQLite with the errno of its last try (a read-only open, ENOENT), so
 *    the folder is looked at here to say what the user can act on.
 */
#include "db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct db {
	sqlite3 *h;
	char *name; /* the file, as messages name it */
	const char *holder;
	int lock_wait_ms;
	char err[1024];
};

/* The file a path or a "file:" URI names: "results.db", not
 * "file:results.db?mode=ro". */
static char *db_display_name(const char *path)
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

static void db_describe(db *d, int rc, const char *call, const char *doing)
{
	const char *detail = d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc);
	const char *name = d->name;
	char *buf = d->err;
	size_t len = sizeof d->err;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(buf, len,
		         "%s is locked by another process (another %s?); try again when it "
		         "ends or use --db (%s while %s: %s)",
		         name, d->holder, call, doing, detail);
		break;
	case SQLITE_READONLY:
		snprintf(buf, len, "%s is read-only (%s while %s: %s)", name, call, doing, detail);
		break;
	case SQLITE_CANTOPEN: {
		int e = d->h ? sqlite3_system_errno(d->h) : 0;
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
	/* One line: SQLite's own message never holds a newline, but a path
	 * or a caller's words may. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

int db_fail(db *d, int rc, const char *call, const char *doing_fmt, ...)
{
	char doing[256];
	va_list ap;

	va_start(ap, doing_fmt);
	vsnprintf(doing, sizeof doing, doing_fmt, ap);
	va_end(ap);
	db_describe(d, rc, call, doing);
	return -1;
}

int db_failf(db *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
	return -1;
}

void db_append(db *d, const char *fmt, ...)
{
	size_t n = strlen(d->err);
	va_list ap;

	if (n + 1 >= sizeof d->err)
		return;
	va_start(ap, fmt);
	vsnprintf(d->err + n, sizeof d->err - n, fmt, ap);
	va_end(ap);
}

/* The folder a file would be created in, for the message of a file that
 * cannot be opened: "" when it is fine, else why not. */
static void db_folder_problem(const char *name, char *out, size_t len)
{
	char folder[1024];
	const char *slash = strrchr(name, '/');
	struct stat st;

	out[0] = '\0';
	if (!slash) {
		/* "the folder . is not writable" says less than its name */
		if (!getcwd(folder, sizeof folder))
			snprintf(folder, sizeof folder, ".");
	} else if (slash == name)
		snprintf(folder, sizeof folder, "/");
	else
		snprintf(folder, sizeof folder, "%.*s", (int)(slash - name), name);
	if (stat(folder, &st) != 0)
		snprintf(out, len, "cannot open %.400s: its folder %.400s does not exist", name, folder);
	else if (!S_ISDIR(st.st_mode))
		snprintf(out, len, "cannot open %.400s: %.400s is not a folder", name, folder);
	else if (access(folder, W_OK | X_OK) != 0)
		snprintf(out, len, "cannot create %.400s: the folder %.400s is not writable (%s)", name,
		         folder, strerror(errno));
}

static int db_connect(db *d, const char *path, int flags, db_mode mode)
{
	int rc = sqlite3_open_v2(path, &d->h, flags, NULL);

	if (rc == SQLITE_OK) {
		/* Extended codes tell a short read from a full disk in messages;
		 * the words are chosen on the primary code. */
		rc = sqlite3_extended_result_codes(d->h, 1);
		if (rc != SQLITE_OK)
			return db_fail(d, rc, "sqlite3_extended_result_codes", "opening the file");
		rc = sqlite3_busy_timeout(d->h, d->lock_wait_ms);
		if (rc != SQLITE_OK)
			return db_fail(d, rc, "sqlite3_busy_timeout", "setting the lock wait");
		return 0;
	}
	if ((rc & 0xff) == SQLITE_CANTOPEN && access(d->name, F_OK) != 0 && errno == ENOENT) {
		if (mode != DB_CREATE)
			return db_failf(d, "no database at %s", d->name);
		db_folder_problem(d->name, d->err, sizeof d->err);
		if (d->err[0])
			return -1;
	}
	return db_fail(d, rc, "sqlite3_open_v2", "opening the file");
}

db *db_open(const char *path, const db_options *o, char *err, size_t errlen)
{
	static const int flags[] = {
	    [DB_CREATE] = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
	    [DB_WRITE] = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI,
	    [DB_READ] = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	};
	db *d;

	if (!path || !*path) {
		snprintf(err, errlen, "no database given (an empty path)");
		return NULL;
	}
	d = calloc(1, sizeof *d);
	if (!d || !(d->name = db_display_name(path))) {
		snprintf(err, errlen, "out of memory opening %s", path);
		free(d);
		return NULL;
	}
	d->holder = o->holder ? o->holder : "abacus";
	d->lock_wait_ms = o->lock_wait_ms > 0 ? o->lock_wait_ms : DB_LOCK_WAIT_MS;
	if (db_connect(d, path, flags[o->mode], o->mode) == 0)
		return d;
	snprintf(err, errlen, "%s", d->err);
	db_close(d);
	return NULL;
}

int db_reopen(db *d, const char *path, int flags)
{
	sqlite3_close(d->h);
	d->h = NULL;
	return db_connect(d, path, flags, (flags & SQLITE_OPEN_CREATE) ? DB_CREATE : DB_WRITE);
}

void db_close(db *d)
{
	if (!d)
		return;
	/* The caller finalised its statements, so this cannot be busy; with
	 * the last connection gone SQLite checkpoints and removes the WAL. */
	sqlite3_close(d->h);
	free(d->name);
	free(d);
}

sqlite3 *db_handle(db *d)
{
	return d->h;
}

const char *db_name(const db *d)
{
	return d->name;
}

const char *db_errmsg(const db *d)
{
	return d ? d->err : "no database (it failed to open)";
}

int db_readonly(db *d)
{
	return sqlite3_db_readonly(d->h, "main") == 1;
}

int db_set_lock_wait(db *d, int ms)
{
	int rc = sqlite3_busy_timeout(d->h, ms);

	if (rc != SQLITE_OK)
		return db_fail(d, rc, "sqlite3_busy_timeout", "setting the lock wait to %d ms", ms);
	d->lock_wait_ms = ms;
	return 0;
}

int db_exec(db *d, const char *sql, const char *doing)
{
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
	char call[64];

	if (rc == SQLITE_OK)
		return 0;
	snprintf(call, sizeof call, "sqlite3_exec(%.40s)", sql);
	return db_fail(d, rc, call, "%s", doing);
}

int db_prepare(db *d, const char *sql, sqlite3_stmt **st, const char *doing)
{
	int rc = sqlite3_prepare_v2(d->h, sql, -1, st, NULL);
	char call[96];

	if (rc == SQLITE_OK)
		return 0;
	snprintf(call, sizeof call, "sqlite3_prepare_v2(%.60s)", sql);
	return db_fail(d, rc, call, "%s", doing);
}

int db_step(db *d, sqlite3_stmt *st, const char *doing)
{
	int rc = sqlite3_step(st);
	char call[96];

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	snprintf(call, sizeof call, "sqlite3_step(%.60s)", sqlite3_sql(st));
	return db_fail(d, rc, call, "%s", doing);
}

int db_int(db *d, const char *sql, int64_t *out, const char *doing)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(d, sql, &st, doing))
		return -1;
	rc = db_step(d, st, doing);
	if (rc == SQLITE_DONE)
		db_failf(d, "%s: %s gave no answer while %s", d->name, sql, doing);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int db_begin(db *d, const char *doing)
{
	return db_exec(d, "BEGIN IMMEDIATE", doing);
}

int db_commit(db *d, const char *doing)
{
	return db_exec(d, "COMMIT", doing);
}

void db_rollback(db *d)
{
	if (!d->h || sqlite3_get_autocommit(d->h))
		return;
	if (sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		db_append(d, "; ROLLBACK failed too: %s", sqlite3_errmsg(d->h));
}

void db_bind_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

void db_bind_text_null(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

void db_bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

void db_bind_double(sqlite3_stmt *st, int i, double v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_double(st, i, v);
}

void db_bind_null(sqlite3_stmt *st, int i, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_null(st, i);
}

void db_bind_blob(sqlite3_stmt *st, int i, const void *v, size_t n, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_blob64(st, i, v, (sqlite3_uint64)n, SQLITE_TRANSIENT);
}

int db_inspect(db *d, const db_schema *s, int64_t *version)
{
	sqlite3_stmt *st = NULL;
	int64_t schema_version = 0;
	char others[256] = "", ours[128] = "";
	int n_objects = 0, n_ours = 0, rc;

	/* The first read of the file: this is where a corrupt file, another
	 * kind of file or a lock held by another process shows up. */
	if (db_int(d, "PRAGMA schema_version", &schema_version, "reading the database header"))
		return -1;
	if (db_int(d, "PRAGMA user_version", version, "reading the schema version"))
		return -1;
	if (db_prepare(d,
	               "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') "
	               "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
	               &st, "listing the tables"))
		return -1;
	while ((rc = db_step(d, st, "listing the tables")) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int mine = 0;
		n_objects++;
		for (int i = 0; i < s->n_tables; i++)
			mine |= t && strcmp(t, s->tables[i]) == 0;
		n_ours += mine;
		if (!mine && t && strlen(others) + strlen(t) + 8 < sizeof others)
			snprintf(others + strlen(others), sizeof others - strlen(others), "%s%s",
			         others[0] ? ", " : "", t);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	for (int i = 0; i < s->n_tables; i++)
		snprintf(ours + strlen(ours), sizeof ours - strlen(ours), "%s%s",
		         i == 0 ? "" : i + 1 == s->n_tables ? " and " : ", ", s->tables[i]);

	/* What the tables say first: a database of another kind also has a
	 * version. */
	if (n_ours == 0 && n_objects > 0)
		return db_failf(d,
		                "%s is not an %s (it holds other tables: %s); give another file "
		                "with --db",
		                d->name, s->what, others);
	/* user_version is any 32-bit integer; a negative one would index
	 * steps[] before its start. */
	if (*version < 0)
		return db_failf(d, "%s has an unknown schema version %lld", d->name,
		                (long long)*version);
	if (*version > s->n_steps)
		return db_failf(d, "%s was written by a newer abacus (%s %lld, this one knows %d)",
		                d->name, s->version, (long long)*version, s->n_steps);
	if (*version == 0 && n_objects > 0)
		return db_failf(d, "%s is not an %s (it holds tables without a version: %s)",
		                d->name, s->what, others[0] ? others : ours);
	if (*version > 0 && n_ours != s->n_tables)
		return db_failf(d, "%s is not an %s (user_version %lld but no %s tables)", d->name,
		                s->what, (long long)*version, ours);
	return 0;
}

int db_migrate(db *d, const db_schema *s, int64_t version)
{
	char sql[64];

	if (version == s->n_steps)
		return 0;
	if (db_readonly(d))
		return db_failf(d, "%s is read-only and holds no %s %d yet (it has %lld)", d->name,
		                s->version, s->n_steps, (long long)version);
	if (db_begin(d, "starting the schema update"))
		return -1;
	if (db_int(d, "PRAGMA user_version", &version, "reading the schema version"))
		goto fail;
	if (version < 0 || version > s->n_steps) {
		db_failf(d, "%s has an unknown schema version %lld", d->name, (long long)version);
		goto fail;
	}
	for (int64_t v = version; v < s->n_steps; v++) {
		char doing[96];
		snprintf(doing, sizeof doing, "updating the %s from %lld to %lld", s->version,
		         (long long)v, (long long)v + 1);
		if (db_exec(d, s->steps[v], doing))
			goto fail;
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", s->n_steps);
	if (db_exec(d, sql, "recording the schema version"))
		goto fail;
	if (db_commit(d, "committing the schema update"))
		goto fail;
	return 0;
fail:
	db_rollback(d);
	return -1;
}

int db_wal(db *d)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(d, "PRAGMA journal_mode = WAL", &st, "switching to write-ahead logging"))
		return -1;
	rc = db_step(d, st, "switching to write-ahead logging");
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	return db_exec(d, "PRAGMA synchronous = NORMAL", "setting synchronous mode");
}
