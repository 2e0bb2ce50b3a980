#!/usr/bin/env bash
# paper-figures.sh: every figure of scenarios/paper/ from a results.db, as
# PNG and PDF, drawn by gnuplot.
#
#   scripts/paper-figures.sh DB OUTDIR
#   ENGINE=eager scripts/paper-figures.sh DB OUTDIR   (the runs without graphs)
#
# Reads the newest finished run of each experiment point (name, policy,
# seed, load, ways) that the paper scenarios tagged (tags.figure), the
# paper's own numbers from data/paper/, and the tables prediction.lua and
# search.lua write beside the database (paper-prediction.csv,
# paper-search.csv; their figures are left out when those are missing).
# Means and spreads over seeds and the latency quantiles are computed in
# SQL, so only a few hundred numbers reach gnuplot however many queries
# were stored. Each figure names the device, the GPU data and the runs.
# Needs the sqlite3 shell (with its math functions) and gnuplot.
set -euo pipefail

die() {
	echo "paper-figures.sh: $*" >&2
	exit 1
}
[ $# -eq 2 ] || {
	sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
db=$1
out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
command -v sqlite3 >/dev/null || die "needs the sqlite3 shell (Debian: apt-get install sqlite3)"
command -v gnuplot >/dev/null || die "needs gnuplot (Debian: apt-get install gnuplot-nox)"
[ -f "$db" ] || die "no database $db"
mkdir -p "$out" || die "cannot make $out"
[ -w "$out" ] || die "cannot write into $out"
dbdir=$(dirname -- "$db")
tmp=$(mktemp -d /tmp/abacus-paper-fig-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

q() { # q SQL: rows, tab-separated; a database error stops the script
	local rows
	rows=$(sqlite3 -bail -batch -separator $'\t' "$db" "$1" 2>&1) || die "$db: $rows"
	[ -z "$rows" ] || printf '%s\n' "$rows"
}

policies="fcfs sjf edf abacus"
# the newest finished run of each point of a figure
# ENGINE (environment): the runs tagged engine = ENGINE (the scenarios'
# words `eager`, `threads`: "eager", "eager+threads"); by default those
# without an engine tag (CUDA graphs), so that a database holding both
# never mixes them in one figure
engine=${ENGINE:-}
case $engine in *[!a-z0-9_+]*) die "ENGINE '$engine' is not an engine tag (letters, digits, _ and +)" ;; esac
newest="SELECT max(id) FROM runs WHERE status = 'done' AND json_extract(tags, '\$.figure') IS NOT NULL
          AND coalesce(json_extract(tags, '\$.engine'), '') = '$engine'
        GROUP BY name, policy, json_extract(tags, '\$.seed'), json_extract(tags, '\$.qps'),
                 json_extract(tags, '\$.ways'), json_extract(tags, '\$.load'), json_extract(tags, '\$.combo')"
# p: those runs with their tags as columns, the first table of every query
pv="p AS (SELECT r.*, json_extract(tags, '\$.figure') AS fig, json_extract(tags, '\$.combo') AS combo,
          json_extract(tags, '\$.seed') AS s
          FROM runs r WHERE r.id IN ($newest))"
qp() { # qp SQL: q with p defined (SQL may start with its own WITH)
	case $1 in
	WITH\ *) q "WITH $pv, ${1#WITH }" ;;
	*) q "WITH $pv $1" ;;
	esac
}
# what the runs were: device, GPU, how many queries and seeds
where=$(q "SELECT device || ' ' || upper(gpu) || ' (data/' || gpu || ')' FROM runs
           WHERE id IN ($newest) GROUP BY device, gpu ORDER BY count(*) DESC LIMIT 1")
if [ -z "$where" ]; then
	others=$(q "SELECT group_concat(e, ', ') FROM (SELECT DISTINCT json_extract(tags, '\$.engine') AS e FROM runs
	            WHERE status = 'done' AND json_extract(tags, '\$.figure') IS NOT NULL AND e IS NOT NULL)")
	what="with CUDA graphs"
	[ -z "$engine" ] || what="tagged engine = $engine"
	[ -z "$others" ] || die "$db holds no run of scenarios/paper/ $what; its runs tagged engine = $others are drawn with ENGINE set to that"
	die "$db holds no run of scenarios/paper/${engine:+ tagged engine = $engine} (run scenarios/paper/all.lua)"
fi
where="simulated ${where#sim }"
case $where in simulated\ cuda*) where="live ${where#simulated cuda }" ;; esac
case $engine in
"") ;;
eager) where="$where, without CUDA graphs" ;;
eager+threads) where="$where, without CUDA graphs, a launch thread per service" ;;
*) where="$where, engine $engine" ;;
esac

