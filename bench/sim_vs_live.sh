#!/usr/bin/env bash
# sim_vs_live.sh: the same scenario simulated and measured, side by side.
#   bench/sim_vs_live.sh LIVE.db SIM.db
# Joins the newest done run of each (name, policy) in both databases and
# prints p99 and goodput from each, as CSV.
set -euo pipefail
live=$1
sim=$2
sqlite3 -csv -header "$sim" <<SQL
ATTACH '$live' AS live;
WITH s AS (SELECT name, policy, p99_ms, throughput_qps, violation_ratio FROM main.runs
           WHERE status = 'done' AND id IN (SELECT max(id) FROM main.runs GROUP BY name, policy)),
     l AS (SELECT name, policy, p99_ms, throughput_qps, violation_ratio FROM live.runs
           WHERE status = 'done' AND id IN (SELECT max(id) FROM live.runs GROUP BY name, policy))
SELECT s.name AS run, s.policy,
       round(s.p99_ms, 2) AS sim_p99_ms, round(l.p99_ms, 2) AS live_p99_ms,
       round(s.throughput_qps, 1) AS sim_goodput, round(l.throughput_qps, 1) AS live_goodput,
       round(s.violation_ratio, 3) AS sim_viol, round(l.violation_ratio, 3) AS live_viol
FROM s JOIN l USING (name, policy)
ORDER BY s.name, CASE s.policy WHEN 'fcfs' THEN 1 WHEN 'sjf' THEN 2 WHEN 'edf' THEN 3 ELSE 4 END;
SQL
