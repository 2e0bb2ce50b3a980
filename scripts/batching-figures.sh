#!/usr/bin/env bash
# batching-figures.sh: each policy's peak load within QoS per pair, and the
# goodput at the overload, from the runs scenarios/batching.lua stored in a
# results.db: a figure per workload (PNG and PDF, gnuplot) and the tables.
#
#   scripts/batching-figures.sh DB OUTDIR
#
# A policy's peak load on a pair is the largest load (x C) among its
# newest peak-search runs that kept 99% of the queries within QoS (drops
# counted as misses), as abacus.capacity found it; 0 when none did. The
# goodput is the newest overload run's. Writes OUTDIR/batching-peak.csv,
# OUTDIR/batching-over.csv, OUTDIR/batching-summary.txt (per policy: mean
# and range over the pairs of its peak load, x C and x fcfs's) and
# OUTDIR/batching-peak-<workload>.png/.pdf. Needs the sqlite3 shell (with
# its JSON functions) and gnuplot.
set -euo pipefail

die() {
	echo "batching-figures.sh: $*" >&2
	exit 1
}
[ $# -eq 2 ] || {
	sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
db=$1
out=$2
command -v sqlite3 >/dev/null || die "needs the sqlite3 shell (Debian: apt-get install sqlite3)"
command -v gnuplot >/dev/null || die "needs gnuplot (Debian: apt-get install gnuplot-nox)"
[ -f "$db" ] || die "no database $db"
mkdir -p "$out" || die "cannot make $out"
[ -w "$out" ] || die "cannot write into $out"
tmp=$(mktemp -d /tmp/abacus-batching-fig-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

q() { # q SQL: rows, comma-separated; a database error stops the script
	local rows
	rows=$(sqlite3 -bail -batch -csv "$db" "$1" 2>&1) || die "$db: $rows"
	[ -z "$rows" ] || printf '%s\n' "$rows"
}

# the scenario's runs with their tags as columns; the newest run of each
# point (a scenario run twice keeps its last)
runs="t AS (SELECT r.id, r.status, r.violation_ratio, r.throughput_qps, r.device, r.gpu,
          json_extract(r.tags, '\$.workload') AS wl, json_extract(r.tags, '\$.pair') AS pair,
          json_extract(r.tags, '\$.label') AS label, json_extract(r.tags, '\$.phase') AS phase,
          json_extract(r.tags, '\$.qps') AS qps, json_extract(r.tags, '\$.capacity') AS cap
          FROM runs r WHERE json_extract(r.tags, '\$.experiment') = 'batching'),
      n AS (SELECT * FROM t WHERE status = 'done' AND id IN
            (SELECT max(id) FROM t GROUP BY wl, pair, label, phase, qps))"
[ -n "$(q "WITH $runs SELECT 1 FROM n LIMIT 1")" ] ||
	die "$db holds no run of scenarios/batching.lua (abacus run scenarios/batching.lua)"
where=$(q "WITH $runs SELECT device || ' ' || upper(gpu) FROM n GROUP BY device, gpu
           ORDER BY count(*) DESC LIMIT 1" | tr -d '"')
case $where in sim\ *) where="simulated ${where#sim }" ;; esac

# the peak in the pair's load unit C (tags.capacity)
peak="p AS (SELECT wl, pair, label,
            coalesce(max(CASE WHEN violation_ratio <= 0.01 THEN qps END), 0) / max(cap) AS x
          FROM n WHERE phase = 'peak' GROUP BY wl, pair, label)"
q "WITH $runs, $peak SELECT 'workload', 'pair', 'policy', 'peak_x_C'
   UNION ALL SELECT * FROM (SELECT wl, pair, label, printf('%.3f', x) FROM p ORDER BY wl, pair, label)" \
	>"$out/batching-peak.csv"
q "WITH $runs SELECT 'workload', 'pair', 'policy', 'qps', 'goodput'
   UNION ALL SELECT * FROM (SELECT wl, pair, label, printf('%.1f', qps), printf('%.1f', throughput_qps)
   FROM n WHERE phase = 'over' ORDER BY wl, pair, label)" >"$out/batching-over.csv"

