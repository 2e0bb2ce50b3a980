-- serial-service.sql: how long the baselines' queries ran live against
-- the simulator, the same query (run name, policy, query id: the same
-- seed draws the same arrivals, models and batches in both).
-- fcfs, sjf and edf run one query at a time, so end - start is a query's
-- solo time: live on the card, simulated from data/h200's profile.
--   sqlite3 live.db < serial-service.sql    (sim.db beside it)
ATTACH 'sim.db' AS s;
CREATE TEMP TABLE j AS
SELECT substr(l.name, 7, 3) AS load, l.model, l.batch, coalesce(l.seq, 0) AS seq,
       l.end_ms - l.start_ms AS live, x.end_ms - x.start_ms AS sim
FROM (SELECT r.name, r.policy, q.* FROM main.runs r JOIN main.queries q ON q.run_id = r.id) l
JOIN (SELECT r.name, r.policy, q.* FROM s.runs r JOIN s.queries q ON q.run_id = r.id) x
  ON l.name = x.name AND l.policy = x.policy AND l.id = x.id
WHERE l.policy IN ('fcfs', 'sjf', 'edf') AND l.start_ms IS NOT NULL AND x.start_ms IS NOT NULL
  AND (l.name LIKE 'paper-qos-%' OR l.name LIKE 'paper-thr-%');
.mode column
SELECT load, count(*) AS queries, round(sum(live) / sum(sim), 4) AS live_over_sim FROM j GROUP BY load;
SELECT model, batch, seq, count(*) AS n, round(avg(live), 3) AS live_ms, round(avg(sim), 3) AS sim_ms,
       round(avg(live) - avg(sim), 3) AS diff_ms, round(sum(live) / sum(sim), 3) AS ratio
FROM j GROUP BY model, batch, seq ORDER BY model, batch, seq;
