#!/usr/bin/env bash
# test_data.sh: GPU data that carries its predictors, and no silent
# estimates. The shipped predictors serve a run with no train step; a
# predictor whose data changed is trained again, on the spot, and never
# used; a read-only bundle trains into the cache; ABACUS_DATA, the
# installed share/abacus and the source tree are found in that order and
# `abacus --version` says which; a GPU or model without a measured profile
# and a malformed data file stop the run with a message naming what is
# missing, unless the scenario asks for the roofline by name.
#   bash tests/test_data.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-data-XXXXXX)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
export XDG_CACHE_HOME="$T/cache"
unset ABACUS_DATA
. "$SRC/tests/cli_lib.sh"

scenario pair.lua 'base.policy = arg[1] or "abacus"; base.gpu = arg[2] or "h100"
local r = abacus.run(base); print(string.format("p99 %.4f", r.p99_ms))'
# a bundle of our own: the shipped h100 with its first 400 groups, so that
# training here takes a second
bundle() { # bundle DIR: DIR/h100 from the shipped files
	mkdir -p "$1/h100"
	cp "$SRC/data/h100/ops.csv" "$SRC/data/h100/sim.csv" "$1/h100/"
	head -401 "$SRC/data/h100/groups.csv" >"$1/h100/groups.csv"
}
digest() { sed -n 's/^data_digest //p' "$1"; }

# --- shipped predictors, no train step ------------------------------------------
"$BIN" --db r.db run pair.lua abacus h100 >out 2>err && grep -q "^p99 " out && ok ||
	bad "abacus on the shipped h100 with no train: $(cat err)"
! grep -q "training\|stale" err && ok || bad "the shipped predictors were not used: $(cat err)"
[ ! -e "$T/cache" ] && ok || bad "a run with current predictors wrote to the cache: $(ls -R "$T/cache")"
for g in h100 h200; do
	for k in mlp lr svm; do
		f="$SRC/data/$g/$k.pred"
		[ -f "$f" ] && [ "$(sed -n 4p "$f")" = "kind $k" ] && ok || bad "$f is not shipped"
	done
done
"$BIN" --db r.db run pair.lua abacus h200 >out 2>err && ! grep -q training err && ok ||
	bad "abacus on the shipped h200: $(cat err)"

# --- where the data comes from --------------------------------------------------
"$BIN" --version >out 2>err && grep -q "^data: $SRC/data (the source tree" out && ok ||
	bad "--version without ABACUS_DATA: $(cat out err)"
bundle "$T/d1"
ABACUS_DATA="$T/d1" "$BIN" --version >out && grep -q "^data: $T/d1 (set by ABACUS_DATA)" out && ok ||
	bad "--version with ABACUS_DATA: $(cat out)"
expect_exit data-env 1 "ABACUS_DATA=$T/none: No such file or directory" \
	env ABACUS_DATA="$T/none" "$BIN" --db r.db run pair.lua fcfs h100
expect_exit data-env-gpu 1 "no measured profile of gpu h200: $T/d1/h200/ops.csv is missing" \
	env ABACUS_DATA="$T/d1" "$BIN" --db r.db run pair.lua fcfs h200
if cmake --install "$(dirname "$BIN")" --prefix "$T/inst" >/dev/null 2>&1; then
	"$T/inst/bin/abacus" --version >out && grep -q "^data: $T/inst/share/abacus (installed" out && ok ||
		bad "--version installed: $(cat out)"
	[ -f "$T/inst/share/abacus/h200/mlp.pred" ] && ok || bad "install left out the predictors"
	"$T/inst/bin/abacus" --db r.db run pair.lua abacus h200 >out 2>err && grep -q "^p99 " out && ok ||
		bad "the installed binary: $(cat err)"
	ABACUS_DATA="$T/d1" "$T/inst/bin/abacus" --version | grep -q "set by ABACUS_DATA" && ok ||
		bad "ABACUS_DATA does not come first"
fi