# gp NAME TITLE BODY: draws BODY as NAME.png and NAME.pdf (BODY twice:
# replot would redraw only the last panel of a multiplot into the PDF)
gp() {
	local name=$1 body=$2
	gnuplot >/dev/null 2>"$tmp/gp.err" <<EOF || die "gnuplot failed drawing $name: $(cat "$tmp/gp.err")"
set terminal pngcairo size 1400,800 font ",11" noenhanced
set output "$out/$name.png"
$body
set output
reset
set terminal pdfcairo size 14in,8in font ",11" noenhanced
set output "$out/$name.pdf"
$body
EOF
	[ -s "$out/$name.png" ] && [ -s "$out/$name.pdf" ] || die "gnuplot wrote no $name"
	echo "wrote $out/$name.png and .pdf"
}

# the paper's numbers, CSV column per policy: combo, then POL_SUFFIX values
paper_cols() { # paper_cols "FILE..." SUFFIX > rows "combo v_fcfs v_sjf v_edf v_abacus"
	awk -F, -v suf="$2" '
		function model(s) {
			if (s ~ /^Resn?152/) return "resnet152"; if (s ~ /^Res101/) return "resnet101"
			if (s ~ /^Res50/) return "resnet50"; if (s ~ /^IncepV3/) return "inception_v3"
			if (s ~ /^VGG16/) return "vgg16"; if (s ~ /^VGG19/) return "vgg19"; if (s ~ /^Bert/) return "bert"
			return ""
		}
		function len(s) { return s ~ /^Resn152/ ? 7 : s ~ /^Res(101|152)/ ? 6 : s ~ /^Res50/ ? 5 : s ~ /^IncepV3/ ? 7 : s ~ /^VGG/ ? 5 : 4 }
		function models(s,   c, m) { # "Res101Bert" -> "resnet101+bert"
			gsub(/[+_]/, "", s); c = ""
			while (length(s) > 0) { m = model(s); if (m == "") break; c = c (c == "" ? "" : "+") m; s = substr(s, len(s) + 1) }
			return c
		}
		{ sub(/\r$/, "") } # CRLF line ends, as data/paper/ has them
		FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{
			if (match(FILENAME, /mig-[0-9]in4/)) {
				# a MIG placement, as mig.lua labels it: "2in4:resnet101+bert|resnet152+vgg19"
				# (1in4 separates its partitions by +, 2in4 by _, 4in4 is one)
				cfg = substr(FILENAME, RSTART + 4, 4)
				n = split($1, part, cfg == "1in4" ? "+" : "_"); c = cfg ":"
				for (i = 1; i <= n; i++) c = c (i > 1 ? "|" : "") models(part[i])
			} else c = models($1)
			printf "%s %s %s %s %s\n", c, $col["FCFS" suf], $col["SJF" suf], $col["EDF" suf], $col["Abacus" suf]
		}' $(for f in $1; do printf '%s ' "$src/data/paper/$f"; done)
}

