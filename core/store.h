/* store.h: results.db, the SQLite file every run lands in.
 *
 * One database, many runs. A run is first inserted with status 'running'
 * and committed at once, so a run that is killed stays visible as not
 * finished; its per-query rows are written in transactions of many rows;
 * at the end the run is updated to 'done' (or 'failed' / 'interrupted' with
 * the error). Nothing here deletes or rewrites an earlier run. Writers
 * sharing a file wait for each other's lock (STORE_LOCK_WAIT_MS).
 *
 * The schema is versioned with PRAGMA user_version; store_open creates it
 * or migrates older versions forward and refuses a newer one.
 *
 * Every function returns 0 on success or -1 with a human message in
 * store_errmsg() that names the file and the problem ("results.db is
 * locked by another process", "x.db is not an abacus database: file is not
 * a database", "results.db is read-only").
 */
#ifndef ABACUS_STORE_H
#define ABACUS_STORE_H

#include <stdint.h>
#include <stdio.h>

typedef struct store store;

/* The schema this code writes (PRAGMA user_version). Tables: runs,
 * services, queries, predictors (since 2; no longer read or written:
 * trained predictors are files of the GPU data, train.h, and an old
 * database keeps its rows); views: run_summary, service_summary. Since 3 a
 * run records its data folder and digest, the abacus version and the git
 * commit. Since 4 the config and tags are JSON, a run has pooled
 * p90/p95/p99.9 and the count of query rows it stored, each service its own
 * figures, and the view service_results shows them (docs/queries.md).
 * Since 6 per-minute figures (run_minutes); since 7 a run's groups,
 * segments, host seconds and decision time, which store_find_done gives
 * back. */
#define STORE_SCHEMA_VERSION 7

/* How long a write waits for another connection's lock before it fails
 * with "is locked". Researchers run sweeps in parallel into one file:
 * each writer holds the lock for a run's start or end or one batch of
 * rows (well under a second), but several runs storing a million rows
 * each queue behind one another, and a user may leave a transaction open
 * in the sqlite3 shell for a while. Five minutes rides that out; a lock
 * held longer is a stuck process, and is reported. Every writer of
 * results.db (the store, train.h) waits this long. */
#define STORE_LOCK_WAIT_MS (5 * 60 * 1000)

/* What a run is, stored when it begins. Strings may be empty, not NULL. */
typedef struct store_run_info {
	const char *name;
	const char *device; /* "sim" | "cuda" */
	const char *gpu;    /* profile name, e.g. "h100" */
	const char *policy;
	const char *config; /* the full configuration, as JSON ("" or NULL: {}) */
	int64_t seed;
	const char *gpu_name, *driver, *cuda, *cudnn; /* live device facts */
	/* The GPU data folder the run read and the digest of what it held:
	 * NULL where not known, stored as NULL. The abacus version and git
	 * commit are the store's own (version.h). */
	const char *data_dir, *data_digest;
	const char *tags; /* the scenario's tags, a JSON object ("" or NULL: {}) */
} store_run_info;

typedef struct store_service_row {
	int idx;
	const char *model;
	double qos_ms;
	const char *batches; /* "1,4,8" */
	const char *seqs;    /* "8,16" or "" */
} store_service_row;

typedef struct store_query_row {
	int64_t id; /* 0.. within the run */
	int service;
	const char *model;
	int batch, seq; /* seq 0 when the model has none */
	double arrival_ms, start_ms, end_ms, latency_ms; /* start/end/latency < 0: never ran */
	int dropped, violated;
} store_query_row;

/* One service's figures at the end of a run (metrics.h defines them);
 * idx is store_service_row.idx. */
typedef struct store_service_summary {
	int idx;
	int64_t completed, dropped, violations, late;
	double p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, mean_ms;
	double p99_qos; /* metrics.h */
} store_service_summary;

/* One window of a run's arrivals (a minute of a rate file's load): the
 * queries that arrived in it and what became of them (run_minutes table). */
typedef struct store_minute {
	int64_t offered, completed, on_time, dropped;
	double p99_ms, mean_ms; /* over the completed; NaN (NULL) when none */
} store_minute;

typedef struct store_summary {
	int64_t completed, dropped;
	double p50_ms, p99_ms, mean_ms, violation_ratio, throughput_qps;
	double duration_ms;
	double p90_ms, p95_ms, p999_ms;
	int64_t late;   /* metrics.h */
	double p99_qos;
	int64_t groups, segments;              /* run.h's run_result */
	double wall_s, decision_us;            /* NaN: not known (NULL) */
	const store_service_summary *services; /* n_services of them, or NULL */
	int n_services;
	const store_minute *minutes; /* n_minutes of them (minute 0 first), or NULL */
	size_t n_minutes;
} store_summary;