# --- stale: the data changed under the predictors -------------------------------
old=$(digest "$T/d1/h100/mlp.pred" 2>/dev/null)
[ -z "$old" ] && ok || bad "d1 has predictors before any run"
ABACUS_DATA="$T/d1" "$BIN" --db r.db run pair.lua fcfs h100 >out 2>err && ok || bad "first run on d1: $(cat err)"
# the first run of any policy trained every learner's predictor
for k in mlp lr svm; do
	grep -q "training the $k predictor of gpu h100" err && [ -f "$T/d1/h100/$k.pred" ] && ok ||
		bad "$k not trained at the first run: $(cat err)"
done
first=$(digest "$T/d1/h100/mlp.pred")
ABACUS_DATA="$T/d1" "$BIN" --db r.db run pair.lua abacus h100 >out 2>err && ! grep -q training err && ok ||
	bad "current predictors trained again: $(cat err)"
sed -i '$d' "$T/d1/h100/groups.csv" # one group fewer
ABACUS_DATA="$T/d1" "$BIN" --db r.db run pair.lua abacus h100 >out 2>err && ok || bad "stale run: $(cat err)"
grep -q "mlp.pred is stale (it was trained on data $first, the data is now " err && ok ||
	bad "stale not reported: $(cat err)"
grep -q "training the mlp predictor" err && ok || bad "stale not retrained: $(cat err)"
[ "$(digest "$T/d1/h100/mlp.pred")" != "$first" ] && ok || bad "the stale file was kept"
grep -q "^n_train 399$" "$T/d1/h100/mlp.pred" && ok || bad "retrained on the wrong rows"
# training is deterministic: the same data gives the same file
mkdir -p "$T/d2" && cp -r "$T/d1/h100" "$T/d2/" && rm "$T/d2/h100/"*.pred
ABACUS_DATA="$T/d2" "$BIN" --db r.db run pair.lua fcfs h100 >/dev/null 2>&1
for k in mlp lr svm; do
	cmp -s "$T/d1/h100/$k.pred" "$T/d2/h100/$k.pred" && ok || bad "$k trained twice differs"
done
# abacus train writes the same bundle and prints its table
ABACUS_DATA="$T/d2" "$BIN" train --gpu h100 --predictor lr >out 2>err && grep -q "^lr  *all .* lr.pred" out &&
	grep -q "predictors written to $T/d2/h100;" out && ok || bad "train into the bundle: $(cat out err)"
cmp -s "$T/d1/h100/lr.pred" "$T/d2/h100/lr.pred" && ok || bad "abacus train differs from the run's training"

# --- a read-only bundle trains into the cache ---------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif [ "$(id -u)" != 0 ]; then
	as_other() { "$@"; }
else
	as_other() { return 77; }
fi
mkdir -p "$T/ro" && cp -r "$T/d1/h100" "$T/ro/" && sed -i '$d' "$T/ro/h100/groups.csv"
chmod -R a-w "$T/ro" && chmod a+rx "$T" && mkdir -m 777 "$T/c2" "$T/w"
cp pair.lua "$T/w/" && chmod a+r "$T/w/pair.lua"
(cd "$T/w" && as_other env ABACUS_DATA="$T/ro" XDG_CACHE_HOME="$T/c2" "$BIN" --db "$T/w/r.db" \
	run pair.lua abacus h100 >"$T/out" 2>"$T/err")
rc=$?
if [ $rc != 77 ]; then
	[ $rc = 0 ] && ok || bad "read-only bundle ($rc): $(cat "$T/err")"
	c=$(ls -d "$T"/c2/abacus/h100-* 2>/dev/null | head -1)
	[ -n "$c" ] && [ -f "$c/mlp.pred" ] && [ -f "$c/svm.pred" ] && ok ||
		bad "not trained into the cache: $(cat "$T/err")"
	grep -q "wrote $c/mlp.pred" "$T/err" && ok || bad "cache write not said: $(cat "$T/err")"
	[ "$(digest "$T/ro/h100/mlp.pred")" = "$(digest "$T/d1/h100/mlp.pred")" ] && ok ||
		bad "the read-only bundle changed"
	(cd "$T/w" && as_other env ABACUS_DATA="$T/ro" XDG_CACHE_HOME="$T/c2" "$BIN" --db "$T/w/r.db" \
		run pair.lua abacus h100 >"$T/out" 2>"$T/err")
	! grep -q "training" "$T/err" && grep -q "mlp.pred is stale" "$T/err" && ok ||
		bad "the cache's predictors were not used: $(cat "$T/err")"