# bars FIG SQLEXPR FILE: mean and sd over seeds of SQLEXPR per combination
# and policy, in the protocol's order: "combo m1 sd1 m2 sd2 ..."
bars() {
	qp "SELECT combo, policy, avg($2), coalesce(sqrt(max(0, (avg(($2) * ($2)) - avg($2) * avg($2)) * count(*) / max(1, count(*) - 1))), 0), count(*)
	   FROM p WHERE fig = '$1' GROUP BY combo, policy ORDER BY min(id)" >"$tmp/raw"
	[ -s "$tmp/raw" ] || return 1
	awk -F'\t' -v pols="$policies" '
		BEGIN { np = split(pols, P, " ") }
		{ if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } m[$1, $2] = $3; sd[$1, $2] = $4; if ($5 > ns) ns = $5 }
		END {
			for (i = 1; i <= n; i++) {
				line = order[i]
				for (j = 1; j <= np; j++) line = line " " (((order[i], P[j]) in m) ? m[order[i], P[j]] " " sd[order[i], P[j]] : "? ?")
				print line
			}
			print ns > "/dev/stderr"
		}' "$tmp/raw" >"$3" 2>"$tmp/nseeds"
}

# line_style POLICY: a line per policy that stays visible where two
# coincide (fcfs and edf do whenever every service has one QoS target:
# deadlines then come in arrival order): fcfs thick beneath, edf dashed
line_style() {
	case $1 in
	fcfs) echo "lw 6 dt 1 pt 7 lc 1" ;;
	sjf) echo "lw 2 dt 1 pt 5 lc 2" ;;
	edf) echo "lw 2 dt 2 pt 9 lc 3" ;;
	*) echo "lw 3 dt 1 pt 13 lc 4" ;;
	esac
}

# bar_style N: gnuplot settings of a bar chart of N groups with error bars
bar_style() {
	printf '%s\n' "set style data histograms" "set style histogram errorbars gap 1 lw 1" \
		"set style fill solid 0.8 border -1" "set boxwidth 0.9" "set grid ytics" \
		"set key outside right top" "set datafile missing '?'" "set xrange [-0.6:$1 - 0.4]" \
		"set yrange [0:*]" "set xtics rotate by -30 left font ',9'"
}
# bar_plot FILE: a bar per policy from "name m1 sd1 m2 sd2 ..." rows
bar_plot() {
	local plot="" j=2
	for p in $policies; do
		plot+="${plot:+, }\"$1\" using $j:$((j + 1)):xtic(1) title \"$p\""
		j=$((j + 2))
	done
	printf '%s' "$plot"
}

# bar_figure NAME FIG SQLEXPR YLABEL TITLE [PAPERFILE SUFFIX]: ours (mean
# +- sd over seeds) on top, the paper's A100 numbers below when given
bar_figure() {
	local name=$1 fig=$2 expr=$3 ylabel=$4 title=$5 pfile=${6:-} psuf=${7:-}
	bars "$fig" "$expr" "$tmp/$name.dat" || {
		echo "paper-figures.sh: no runs for figure $fig in $db, $name left out" >&2
		return 0
	}
	local seeds n ymax ref=""
	seeds=$(cat "$tmp/nseeds")
	n=$(wc -l <"$tmp/$name.dat")
	if [ -n "$pfile" ]; then
		# the paper's rows in our order; a combination it lacks is ?
		paper_cols "$pfile" "$psuf" >"$tmp/$name.paper.raw"
		awk 'NR == FNR { v[$1] = $2 " " $3 " " $4 " " $5; next } { print $1, ($1 in v ? v[$1] : "? ? ? ?") }' \
			"$tmp/$name.paper.raw" "$tmp/$name.dat" >"$tmp/$name.paper"
	fi
	# one y range for both panels, so that their bars compare by eye
	ymax=$(awk 'FILENAME ~ /paper/ { for (i = 2; i <= NF; i++) if ($i != "?" && $i + 0 > m) m = $i + 0; next }
		{ for (i = 2; i < NF; i += 2) if ($i != "?" && $i + $(i + 1) > m) m = $i + $(i + 1) }
		END { print (m > 0 ? m * 1.08 : 1) }' "$tmp/$name.dat" ${pfile:+"$tmp/$name.paper"})
	# a ratio to the QoS target: the target itself, dashed
	case $ylabel in *"/ QoS target"*)
		ref="set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb 'red' front"
		title="$title (dashed: the QoS target)" ;;
	esac
	local body="set multiplot layout $([ -n "$pfile" ] && echo 2 || echo 1),1 title \"$title\"
$(bar_style "$n")
set yrange [0:$ymax]
$ref
set ylabel \"$ylabel\"
set title \"ours: $where, $(qp "SELECT max(completed + dropped) FROM p WHERE fig = '$fig'") queries a run, mean +- sd over $seeds seeds\"
plot $(bar_plot "$tmp/$name.dat")"
	if [ -n "$pfile" ]; then
		local pplot="" k=2
		for p in $policies; do
			pplot+="${pplot:+, }\"$tmp/$name.paper\" using $k:xtic(1) title \"$p\""
			k=$((k + 1))
		done
		body+="
set style histogram clustered gap 1
set title \"the paper: one A100, PyTorch eager, 1000 queries a run, one run (data/paper/: $pfile)\"
plot $pplot"
	fi
	body+="
unset multiplot"
	gp "$name" "$body"
}