{
	echo "Peak load within QoS per policy over the pairs, $where (scenarios/batching.lua;"
	echo "99% of queries within QoS, drops counted as misses). x C: the load unit"
	echo "(serial capacity); x fcfs: the mean over pairs of the policy's peak / fcfs's."
	echo
	q "WITH $runs, $peak, f AS (SELECT wl, pair, x AS fx FROM p WHERE label = 'fcfs')
	   SELECT p.wl, p.label, count(*), printf('%.3f', avg(x)), printf('%.3f', min(x)),
	          printf('%.3f', max(x)), printf('%.3f', avg(x / fx)), printf('%.3f', min(x / fx)),
	          printf('%.3f', max(x / fx))
	   FROM p JOIN f USING (wl, pair) WHERE fx > 0 GROUP BY p.wl, p.label ORDER BY p.wl, avg(x)" |
		tr -d '"' | awk -F, 'BEGIN { printf "%-8s %-24s %5s %8s %7s %7s %9s %7s %7s\n",
		"workload", "policy", "pairs", "mean_xC", "min", "max", "mean_xfcfs", "min", "max" }
		{ printf "%-8s %-24s %5s %8s %7s %7s %9s %7s %7s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
	echo
	echo "Goodput at the overload (1.5 x C), every policy abandoning: mean over pairs of"
	echo "the policy's goodput / fcfs's, and its range."
	echo
	q "WITH $runs, o AS (SELECT wl, pair, label, throughput_qps AS g FROM n WHERE phase = 'over'),
	   f AS (SELECT wl, pair, g AS fg FROM o WHERE label = 'fcfs')
	   SELECT o.wl, o.label, count(*), printf('%.3f', avg(g / fg)), printf('%.3f', min(g / fg)),
	          printf('%.3f', max(g / fg))
	   FROM o JOIN f USING (wl, pair) WHERE fg > 0 GROUP BY o.wl, o.label ORDER BY o.wl, avg(g / fg)" |
		tr -d '"' | awk -F, 'BEGIN { printf "%-8s %-24s %5s %10s %7s %7s\n", "workload", "policy",
		"pairs", "mean_xfcfs", "min", "max" }
		{ printf "%-8s %-24s %5s %10s %7s %7s\n", $1, $2, $3, $4, $5, $6 }'
} >"$out/batching-summary.txt"
echo "wrote $out/batching-peak.csv, batching-over.csv and batching-summary.txt"

# one figure per workload: pairs along x, a bar per policy
labels="fcfs abacus abacus+pair_late clockwork triton abacus+batching"
for wl in $(q "WITH $runs SELECT DISTINCT wl FROM n ORDER BY wl" | tr -d '"'); do
	dat="$tmp/$wl.dat"
	{
		printf 'pair'
		for l in $labels; do printf '\t%s' "$l"; done
		printf '\n'
		for pr in $(q "WITH $runs SELECT DISTINCT pair FROM n WHERE wl = '$wl' ORDER BY pair" | tr -d '"'); do
			printf '%s' "$pr"
			for l in $labels; do
				v=$(q "WITH $runs, $peak SELECT printf('%.4f', x) FROM p
				       WHERE wl = '$wl' AND pair = '$pr' AND label = '$l'" | tr -d '"')
				printf '\t%s' "${v:-0}"
			done
			printf '\n'
		done
	} >"$dat"
	n=$(echo $labels | wc -w)
	gnuplot >/dev/null 2>"$tmp/gp.err" <<EOF || die "gnuplot failed drawing $wl: $(cat "$tmp/gp.err")"
set terminal pngcairo size 1600,700 font ",11" noenhanced
set output "$out/batching-peak-$wl.png"
set title "Peak load within QoS per pair, $wl batch mix, $where (scenarios/batching.lua)"
set ylabel "peak load (x C, serial capacity)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key outside top center horizontal
set xtics rotate by 45 right
set yrange [0:*]
set grid ytics
plot for [i=2:$((n + 1))] "$dat" using i:xtic(1) title columnheader(i)
set terminal pdfcairo size 16in,7in font ",11" noenhanced
set output "$out/batching-peak-$wl.pdf"
replot
EOF
	[ -s "$out/batching-peak-$wl.png" ] || die "gnuplot wrote no figure for $wl"
	echo "wrote $out/batching-peak-$wl.png and .pdf"
done
