#!/usr/bin/env bash
# test_take_profile.sh: bench/gpu/take_profile.sh, which files what the GPU
# machine measured (jobs.sh sizes, groups and parts, each a tarball of
# `abacus profile --export` folders) as a data folder, fits it and trains
# there. Tarballs made of the shipped data/h200's own files, labelled as
# measured on engine nhwc,fuse_add, give data/h200 back byte for byte, with
# that engine.txt; exports of two engines, a partition size left from
# before and a missing tarball are refused before anything is filed.
#   bash tests/test_take_profile.sh ABACUS_BIN SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d /tmp/abacus-take-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export XDG_CACHE_HOME="$T/cache"
. "$SRC/tests/cli_lib.sh"
S=$SRC/data/h200
# bench/gpu/merge_ops.py merges the exports (scripts/install-deps.sh
# installs python3)
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }

# the three tarballs as jobs.sh packs them: sizes/sizes.tgz (sizes/cnn,
# bert, bert256), groups/groups.tgz (groups/), parts/parts/profiles.tgz
# (sms<N>/), every export with its engine.txt
pack() { # pack OUTDIR ENGINE [ENGINE_OF_GROUPS]
	local w=$T/w out=$1
	rm -rf "$w" && mkdir -p "$w/sizes/sizes" "$w/groups/groups" "$w/parts/parts/p" "$out"
	for d in cnn bert bert256; do
		mkdir -p "$w/sizes/sizes/$d"
		cp "$S/ops.csv" "$w/sizes/sizes/$d/"
		echo "$2" >"$w/sizes/sizes/$d/engine.txt"
	done
	(cd "$w/sizes" && tar czf sizes.tgz sizes && rm -rf sizes)
	cp "$S/ops.csv" "$S/groups.csv" "$w/groups/groups/"
	echo "${3:-$2}" >"$w/groups/groups/engine.txt"
	(cd "$w/groups" && tar czf groups.tgz groups && rm -rf groups)
	for s in "$S"/sms*; do
		n=$(basename "$s")
		mkdir -p "$w/parts/parts/p/$n"
		cp "$s/ops.csv" "$w/parts/parts/p/$n/"
		echo "$2" >"$w/parts/parts/p/$n/engine.txt"
	done
	(cd "$w/parts/parts/p" && tar czf ../profiles.tgz sms*) && rm -rf "$w/parts/parts/p"
	for j in sizes groups parts; do (cd "$w" && tar czf "$out/$j.tgz" "$j"); done
}
fresh() { rm -rf "$T/data" && mkdir -p "$T/data" && cp -r "$S" "$T/data/"; }
# data/h200's share was chosen on live segment ends and held in its fit
# (bench/results/h200/share/): the same share reproduces its sim.csv
share=$(sed -n 's/^share,//p' "$S/sim.csv")
take() { (cd "$SRC" && BIN=$BIN DATA=$T/data SHARE=$share bash bench/gpu/take_profile.sh "$@"); }

pack "$T/from" nhwc,fuse_add
fresh
rm -f "$T/data/h200/"*.pred "$T/data/h200/sim.csv"
if take "$T/from" h200 >"$T/out" 2>&1; then
	same=1
	for f in ops.csv groups.csv sim.csv mlp.pred lr.pred svm.pred lsvr.pred; do
		cmp -s "$S/$f" "$T/data/h200/$f" || { same=0; bad "take_profile: $f differs from data/h200's"; }
	done
	for s in "$S"/sms*; do
		cmp -s "$s/ops.csv" "$T/data/h200/$(basename "$s")/ops.csv" ||
			{ same=0; bad "take_profile: $(basename "$s")/ops.csv differs"; }
	done
	[ "$same" = 1 ] && ok
	[ "$(cat "$T/data/h200/engine.txt")" = nhwc,fuse_add ] && ok ||
		bad "take_profile's engine.txt: $(cat "$T/data/h200/engine.txt")"
else
	bad "take_profile on data/h200's own files: $(tail -3 "$T/out")"
fi

# refused, the data folder left as it was
refused() { # refused NAME PATTERN FROM
	fresh
	if take "$3" h200 >"$T/out" 2>&1; then
		bad "$1: take_profile filed it"
	else
		grep -qF "$2" "$T/out" && ok || bad "$1: output lacks '$2': $(cat "$T/out")"
	fi
	diff -r "$S" "$T/data/h200" >/dev/null && ok || bad "$1: the data folder changed"
}
pack "$T/mixed" nhwc,fuse_add default
refused engines "was measured with engine 'default', another with 'nhwc,fuse_add'" "$T/mixed"
pack "$T/nosms" nhwc
(cd "$T/w" && rm -rf parts && mkdir -p parts/parts/p/sms64 && cp "$S/sms64/ops.csv" parts/parts/p/sms64/ &&
	echo nhwc >parts/parts/p/sms64/engine.txt && (cd parts/parts/p && tar czf ../profiles.tgz sms64) &&
	rm -rf parts/parts/p && tar czf "$T/nosms/parts.tgz" parts)
refused partitions "no new sms132 profile" "$T/nosms"
rm "$T/nosms/groups.tgz"
refused missing "groups.tgz is missing" "$T/nosms"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