bar_figure fig14-p99-qos 14-15 p99_qos "p99 latency / QoS target" \
	"Fig 14: p99 over completed queries / QoS target at the QoS load" result-qos-2in7.csv _tail
bar_figure fig15-violations 14-15 violation_ratio "violation ratio (drops count)" \
	"Fig 15: QoS violations at the QoS load" result-qos-2in7.csv _violation
bar_figure fig16-small 16 p99_qos "p99 latency / QoS target" \
	"Fig 16: small queries (batch 4), p99 / QoS target (the paper's targets for it are not in its data)"
bar_figure fig17-completed 17 completed "queries completed (late included)" \
	"Fig 17: queries completed at the higher load" result-throughput-2in7.csv _throughput
bar_figure fig18-beyond-qos 18 p99_qos "p99 latency / QoS target" \
	"Fig 18: three and four services, p99 / QoS target at the QoS load" "result-qos-3in4.csv result-qos-4in4.csv" _tail
bar_figure fig19-beyond-completed 19 completed "queries completed (late included)" \
	"Fig 19: three and four services, queries completed at the higher load" "result-throughput-3in4.csv result-throughput-4in4.csv" _throughput
bar_figure fig20-mig-qos 20 p99_qos "p99 latency / QoS target" \
	"Fig 20: four services on SM partitions (paper: A100 MIG slices), p99 / QoS target at the QoS load" \
	"result-qos-mig-1in4.csv result-qos-mig-2in4.csv result-qos-mig-4in4.csv" _tail
bar_figure fig21-mig-completed 21 completed "queries completed (late included)" \
	"Fig 21: four services on SM partitions (paper: A100 MIG slices), queries completed at the higher load" \
	"result-throughput-mig-1in4.csv result-throughput-mig-2in4.csv result-throughput-mig-4in4.csv" _throughput

# the peak load within QoS: per pair, policy and seed the largest rate
# that kept 99% of the queries within QoS, over the serial capacity
qp "SELECT combo, policy, s, max(CASE WHEN violation_ratio <= 0.01 THEN json_extract(tags, '\$.qps') ELSE 0 END)
   FROM p WHERE fig = '17-peak' GROUP BY combo, policy, s ORDER BY min(id)" >"$tmp/peak.raw"