/* Opens (creating if needed) and checks the database. NULL on failure with
 * the message in err. path may be a "file:" URI ("file:results.db?mode=ro"
 * opens it read-only). A file that is not an SQLite database, a foreign
 * SQLite database or one from a newer abacus is refused unchanged. */
store *store_open(const char *path, char *err, size_t errlen);
/* Opens an existing database for reading (abacus runs): nothing is created
 * or written, not even the switch to WAL. A missing file is "no database
 * at PATH"; a WAL file in a folder this process cannot write is read as
 * immutable when no writer has a -wal file open beside it. A newer schema
 * is refused as by store_open; an older one is read as it is, not
 * migrated. */
store *store_open_readonly(const char *path, char *err, size_t errlen);
/* How long writes wait for another connection's lock (STORE_LOCK_WAIT_MS
 * unless set): tests shorten it to see the message a stuck lock gives. */
int store_set_lock_wait(store *s, int ms);
void store_close(store *s);
const char *store_errmsg(const store *s);

int store_run_begin(store *s, const store_run_info *info, const store_service_row *svc, int n_svc,
                    int64_t *run_id);
/* Per-query rows: append between begin and commit; rows are flushed in
 * transactions of many rows, so a crash loses at most the open one.
 * Only a run still 'running' takes rows. A transaction opens at the first
 * row of a batch and holds the file's write lock until the batch commits
 * (every 100,000 rows, at store_queries_commit, store_run_end or
 * store_close): a caller that adds rows slowly over a long run should
 * commit now and then so that other runs sharing the file are not kept
 * waiting. In the table, seq 0 is stored as NULL (no sequence length) and
 * negative start/end/latency as NULL (never ran). */
int store_queries_begin(store *s, int64_t run_id);
int store_query_add(store *s, const store_query_row *row);
int store_queries_commit(store *s);
/* status: "done", "failed" or "interrupted"; error may be NULL; sum may be
 * NULL (a run that failed before it had results). Rows still being added
 * are committed first; when they cannot be (after several lock waits,
 * or a full disk) the run still ends, as 'failed' with that
 * error, and -1 says so. The status, the summary, the services' figures
 * and queries_stored (the rows the run holds in queries, counted then)
 * are written in one transaction: all of them or none. Fails for a run
 * that has already ended. */
int store_run_end(store *s, int64_t run_id, const char *status, const store_summary *sum,
                  const char *error);

/* A run as listed (store_walk_runs). Strings are borrowed for the call
 * and "" when not stored. */
typedef struct store_run_entry {
	int64_t id;
	const char *name, *device, *gpu, *policy;
	/* running, done, failed, interrupted, or died: a 'running' run whose
	 * process is known to be gone (it ran on this host). */
	const char *status;
	int64_t queries; /* query rows stored */
	double p99_ms, violation_ratio, throughput_qps; /* NAN when not stored */
	const char *started_at; /* ISO-8601 UTC */
} store_run_entry;

/* Returns 0 to go on; anything else stops the walk and is returned. */
typedef int (*store_run_fn)(void *ctx, const store_run_entry *run);

/* Calls fn for the newest `limit` runs, oldest first (limit <= 0: all);
 * *total, when total is not NULL, is the number of runs stored. 0, -1
 * with the message in store_errmsg, or what fn returned. fn NULL: only
 * the count. */
int store_walk_runs(store *s, int limit, store_run_fn fn, void *ctx, int64_t *total);

/* A finished run as stored (store_find_done): its figures with its
 * services' (in idx order) and minutes', owned here. */
typedef struct store_found {
	int64_t run_id;
	store_summary sum;
	char *note; /* a done run's error column (workers lost), NULL when none */
	store_service_summary *services;
	store_minute *minutes;
} store_found;

/* The newest run ended 'done' with exactly info's name, configuration
 * (the JSON text run_config.config_text holds), device and GPU, that read
 * data of info's digest (NULL: none; a run that read other data does not
 * match); the other fields of info are not read, and the code's commit is
 * not compared. 1 found (*out filled: store_found_free), 0 none, -1
 * error. Runs stored before schema 7 do not match: they lack the result's
 * groups, segments and times. */
int store_find_done(store *s, const store_run_info *info, store_found *out);
void store_found_free(store_found *f);

/* Prints the runs as a table (id, name, device, gpu, policy, status,
 * queries, p99, violations, goodput, started). A 'running' run whose
 * process is gone is shown as 'died'. The newest `limit` runs, oldest
 * first (limit <= 0: all). */
int store_print_runs(store *s, FILE *out, int limit);

#endif
