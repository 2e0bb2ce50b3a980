/* db.h: the one door to SQLite, for results.db (store.h), the profile
 * database (profiler.h) and the predictors table (train.h).
 *
 * It opens a file (created, read-write or read-only; a "file:" URI is
 * accepted, so "file:x.db?vfs=NAME" selects a registered SQLite VFS and
 * "?mode=ro" a read-only open), looks at what it holds before writing to
 * it, migrates its schema through a table of steps keyed by PRAGMA
 * user_version, waits for other connections' locks, and words every
 * failure in one line that names the file, the SQLite call and what it
 * was doing ("results.db: the disk is full (sqlite3_step(INSERT INTO
 * queries) while adding query 12 of run 3: database or disk is full)").
 *
 * Only core/ includes this header: the rest of the program sees the
 * databases through store.h, profiler.h and train.h. Statements are
 * SQLite's own (sqlite3_stmt), prepared, stepped and bound through the
 * helpers below so that every failure lands in the same words.
 *
 * A db owns its connection and its message buffer; the caller finalises
 * the statements it prepared before db_close. Every function that can
 * fail returns -1 (db_step: its SQLite code) with the message in
 * db_errmsg().
 */
#ifndef ABACUS_DB_H
#define ABACUS_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

typedef struct db db;

typedef enum db_mode {
	DB_CREATE, /* read-write, created when missing */
	DB_WRITE,  /* read-write, must exist */
	DB_READ,   /* read-only, must exist */
} db_mode;

/* How long a statement waits for another connection's lock before it
 * fails as "locked", unless db_options says otherwise. */
#define DB_LOCK_WAIT_MS (5 * 60 * 1000)

typedef struct db_options {
	db_mode mode;
	int lock_wait_ms; /* 0: DB_LOCK_WAIT_MS */
	/* Who else may hold the lock, for the message: "abacus run" gives
	 * "locked by another process (another abacus run?)". NULL: "abacus". */
	const char *holder;
} db_options;

/* What a database of one kind holds: the tables every version of its
 * schema has (so a foreign file is told apart), and the steps that build
 * it: steps[v] is SQL that takes user_version v to v + 1. */
typedef struct db_schema {
	const char *what;     /* "abacus results database" */
	const char *version;  /* the word for its version: "schema", "profile schema" */
	const char *const *tables;
	int n_tables;
	const char *const *steps;
	int n_steps; /* the latest version */
} db_schema;

/* NULL on failure with the message in err. A missing file opened DB_WRITE
 * or DB_READ is "no database at PATH"; a file that cannot be created says
 * whether its folder is missing or not writable. */
db *db_open(const char *path, const db_options *o, char *err, size_t errlen);
/* Opens `path` again on the same db, with other flags (SQLITE_OPEN_*):
 * for a second try at a file (read as immutable, see store.c). Closes the
 * connection it had first. */
int db_reopen(db *d, const char *path, int flags);
void db_close(db *d);

sqlite3 *db_handle(db *d);
const char *db_name(const db *d); /* the file, as messages name it */
const char *db_errmsg(const db *d);
int db_readonly(db *d); /* 1 when SQLite refuses writes to the file */
int db_set_lock_wait(db *d, int ms);

/* Leaves the words for an SQLite failure in db_errmsg: what is wrong with
 * the file first (locked, read-only, full, corrupt...), then the call,
 * what it was doing and SQLite's message. Returns -1. */
int db_fail(db *d, int rc, const char *call, const char *doing_fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A message of the caller's own, for a failure SQLite did not see. */
int db_failf(db *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds "; " and more words to the message already there. */
void db_append(db *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int db_exec(db *d, const char *sql, const char *doing);
/* A query whose answer is one integer (a PRAGMA, a count). */
int db_int(db *d, const char *sql, int64_t *out, const char *doing);
int db_prepare(db *d, const char *sql, sqlite3_stmt **st, const char *doing);
/* SQLITE_ROW or SQLITE_DONE, else -1 with the failure worded; `doing`
 * names the statement's purpose. */
int db_step(db *d, sqlite3_stmt *st, const char *doing);

/* BEGIN IMMEDIATE: the write lock up front, so a second writer waits in
 * the busy handler instead of failing half-way through. */
int db_begin(db *d, const char *doing);
int db_commit(db *d, const char *doing);
/* Undoes an open transaction after a failure already worded; a failing
 * ROLLBACK is added to that message, not put in its place. */
void db_rollback(db *d);

/* Binds that stop at the first failure, so that a run of binds is checked
 * once. db_bind_text binds NULL as ''; db_bind_text_null as NULL. Strings
 * are SQLITE_TRANSIENT: the caller's buffer may go before the step. */
void db_bind_text(sqlite3_stmt *st, int i, const char *v, int *rc);
void db_bind_text_null(sqlite3_stmt *st, int i, const char *v, int *rc);
void db_bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc);
void db_bind_double(sqlite3_stmt *st, int i, double v, int *rc);
void db_bind_null(sqlite3_stmt *st, int i, int *rc);
void db_bind_blob(sqlite3_stmt *st, int i, const void *v, size_t n, int *rc);

/* Reads the file's schema before anything is written to it: a file that
 * is not SQLite, a foreign SQLite database (tables of its own) or one from
 * a newer abacus is refused while it is byte for byte what it was. Sets
 * *version to its user_version. */
int db_inspect(db *d, const db_schema *s, int64_t *version);
/* Brings the schema from `version` (as db_inspect read it) to the latest,
 * in one transaction that reads the version again under the write lock:
 * another process may have migrated it meanwhile. */
int db_migrate(db *d, const db_schema *s, int64_t version);

/* WAL with synchronous=NORMAL where SQLite grants it (a reader never
 * blocks a writer; a power cut loses the last commits at most, never the
 * file). A file system without shared memory keeps the rollback journal,
 * slower with readers but as safe. */
int db_wal(db *d);

#endif