if [ -s "$tmp/peak.raw" ]; then
	qp "SELECT combo, max(json_extract(tags, '\$.capacity')) FROM p WHERE fig = '17-peak' GROUP BY combo" >"$tmp/cap"
	awk -F'\t' -v pols="$policies" '
		BEGIN { np = split(pols, P, " ") }
		NR == FNR { cap[$1] = $2; next }
		{ if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } x = $4 / cap[$1]; s[$1, $2] += x; ss[$1, $2] += x * x; c[$1, $2]++ }
		END {
			for (i = 1; i <= n; i++) {
				line = order[i]
				for (j = 1; j <= np; j++) {
					k = order[i] SUBSEP P[j]; m = s[k] / c[k]; v = c[k] > 1 ? (ss[k] - c[k] * m * m) / (c[k] - 1) : 0
					line = line " " m " " sqrt(v > 0 ? v : 0)
				}
				print line
			}
		}' "$tmp/cap" "$tmp/peak.raw" >"$tmp/peak.dat"
	gp fig17-peak-load "set title \"peak load within QoS (99% of queries within the target, drops count as misses): $where, mean +- sd over seeds\"
$(bar_style "$(wc -l <"$tmp/peak.dat")")
set ylabel 'peak load / serial capacity'
plot $(bar_plot "$tmp/peak.dat")"
fi

# p99 and goodput against load (the sweep of throughput.lua)
qp "SELECT policy, json_extract(tags, '\$.share') AS x, avg(p99_qos),
          coalesce(sqrt(max(0, (avg(p99_qos * p99_qos) - avg(p99_qos) * avg(p99_qos)) * count(*) / max(1, count(*) - 1))), 0),
          avg(throughput_qps),
          coalesce(sqrt(max(0, (avg(throughput_qps * throughput_qps) - avg(throughput_qps) * avg(throughput_qps)) * count(*) / max(1, count(*) - 1))), 0),
          combo
   FROM p WHERE fig = 'sweep' GROUP BY policy, x ORDER BY policy, x" >"$tmp/sweep.raw"
if [ -s "$tmp/sweep.raw" ]; then
	combo=$(head -1 "$tmp/sweep.raw" | cut -f7)
	p1="" p2=""
	for p in $policies; do
		awk -F'\t' -v p="$p" '$1 == p { print $2, $3, $4, $5, $6 }' "$tmp/sweep.raw" >"$tmp/sweep.$p"
		p1+="${p1:+, }\"$tmp/sweep.$p\" using 1:2:3 with yerrorlines $(line_style "$p") title \"$p\""
		p2+="${p2:+, }\"$tmp/sweep.$p\" using 1:4:5 with yerrorlines $(line_style "$p") title \"$p\""
	done
	gp sweep-load "set multiplot layout 1,2 title \"$combo against load: $where, mean +- sd over seeds (fcfs and edf coincide: one QoS target for both services)\"
set grid
set key top left
set xlabel 'load / serial capacity'
set ylabel 'p99 latency / QoS target'
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'red'
plot $p1
unset arrow 1
set ylabel 'goodput (queries within QoS per second)'
plot $p2
unset multiplot"
fi

# latency distribution with its tail on a log scale: 1 - CDF of each
# policy's queries (seeds pooled) at the QoS load, for the first pair;
# about 400 quantiles per policy come out of SQL
first=$(qp "SELECT combo FROM p WHERE fig = '14-15' ORDER BY id LIMIT 1")
if [ -n "$first" ]; then
	plots=""
	for p in $policies; do
		qp "WITH l AS (SELECT q.latency_ms AS v FROM queries q JOIN p ON p.id = q.run_id
		              WHERE p.fig = '14-15' AND p.combo = '$first' AND p.policy = '$p' AND q.latency_ms IS NOT NULL),
		        r AS (SELECT v, row_number() OVER (ORDER BY v) AS k, count(*) OVER () AS n FROM l)
		   SELECT v, max(1.0 - (k * 1.0) / (SELECT count(*) FROM queries q JOIN p ON p.id = q.run_id
		                                      WHERE p.fig = '14-15' AND p.combo = '$first' AND p.policy = '$p'), 1e-5)
		   FROM r WHERE k % max(1, n / 400) = 0 OR k = n OR k > n - 20 ORDER BY v" | tr '\t' ' ' >"$tmp/tail.$p"
		[ -s "$tmp/tail.$p" ] && plots+="${plots:+, }\"$tmp/tail.$p\" using 1:2 with lines $(line_style "$p") title \"$p\""
	done
	qos=$(qp "SELECT max(json_extract(tags, '\$.qos_ms')) FROM p WHERE fig = '14-15' AND combo = '$first'")
	if [ -n "$plots" ]; then
		gp tail-latency "set title \"latency tail of $first at the QoS load (seeds pooled; gray: the QoS target; fcfs and edf coincide): $where\"
