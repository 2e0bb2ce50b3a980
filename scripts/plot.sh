#!/usr/bin/env bash
# plot.sh: figures from results.db, drawn by gnuplot.
#
#   scripts/plot.sh [--db results.db] cdf NAME [OUT.png]
#       latency CDF of each policy's newest finished run named NAME, with
#       each service's QoS target as a vertical line. A dropped query never
#       completes, so a policy that drops ends below 1.
#   scripts/plot.sh [--db results.db] p99 PATTERN [OUT.png]
#       p99 over QoS target of each policy, for every run name matching
#       PATTERN (SQL LIKE: scenarios/pairs.lua's QoS load is 'pairs-qos-%'),
#       the newest finished run of each name and policy; 1 is the target.
#
# OUT defaults to NAME.png (or PATTERN.png, with % and / made _). With
# PLOT_DATA=DIR the data files gnuplot drew from are kept in DIR
# (POLICY.dat: latency, share; p99.dat: name and a column per policy).
# Needs the sqlite3 shell and gnuplot (Debian: sqlite3, gnuplot-nox).
set -euo pipefail

usage() {
	sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
die() {
	echo "plot.sh: $*" >&2
	exit 1
}

db=results.db
if [ "${1:-}" = "--db" ]; then
	[ $# -ge 2 ] || usage
	db=$2
	shift 2
fi
[ $# -ge 2 ] && [ $# -le 3 ] || usage
kind=$1
what=$2
out=${3:-$(printf '%s' "$what" | tr '%/' '__').png}
case $kind in cdf | p99) ;; *) usage ;; esac

command -v sqlite3 >/dev/null || die "needs the sqlite3 shell (Debian: apt-get install sqlite3)"
command -v gnuplot >/dev/null || die "needs gnuplot (Debian: apt-get install gnuplot-nox)"
[ -f "$db" ] || die "no database $db"
# gnuplot that cannot open its output writes the PNG to stdout instead
outdir=$(dirname -- "$out")
[ -d "$outdir" ] && [ -w "$outdir" ] || die "cannot write $out: $outdir is not a writable folder"

# NAME and PATTERN go into SQL as string literals
lit="'${what//\'/\'\'}'"
policy_order="CASE policy WHEN 'fcfs' THEN 1 WHEN 'sjf' THEN 2 WHEN 'edf' THEN 3 WHEN 'abacus' THEN 4 ELSE 5 END"

q() { # q SQL: rows, fields separated by tabs; a database error stops the script
	local rows
	rows=$(sqlite3 -bail -batch -separator $'\t' "$db" "$1" 2>&1) || die "$db: $rows"
	[ -z "$rows" ] || printf '%s\n' "$rows"
}

tmp=$(mktemp -d /tmp/abacus-plot-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

gp_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }

if [ "$kind" = cdf ]; then
	runs=$(q "SELECT policy, max(id) FROM runs WHERE name = $lit AND status = 'done'
	          GROUP BY policy ORDER BY $policy_order")
	[ -n "$runs" ] || die "no finished run named '$what' in $db (list them with: abacus runs)"
	plots=()
	dt=1
	while IFS=$'\t' read -r policy id; do
		f="$tmp/$policy.dat"
		q "SELECT latency_ms, row_number() OVER (ORDER BY latency_ms) * 1.0 /
		          (SELECT count(*) FROM queries WHERE run_id = $id)
		   FROM queries WHERE run_id = $id AND NOT dropped AND latency_ms IS NOT NULL
		   ORDER BY latency_ms" >"$f"
		[ -s "$f" ] || die "run $id ($policy) has no completed query stored (store_queries = false?)"
		# a dash type each: policies that schedule alike draw the same line
		plots+=("\"$f\" using 1:2 with steps lw 2 dt $dt title \"$policy (run $id)\"")
		dt=$((dt + 1))
	done <<<"$runs"
	ids=$(printf '%s\n' "$runs" | cut -f2 | paste -sd, -)
	qos=$(q "SELECT DISTINCT qos_ms FROM services WHERE run_id IN ($ids) ORDER BY qos_ms")
	xmax=$(q "SELECT 2 * max(qos_ms) FROM services WHERE run_id IN ($ids)")
	arrows=""
	while read -r t; do
		[ -n "$t" ] && arrows+="set arrow from $t, graph 0 to $t, graph 1 nohead dt 2 lc rgb 'gray40';"$'\n'
	done <<<"$qos"
	title="latency CDF: $(gp_escape "$what") (dashed: QoS target)"
	gnuplot >/dev/null <<EOF || die "gnuplot failed drawing $out"
set terminal pngcairo size 900,600 font ",11" noenhanced
set output "$(gp_escape "$out")"
set title "$title"
set xlabel "latency (ms)"
set ylabel "share of queries completed"
set xrange [0:$xmax]
set yrange [0:1.02]
set key bottom right
set grid
$arrows
plot $(IFS=,; echo "${plots[*]}")
EOF
else
	q "SELECT r.name, r.policy, r.p99_ms / (SELECT max(qos_ms) FROM services s WHERE s.run_id = r.id)
	   FROM runs r
	   WHERE r.id IN (SELECT max(id) FROM runs WHERE name LIKE $lit AND status = 'done'
	                  GROUP BY name, policy)
	   ORDER BY r.name, $policy_order" >"$tmp/rows"
	[ -s "$tmp/rows" ] || die "no finished run whose name matches '$what' in $db (list them with: abacus runs)"
	# one line per name, less what every matched name shares ahead of the
	# pattern's first wildcard, and a column per policy (? where a policy
	# has no run)
	prefix=${what%%[%_]*}
	policies=$(cut -f2 "$tmp/rows" | awk '!seen[$0]++' |
		awk '{o = ($0=="fcfs")?1:($0=="sjf")?2:($0=="edf")?3:($0=="abacus")?4:5; print o "\t" $0}' |
		sort -n | cut -f2 | paste -sd' ' -)
	awk -F'\t' -v pols="$policies" -v prefix="$prefix" '
		BEGIN { np = split(pols, P, " ") }
		{ if (!($1 in seen)) { seen[$1] = 1; names[++n] = $1 } v[$1, $2] = $3 }
		END {
			for (i = 1; i <= n; i++) {
				label = names[i]
				if (prefix != "" && index(label, prefix) == 1 && length(label) > length(prefix))
					label = substr(label, length(prefix) + 1)
				line = "\"" label "\""
				for (j = 1; j <= np; j++) line = line " " ((names[i], P[j]) in v ? v[names[i], P[j]] : "?")
				print line
			}
		}' "$tmp/rows" >"$tmp/p99.dat"
	# bars past 5x the target are cut at 5, so the rest stay readable
	n=$(wc -l <"$tmp/p99.dat")
	ymax=$(cut -f3 "$tmp/rows" | awk 'BEGIN { m = 1 } $1 + 0 > m { m = $1 + 0 } END { m *= 1.1; print (m > 5 ? 5 : m) }')
	cut_note=""
	[ "$ymax" = 5 ] && cut_note=" (bars cut at 5)"
	cols=""
	j=2
	for p in $policies; do
		cols+="${cols:+, }\"$tmp/p99.dat\" using $j:xtic(1) title \"$p\""
		j=$((j + 1))
	done
	gnuplot >/dev/null <<EOF || die "gnuplot failed drawing $out"
set terminal pngcairo size 1200,600 font ",10" noenhanced
set output "$(gp_escape "$out")"
set title "p99 latency over the QoS target: $(gp_escape "$what")$cut_note"
set ylabel "p99 / QoS target"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -40 left
set xrange [-0.6:$n - 0.4]
set yrange [0:$ymax]
set grid ytics
set key outside right top
set datafile missing "?"
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb 'red'
plot $cols
EOF
fi
if [ -n "${PLOT_DATA:-}" ]; then
	mkdir -p "$PLOT_DATA" && cp "$tmp"/*.dat "$PLOT_DATA"/ || die "could not keep the data in $PLOT_DATA"
fi
echo "wrote $out"
