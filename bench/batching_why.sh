#!/usr/bin/env bash
# batching_why.sh: why two targets of scenarios/batching.lua stay out of
# reach, measured (docs/batching.md): merging's ceiling on the paper's batch
# mix, and what abacus's overload goodput is made of.
#
#   bench/batching_why.sh [BUILD] [GPU] [QUERIES]   (defaults: build h200 4000)
#
# Runs bench/batching_why.lua into a scratch results.db, then reads from
# its queries:
#  * at 1.5 x C, every policy abandoning: each policy's goodput and its
#    on-time queries' solo time per second (the work it got done), as
#    means over the 21 pairs of the ratio to fcfs's (predictive rule);
#  * at abacus+batching's peak: the mean size of a merged batch (queries
#    of one service that started together) against the mean query's.
# Needs the sqlite3 shell. About 40 s on a 2-core CPU.
set -euo pipefail
BUILD=${1:-build}
GPU=${2:-h200}
NQ=${3:-4000}
cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || { echo "batching_why.sh: needs the sqlite3 shell" >&2; exit 1; }
[ -x "$BUILD/abacus" ] || { echo "batching_why.sh: no $BUILD/abacus (build first)" >&2; exit 1; }
T=$(mktemp -d /tmp/abacus-why-XXXXXX)
trap 'rm -rf "$T"' EXIT
"$BUILD/abacus" --db "$T/why.db" run bench/batching_why.lua "$GPU" "$NQ" "$T/solo.csv" 2>/dev/null
sqlite3 -bail -batch "$T/why.db" <<SQL
.mode csv
CREATE TEMP TABLE solo (model TEXT, batch INTEGER, seq INTEGER, solo_ms REAL);
.import --skip 1 $T/solo.csv solo
.mode column
.headers on
CREATE TEMP VIEW r AS
  SELECT id, duration_ms, throughput_qps, json_extract(tags, '\$.workload') AS wl,
         json_extract(tags, '\$.pair') AS pair, json_extract(tags, '\$.label') AS label,
         json_extract(tags, '\$.phase') AS phase
  FROM runs WHERE json_extract(tags, '\$.experiment') = 'batching-why' AND status = 'done';
CREATE TEMP VIEW w AS
  SELECT r.id, r.wl, r.pair, r.label, r.throughput_qps AS goodput,
         sum(s.solo_ms) / (r.duration_ms / 1e3) AS work
  FROM r JOIN queries q ON q.run_id = r.id
  JOIN solo s ON s.model = q.model AND s.batch = q.batch AND s.seq = coalesce(q.seq, 0)
  WHERE r.phase = 'over' AND q.dropped = 0 AND q.violated = 0 AND q.end_ms IS NOT NULL
  GROUP BY r.id;
.print
.print "3. at 1.5 x C, every policy abandoning: goodput and the on-time queries' solo time per"
.print "   second, each as the mean over the pairs of its ratio to fcfs's (predictive rule);"
.print "   fcfs_busy: fcfs's on-time solo time per second of the run (1: never idle)"
SELECT w.wl AS load, w.label AS policy, printf('%.4f', avg(w.goodput / f.goodput)) AS goodput_x,
       printf('%.4f', avg(w.work / f.work)) AS ontime_solo_work_per_s_x,
       printf('%.4f', avg(f.work) / 1000) AS fcfs_busy
FROM w JOIN w f ON f.wl = w.wl AND f.pair = w.pair AND f.label = 'fcfs'
GROUP BY w.wl, w.label ORDER BY w.wl, avg(w.goodput / f.goodput);
.print
.print "4. merged batches at 1.74 x C (pairs mix) and 1.09 x C (paper mix), abacus+batching's"
.print "   mean peaks: per segment a query started (queries of one service started together),"
.print "   how many queries it merged and their batches summed, means over the segments"
WITH seg AS (SELECT r.wl, r.label, q.run_id, q.service, q.start_ms, count(*) AS n, sum(q.batch) AS b
             FROM r JOIN queries q ON q.run_id = r.id
             WHERE r.phase = 'merged' AND q.start_ms IS NOT NULL
             GROUP BY q.run_id, q.service, q.start_ms)
SELECT wl AS load, label AS policy, printf('%.2f', avg(n)) AS queries_merged,
       printf('%.2f', avg(b)) AS merged_batch
FROM seg GROUP BY wl, label ORDER BY wl, label;
SQL