set logscale y
set grid
set xlabel 'latency (ms)'
set ylabel 'share of queries slower (1 - CDF; drops never complete)'
set yrange [1e-4:1]
set xrange [0:$qos * 1.1]
set arrow from $qos, graph 0 to $qos, graph 1 nohead dt 2 lc rgb 'gray40'
plot $plots"
	fi
fi

# §7.7: decision time, p99 and goodput against ways (search.lua's table)
if [ -s "$dbdir/paper-search.csv" ]; then
	p1="" p2="" p3=""
	for n in 2 3 4; do
		awk -F, -v n="$n" 'NR > 1 && $1 == n { print $3, $4, $5, $6, $7, $8, $9, $10 }' "$dbdir/paper-search.csv" >"$tmp/search.$n"
		[ -s "$tmp/search.$n" ] || continue
		p1+="${p1:+, }\"$tmp/search.$n\" using 1:2:3:4 with yerrorlines lw 2 title \"$n services\""
		p2+="${p2:+, }\"$tmp/search.$n\" using 1:5:6 with yerrorlines lw 2 title \"$n services\""
		p3+="${p3:+, }\"$tmp/search.$n\" using 1:7:8 with yerrorlines lw 2 title \"$n services\""
	done
	[ -n "$p1" ] && gp fig23-search "set multiplot layout 1,3 title \"Fig 23: the multi-way search, abacus at the higher load: $where (decision time on this CPU)\"
set grid
set key top left
set xlabel 'ways'
set xrange [0.5:16.5]
# a run slowed by other work on the host shows as a long bar: a log scale
# keeps the medians' trend readable beside it
set logscale y
set yrange [0.5:*]
set ylabel 'one decision (us, log scale; median and range over seeds)'
plot $p1
unset logscale y
# from 0.9 to the QoS target, goodput from 0: how little ways moves them
set yrange [0.9:1.01]
set ylabel 'p99 latency / QoS target (dashed: the target)'
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb 'red' back
plot $p2
unset arrow 1
set yrange [0:*]
set ylabel 'goodput (queries within QoS per second)'
plot $p3
unset multiplot"
fi

# §5.5: the predictors' error (prediction.lua's table), mean MAPE over the
# pairs per way of training, on our features and on the paper's, ours
# beside the paper's (its svm was linear: beside lsvr)
if [ -s "$dbdir/paper-prediction.csv" ]; then
	for fs in ours paper; do
		awk -F, -v fs="$fs" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			# rows of older tables, without the features column, are ours
			(col["features"] ? $col["features"] : "ours") == fs && (split($3, m, "+") == 2 || $1 == "all") {
				k = $1 SUBSEP $2; s[k] += $5; c[k]++
				if ($7 != "") { ps[k] += $7; pc[k]++ }
			}
			END {
				split("per pair,all,held out", H, ",")
				for (h = 1; h <= 3; h++) {
					line = "\"" H[h] "\""
					split("mlp lr svm lsvr", L, " ")
					for (l = 1; l <= 4; l++) { k = H[h] SUBSEP L[l]; line = line " " (c[k] ? s[k] / c[k] : "?") }
					split("mlp lr lsvr", L, " ")
					for (l = 1; l <= 3; l++) { k = H[h] SUBSEP L[l]; line = line " " (pc[k] ? ps[k] / pc[k] : "?") }
					print line
				}
			}' "$dbdir/paper-prediction.csv" >"$tmp/pred.$fs"
	done
	pplot="'FILE' using 2:xtic(1) title 'mlp' lc 1, '' using 3 title 'lr' lc 2, '' using 4 title 'svm (RBF)' lc 3, '' using 5 title 'lsvr (linear)' lc 4, '' using 6 title 'the paper: mlp' fs pattern 4 lc 1, '' using 7 title 'the paper: lr' fs pattern 4 lc 2, '' using 8 title 'the paper: svm (linear)' fs pattern 4 lc 4"
	gp fig-prediction "set multiplot layout 1,2 title \"§5.5: prediction error, mean MAPE over the pairs (ours: the measured groups of data/$(qp "SELECT gpu FROM p LIMIT 1"); the paper: its A100 groups, hatched)\"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top left font ',9'
