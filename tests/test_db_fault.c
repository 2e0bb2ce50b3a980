/* test_db_fault.c: results.db under a failing disk.
 *
 * An SQLite VFS registered here ("faulty", after SQLite's own test_vfs.c)
 * delegates every call to the default VFS and fails one kind of call
 * (xWrite, xSync or xTruncate) with SQLITE_FULL or SQLITE_IOERR on a
 * schedule: the Nth such call only, or the Nth and every one after it (a
 * disk that stays full). The store is opened through it by URI
 * ("file:PATH?vfs=faulty"), the way db.h selects any VFS, and real runs
 * are stored by run_execute on the simulator.
 *
 * For every N from 1 to one past the number of such calls a run makes,
 * for each kind of call, code and persistence:
 *  - a failure reaches the caller as one line that names the file and
 *    says what went wrong ("the disk is full", "I/O error");
 *  - the run being stored is never 'done' unless run_execute said so, and
 *    then it holds all its rows; otherwise it is absent, 'failed', or
 *    (only when every write fails from then on, so nothing can mark it)
 *    still 'running', which `abacus runs` shows as died once the process
 *    is gone;
 *  - every earlier run is intact: the same row in runs, the same services
 *    and the same query rows as before;
 *  - the file passes PRAGMA integrity_check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "devices.h"
#include "run.h"
#include "store.h"

static int failures, checks;

#define CHECK(cond, ...)                                                                       \
	do {                                                                                   \
		checks++;                                                                      \
		if (!(cond)) {                                                                 \
			failures++;                                                            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                          \
			fputc('\n', stderr);                                                   \
		}                                                                              \
	} while (0)

/* --- the faulty VFS --------------------------------------------------------- */

enum { OP_WRITE, OP_SYNC, OP_TRUNCATE, N_OPS };
static const char *const op_names[N_OPS] = {"xWrite", "xSync", "xTruncate"};

/* The schedule: calls of `op` are counted; call number `at` fails with
 * `code`, and so does every later one when `sticky`. at 0: never. */
static struct {
	int op, code, sticky;
	long at;
	long calls[N_OPS];
	long failed;
} fault;

typedef struct fault_file {
	sqlite3_file base;
	sqlite3_file *real; /* right after this struct, szOsFile of the default VFS */
} fault_file;

static sqlite3_vfs *real_vfs;

static int fault_due(int op)
{
	long n = ++fault.calls[op];
	if (op != fault.op || fault.at <= 0)
		return 0;
	if (n == fault.at || (fault.sticky && n > fault.at)) {
		fault.failed++;
		return 1;
	}
	return 0;
}

/* The code a failing call returns: SQLITE_FULL, or the IOERR subcode
 * that call would give. */
static int fault_code(int op)
{
	static const int ioerr[N_OPS] = {SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC,
	                                 SQLITE_IOERR_TRUNCATE};
	return fault.code == SQLITE_FULL ? SQLITE_FULL : ioerr[op];
}

#define REAL(f) (((fault_file *)(f))->real)

static int f_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
	return rc;
}

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (fault_due(OP_WRITE))
		return fault_code(OP_WRITE);
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (fault_due(OP_TRUNCATE))
		return fault_code(OP_TRUNCATE);
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
	if (fault_due(OP_SYNC))
		return fault_code(OP_SYNC);
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int f_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int f_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_caps(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, p);
}

static int f_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* No memory-mapped I/O: every page goes through xRead, as the schedule
 * assumes (SQLite falls back when xFetch gives no page). */
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
	*p = NULL;
	return SQLITE_OK;
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return SQLITE_OK;
}