fi

# --- a predictor needed is found missing before the first run ---------------------
bundle "$T/d3"
echo "resnet50+bert,resnet50:4:0:0:18;bert:8:9999:0:12,1000,1100" >>"$T/d3/h100/groups.csv"
expect_exit groups-bad 1 "$T/d3/h100/groups.csv:402:2: segment 2: bert seq 9999" \
	env ABACUS_DATA="$T/d3" "$BIN" --db d3.db run pair.lua fcfs h100
[ ! -e d3.db ] || [ "$(sql d3.db "select count(*) from runs")" = 0 ] && ok ||
	bad "a run started before the bundle was found incomplete"

# --- no silent estimates ------------------------------------------------------------
scenario r18.lua 'base.gpu = "h200"; base.services[1].model = "resnet18"; base.profile = arg[1]
abacus.run(base); print("ran")'
expect_exit model-missing 1 "$SRC/data/h200/ops.csv has no rows for resnet18: it is not measured on gpu h200" \
	"$BIN" --db r.db run r18.lua
"$BIN" --db r.db run r18.lua roofline >out 2>err && grep -q ran out && ok || bad "roofline by name: $(cat err)"
scenario roof-abacus.lua 'base.profile = "roofline"; base.policy = "abacus"; abacus.run(base)'
expect_exit roofline-predictor 1 'profile = "roofline" has no trained predictor' "$BIN" --db r.db run roof-abacus.lua
scenario solo.lua 'print(abacus.solo_ms("resnet18", 1, 0, "h200"))'
expect_exit solo-missing 1 "has no rows for resnet18" "$BIN" --db r.db run solo.lua
scenario solo-a100.lua 'print(abacus.solo_ms("resnet50", 1, 0, "a100"))'
expect_exit solo-a100 1 "no measured profile of gpu a100" "$BIN" --db r.db run solo-a100.lua

# malformed or missing files are errors, never defaults
bundle "$T/m1" && echo "resnet50,0,x,0,1,1" >>"$T/m1/h100/ops.csv"
expect_exit ops-bad 1 "$T/m1/h100/ops.csv:" env ABACUS_DATA="$T/m1" "$BIN" --db r.db run pair.lua fcfs h100
bundle "$T/m2" && rm "$T/m2/h100/sim.csv"
expect_exit sim-missing 1 "no contention model for gpu h100: $T/m2/h100/sim.csv is missing" \
	env ABACUS_DATA="$T/m2" "$BIN" --db r.db run pair.lua fcfs h100
bundle "$T/m3" && rm "$T/m3/h100/sim.csv" && mkdir "$T/m3/h100/sim.csv"
expect_exit sim-folder 1 "$T/m3/h100/sim.csv" env ABACUS_DATA="$T/m3" "$BIN" --db r.db run pair.lua fcfs h100
bundle "$T/m4" && echo "kappa,lots" >>"$T/m4/h100/sim.csv"
expect_exit sim-bad 1 "sim.csv:" env ABACUS_DATA="$T/m4" "$BIN" --db r.db run pair.lua fcfs h100
cp -r "$T/d1" "$T/m5" && sed -i 's/^mode all$/mode most/' "$T/m5/h100/lr.pred"
expect_exit pred-header 1 "$T/m5/h100/lr.pred:5: bad value 'most' for mode" \
	env ABACUS_DATA="$T/m5" "$BIN" --db r.db run pair.lua fcfs h100
cp -r "$T/d1" "$T/m6" && printf 'x' >>"$T/m6/h100/mlp.pred"
expect_exit pred-size 1 "$T/m6/h100/mlp.pred is truncated or has bytes after its predictor" \
	env ABACUS_DATA="$T/m6" "$BIN" --db r.db run pair.lua abacus h100

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