set datafile missing '?'
set logscale y
set yrange [1:300]
set ylabel 'MAPE (%, log scale)'
set xlabel 'trained per pair / on all combinations (cross-validated) / each combination held out'
set title 'our features (solo times, FLOPs, bytes per segment)'
plot ${pplot//FILE/$tmp/pred.ours}
set title \"the paper's features (one-hot model, start, end, batch, seq per segment)\"
plot ${pplot//FILE/$tmp/pred.paper}
unset multiplot"
fi

# §7.6: the cluster over the rate file's minutes (cluster.lua): completed
# per second, p99 and mean latency of each arm, minute by minute, from the
# run_minutes table (each minute's p99 is computed as the run ends: a run at
# scale stores no query rows; test_cluster.sh checks it against the
# nearest-rank p99 in SQL over a quick run's rows)
if [ "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'run_minutes'")" = 1 ]; then
	p1="" p2="" p3="" first=""
	while IFS=$'\t' read -r id arm; do
		q "SELECT minute, completed / 60.0, coalesce(p99_ms, '?'), coalesce(mean_ms, '?'), offered / 60.0
		   FROM run_minutes WHERE run_id = $id ORDER BY minute" >"$tmp/cluster.$id"
		[ -s "$tmp/cluster.$id" ] || continue
		first=${first:-$id}
		p1+="${p1:+, }\"$tmp/cluster.$id\" using 1:2 with lines lw 2 title \"$arm\""
		p2+="${p2:+, }\"$tmp/cluster.$id\" using 1:3 with lines lw 2 title \"$arm\""
		p3+="${p3:+, }\"$tmp/cluster.$id\" using 1:4 with lines lw 2 title \"$arm\""
	done < <(qp "SELECT id, json_extract(tags, '\$.arm') FROM p WHERE fig = 'fig-cluster' ORDER BY id")
	# the arms share one load (same seed), so one offered line; the QoS
	# target and the load's scale from the first arm's run
	# (a database with minutes but no cluster run reads nothing here)
	IFS=$'\t' read -r gpus qos scale < <(qp "SELECT json_extract(tags, '\$.gpus'),
		printf('%.2f', json_extract(config, '\$.services[0].qos_ms')), printf('%.3f', json_extract(tags, '\$.qps_scale'))
		FROM p WHERE id = ${first:-0}") || true
	[ -n "$p1" ] || echo "paper-figures.sh: no runs for the cluster figure in $db, fig-cluster left out" >&2
	[ -z "$p1" ] || gp fig-cluster "set multiplot layout 1,3 title \"§7.6: $gpus GPUs (resnet101, resnet152, vgg19, bert on each), $where; the paper's per-minute load x $scale, QoS $qos ms\"
set grid
set key below
set datafile missing '?'
set xlabel 'minute of the trace'
set yrange [0:*]
set ylabel 'queries per second (late ones included)'
plot $p1, \"$tmp/cluster.$first\" using 1:5 with lines lw 1 dt 2 lc rgb 'gray40' title 'offered'
set yrange [0:$qos * 1.15]
set ylabel 'p99 latency (ms), over the completed'
plot $p2, $qos with lines lw 1 dt 2 lc rgb 'red' title 'QoS target'
set yrange [0:*]
set ylabel 'mean latency (ms)'
plot $p3
unset multiplot"
fi
