#!/usr/bin/env bash
# cluster_scale.sh: the section 7.6 cluster (scenarios/paper/cluster.lua) on
# many simulated GPUs: simulated queries per second of the run's loop, wall
# time, CPU time (user + system) and peak RSS of the whole abacus process,
# with query rows off (the figures streamed: stream = true, memory flat in
# the number of queries) and on (every query kept and stored), for each
# arm named.
#   bench/cluster_scale.sh [BUILD_DIR] [GPUS] [QUERIES...]
# (defaults: build, 1000 GPUs, 1,000,000 and 2,000,000 queries: the first
# arrivals of the rate file, the load scaled to the GPUs; 0 plays MINUTES
# whole). From the environment: ARMS_LIST (default "clockwork
# abacus+random"), ROWS_LIST (default "0 1"), MINUTES (default 1).
set -euo pipefail
B=${1:-build}
G=${2:-1000}
shift $(($# > 2 ? 2 : $#))
NS=${*:-1000000 2000000}
ARMS_LIST=${ARMS_LIST:-clockwork abacus+random}
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/abacus-scale-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf '%-16s %6s %5s %10s %12s %12s %10s %10s %8s\n' arm gpus rows queries "loop s" "sim q/s" "wall s" "peak MiB" "cpu s"
for arm in $ARMS_LIST; do
	for n in $NS; do
		for rows in ${ROWS_LIST:-0 1}; do
			rm -f "$tmp/r.db"*
			GPUS=$G MINUTES=${MINUTES:-1} ARMS=$arm ROWS=$rows STREAM=$((1 - rows)) QUERIES=$([ "$n" = 0 ] || echo "$n") /usr/bin/time -v -o "$tmp/time" \
				"$B/abacus" --db "$tmp/r.db" run "$src/scenarios/paper/cluster.lua" >"$tmp/out" 2>"$tmp/err" ||
				{ cat "$tmp/err" >&2; exit 1; }
			loop=$(awk -v a="$arm:" '$1 == a { print $5 }' "$tmp/out")
			q=$(awk -v a="$arm:" '$1 == a { print $2 }' "$tmp/out")
			wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$tmp/time")
			rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tmp/time")
			# the machine may be shared: the process's own CPU time beside
			# its wall time
			cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$tmp/time")
			printf '%-16s %6d %5s %10d %12.2f %12.0f %10.2f %10d %8.2f\n' "$arm" "$G" \
				"$([ $rows = 1 ] && echo on || echo off)" "$q" "$loop" "$(awk -v n="$q" -v l="$loop" 'BEGIN { print n / l }')" "$wall" "$rss" "$cpu"
		done
	done
done