static const sqlite3_io_methods fault_io = {
    .iVersion = 3,
    .xClose = f_close,
    .xRead = f_read,
    .xWrite = f_write,
    .xTruncate = f_truncate,
    .xSync = f_sync,
    .xFileSize = f_size,
    .xLock = f_lock,
    .xUnlock = f_unlock,
    .xCheckReservedLock = f_check_lock,
    .xFileControl = f_control,
    .xSectorSize = f_sector,
    .xDeviceCharacteristics = f_caps,
    .xShmMap = f_shm_map,
    .xShmLock = f_shm_lock,
    .xShmBarrier = f_shm_barrier,
    .xShmUnmap = f_shm_unmap,
    .xFetch = f_fetch,
    .xUnfetch = f_unfetch,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	fault_file *ff = (fault_file *)f;
	ff->real = (sqlite3_file *)(ff + 1);
	int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
	/* pMethods NULL tells SQLite not to call xClose on a failed open */
	f->pMethods = rc == SQLITE_OK ? &fault_io : NULL;
	return rc;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	return real_vfs->xDelete(real_vfs, name, sync);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *vfs, const char *name)
{
	return real_vfs->xDlOpen(real_vfs, name);
}

static void v_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*v_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void v_dlclose(sqlite3_vfs *vfs, void *h)
{
	real_vfs->xDlClose(real_vfs, h);
}

static int v_random(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
	return real_vfs->xSleep(real_vfs, us);
}

