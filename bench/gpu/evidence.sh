#!/usr/bin/env bash
# evidence.sh: the Abacus evidence on a GPU machine, in one go:
#   1. profile operator groups of every default combination (21 pairs, the
#      triplets and the quadruplet) with the live device;
#   2. calibrate the simulator's contention model on them;
#   3. train the predictors (held-out split, then leave-one-pair-out);
#   4. run pairs live under every policy (scenarios/pairs.lua on cuda).
# Writes profile.db, groups.csv, sim.csv, train.csv, lopo.csv, results.db
# and log.txt into $OUT.
#   OUT=/tmp/out B=build-cuda SAMPLES=150 QUERIES=800 bash bench/gpu/evidence.sh
# STEPS="train live" runs only those steps (profile calibrate train live),
# using the committed data/$GPU/groups.csv. GPU (default h100) names the
# card, as `abacus profile` requires; its data/$GPU/ is written: the solo
# op profile (with each model's whole run, which the simulator needs)
# and the groups.
set -uo pipefail
B=${B:-build-cuda}
OUT=${OUT:?set OUT}
SAMPLES=${SAMPLES:-150}
QUERIES=${QUERIES:-800}
GPU=${GPU:-h100}
PAIRS=${PAIRS:-"resnet50+bert vgg16+bert resnet101+inception_v3 resnet152+vgg19"}
CUDNN=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib
[ -d "$CUDNN" ] && export LD_LIBRARY_PATH=$CUDNN:${LD_LIBRARY_PATH:-}
log=$OUT/log.txt
STEPS=${STEPS:-"profile calibrate train live"}
step() { echo "== $* ($(date +%T))" | tee -a "$log"; }
want() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }

step gpu
"$B/abacus" gpu 2>&1 | tee -a "$log"
if want profile; then
step profile
mkdir -p "data/$GPU"
"$B/abacus" profile --device cuda --gpu "$GPU" --samples "$SAMPLES" --repeats 3 \
	--warmup 1 --db "$OUT/profile.db" </dev/null 2>&1 | tail -n 5 | tee -a "$log"
exp=$(mktemp -d)
"$B/abacus" profile --device cuda --gpu "$GPU" --no-solo --no-groups --db "$OUT/profile.db" \
	--export "$exp" 2>&1 | tee -a "$log"
cp "$exp/ops.csv" "data/$GPU/ops.csv" && cp "data/$GPU/ops.csv" "$OUT/"
cp "$exp/groups.csv" "data/$GPU/groups.csv" && cp "data/$GPU/groups.csv" "$OUT/"
fi
if want calibrate; then
step calibrate
"$B/abacus" calibrate --gpu "$GPU" --write 2>&1 | tee -a "$log"
cp "data/$GPU/sim.csv" "$OUT/"
fi
if want train; then
step train
"$B/abacus" --db "$OUT/results.db" train --gpu "$GPU" --predictor all --format csv 2>>"$log" |
	tee "$OUT/train.csv" | tee -a "$log"
lopo_db=$(mktemp -d)/lopo.db
"$B/abacus" --db "$lopo_db" train --gpu "$GPU" --predictor mlp --lopo --format csv 2>>"$log" |
	tee "$OUT/lopo.csv" | tee -a "$log"
fi
if want live; then
step live pairs
# shellcheck disable=SC2086
"$B/abacus" --db "$OUT/results.db" run scenarios/pairs.lua cuda "$GPU" "$QUERIES" $PAIRS 2>&1 |
	tee -a "$log"
fi
step "done"