static int v_time(sqlite3_vfs *vfs, double *out)
{
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int v_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int v_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs fault_vfs = {
    .iVersion = 2,
    .mxPathname = 1024,
    .zName = "faulty",
    .xOpen = v_open,
    .xDelete = v_delete,
    .xAccess = v_access,
    .xFullPathname = v_full,
    .xDlOpen = v_dlopen,
    .xDlError = v_dlerror,
    .xDlSym = v_dlsym,
    .xDlClose = v_dlclose,
    .xRandomness = v_random,
    .xSleep = v_sleep,
    .xCurrentTime = v_time,
    .xGetLastError = v_last_error,
    .xCurrentTimeInt64 = v_time64,
};

/* --- runs and what they leave --------------------------------------------- */

static char dir[64], path[128], uri[192];

/* A run of two services on the simulator: small enough that a schedule of
 * a hundred points takes seconds. */
static int run_once(store *st, const char *name, int64_t queries, char *err, size_t errlen,
                    int64_t *run_id)
{
	run_service svc[2];
	memset(svc, 0, sizeof svc);
	snprintf(svc[0].model, sizeof svc[0].model, "resnet50");
	svc[0].batches[0] = 1, svc[0].batches[1] = 4;
	svc[0].n_batches = 2;
	svc[0].qos_ms = 25;
	snprintf(svc[1].model, sizeof svc[1].model, "bert");
	svc[1].batches[0] = 4;
	svc[1].n_batches = 1;
	svc[1].seqs[0] = 16, svc[1].seqs[1] = 64;
	svc[1].n_seqs = 2;
	svc[1].qos_ms = 25;
	run_config c;
	run_config_default(&c);
	c.devices = cli_devices;
	c.name = name;
	c.policy = "edf";
	c.svc = svc;
	c.n_svc = 2;
	c.qps = 300;
	c.queries = queries;
	c.seed = 11;
	c.config_text = "{\"load\":{\"kind\":\"poisson\",\"qps\":300},\"policy\":\"edf\"}";
	c.tags = "{\"point\":1}";
	/* the engine the data folder was measured with, as abacus.run takes it */
	if (run_engine_adopt(&c, err, errlen))
		return -1;
	run_result r;
	int rc = run_execute(&c, st, &r, err, errlen);
	*run_id = r.run_id;
	run_result_free(&r);
	return rc;
}

static sqlite3 *raw_open(void)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "cannot open %s: %s\n", path, sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* The text of a one-column, one-row query, "" when there is no row. */
static void raw_text(sqlite3 *db, char *out, size_t len, const char *fmt, ...)
{
	char sql[2048];
	sqlite3_stmt *st = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Everything stored of runs 1..upto, as one string: the runs rows, their
 * services and their query rows (count and checksums). */
static char *snapshot(sqlite3 *db, int64_t upto)
{
	char *out = malloc(1 << 16);
	raw_text(db, out, 1 << 16,
	         "SELECT group_concat(x, '\n') FROM (SELECT "
	         "quote(id)||quote(name)||quote(config)||quote(tags)||quote(status)||quote(error)||"
	         "quote(started_at)||quote(ended_at)||quote(completed)||quote(dropped)||"
	         "quote(p50_ms)||quote(p99_ms)||quote(p999_ms)||quote(queries_stored)||"
	         "(SELECT group_concat(s.idx||s.model||quote(s.completed)||quote(s.p99_ms), ';') "
	         " FROM services s WHERE s.run_id = r.id)||"
	         "(SELECT count(*)||'/'||total(latency_ms)||'/'||total(arrival_ms)||'/'||"
	         "  total(id * service) FROM queries q WHERE q.run_id = r.id) AS x "
	         "FROM runs r WHERE id <= %lld ORDER BY id)",
	         (long long)upto);
	return out;
}

static int64_t raw_int(sqlite3 *db, const char *fmt, long long a)
{
	char text[64];
	raw_text(db, text, sizeof text, fmt, a);
	return text[0] ? atoll(text) : -1;
}

/* One schedule point: run under the fault, then look at what is left. */
static void point(int op, int code, int sticky, long at, int64_t queries)
{
	char err[2048] = "", where[160], status[32];
	int64_t before_max, id = 0;
	sqlite3 *db = raw_open();
	before_max = raw_int(db, "SELECT coalesce(max(id), 0) + %lld FROM runs", 0);
	char *before = snapshot(db, before_max);
	sqlite3_close(db);

	snprintf(where, sizeof where, "%s %s%s at call %ld", op_names[op],
	         code == SQLITE_FULL ? "SQLITE_FULL" : "SQLITE_IOERR", sticky ? " from then on" : "",
	         at);
	memset(&fault, 0, sizeof fault);
	fault.op = op;
	fault.code = code;
	fault.sticky = sticky;
	fault.at = at;

	int rc;
	store *st = store_open(uri, err, sizeof err);
	if (!st) {
		rc = -1;
	} else {
		rc = run_once(st, "under-fault", queries, err, sizeof err, &id);
		store_close(st);
	}
	long failed = fault.failed;
	fault.at = 0; /* the checks below read through the default VFS anyway */

	if (rc != 0) {
		CHECK(failed > 0, "%s: the run failed with no fault injected: %s", where, err);
		CHECK(!strchr(err, '\n'), "%s: the message is not one line: %s", where, err);
		CHECK(strstr(err, "f.db") != NULL, "%s: the message does not name the file: %s",
		      where, err);
		CHECK(strstr(err, "the disk is full") || strstr(err, "I/O error"),
		      "%s: the message does not say what failed: %s", where, err);
	}

	db = raw_open();
	char *after = snapshot(db, before_max);
	CHECK(strcmp(before, after) == 0, "%s: earlier runs changed:\n%s\n---\n%s", where, before,
	      after);
	raw_text(db, status, sizeof status, "SELECT status FROM runs WHERE id > %lld",
	         (long long)before_max);
	if (rc == 0) {
		CHECK(strcmp(status, "done") == 0, "%s: run_execute said done, stored '%s'", where,
		      status);
		CHECK(raw_int(db, "SELECT count(*) FROM queries WHERE run_id > %lld", before_max) ==
		          queries,
		      "%s: a done run without all its rows", where);
	} else {
		CHECK(strcmp(status, "done") != 0,
		      "%s: a failed run stored as done (error: %s)", where, err);
		CHECK(status[0] == '\0' || strcmp(status, "failed") == 0 ||
		          (sticky && strcmp(status, "running") == 0),
		      "%s: the run is '%s', not failed or absent (error: %s)", where, status, err);
		if (strcmp(status, "failed") == 0) {
			char stored_err[2048];
			raw_text(db, stored_err, sizeof stored_err,
			         "SELECT error FROM runs WHERE id > %lld", (long long)before_max);
			CHECK(stored_err[0] != '\0', "%s: failed without its error", where);
		}
	}
	if (getenv("FAULT_VERBOSE"))
		printf("%s: rc %d, run '%s': %s\n", where, rc, status, err);
	/* whatever it says of itself, a run's counted rows are its rows */
	CHECK(raw_int(db, "SELECT count(*) FROM runs WHERE queries_stored IS NOT NULL AND "
	                  "queries_stored <> (SELECT count(*) FROM queries q WHERE q.run_id = "
	                  "runs.id) AND id > %lld", 0) == 0,
	      "%s: queries_stored disagrees with the rows", where);
	raw_text(db, status, sizeof status, "PRAGMA integrity_check");
	CHECK(strcmp(status, "ok") == 0, "%s: integrity_check: %s", where, status);
	sqlite3_close(db);
	free(before);
	free(after);
}

int main(void)
{
	enum { QUERIES = 400 };
	char err[2048];
	int64_t id;

	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs) {
		fprintf(stderr, "no default SQLite VFS\n");
		return 1;
	}
	fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
	if (sqlite3_vfs_register(&fault_vfs, 0) != SQLITE_OK) {
		fprintf(stderr, "sqlite3_vfs_register failed\n");
		return 1;
	}
	snprintf(dir, sizeof dir, "/tmp/abacus-fault-XXXXXX");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof path, "%s/f.db", dir);
	snprintf(uri, sizeof uri, "file:%s?vfs=faulty", path);

	/* Two earlier runs through the plain path, one through the VFS with no
	 * fault, which also counts the calls a run makes. */
	store *st = store_open(path, err, sizeof err);
	if (!st) {
		fprintf(stderr, "store_open: %s\n", err);
		return 1;
	}
	CHECK(run_once(st, "earlier-1", QUERIES, err, sizeof err, &id) == 0, "%s", err);
	CHECK(run_once(st, "earlier-2", QUERIES, err, sizeof err, &id) == 0, "%s", err);
	store_close(st);
	memset(&fault, 0, sizeof fault);
	st = store_open(uri, err, sizeof err);
	CHECK(st != NULL, "store_open(%s): %s", uri, err);
	if (st) {
		CHECK(run_once(st, "counted", QUERIES, err, sizeof err, &id) == 0, "%s", err);
		store_close(st);
	}
	long calls[N_OPS];
	memcpy(calls, fault.calls, sizeof calls);
	printf("one run through the VFS: %ld xWrite, %ld xSync, %ld xTruncate calls\n",
	       calls[OP_WRITE], calls[OP_SYNC], calls[OP_TRUNCATE]);
	CHECK(calls[OP_WRITE] > 5, "only %ld writes for a run", calls[OP_WRITE]);

	static const int codes[2] = {SQLITE_FULL, SQLITE_IOERR};
	int points = 0, failed_runs = 0;
	for (int op = 0; op < N_OPS; op++)
		for (int k = 0; k < 2; k++)
			for (int sticky = 0; sticky < 2; sticky++)
				for (long at = 1; at <= calls[op] + 1; at++) {
					int before = failures;
					point(op, codes[k], sticky, at, QUERIES);
					points++;
					failed_runs += fault.failed > 0;
					if (failures > before + 20) {
						fprintf(stderr, "stopping after too many failures\n");
						goto out;
					}
				}
out:
	printf("%d schedule points, %d with a fault injected, %d checks\n", points, failed_runs,
	       checks);
	if (failures) {
		fprintf(stderr, "%d checks failed; files left in %s\n", failures, dir);
		return 1;
	}
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		char p[200];
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
	printf("all fault checks passed\n");
	return 0;
}
