#!/usr/bin/env bash
# Installs what abacus needs to build and test, from Debian's packages.
# Does nothing for packages already there. CUDA (nvcc, cuDNN) is optional:
# without it abacus builds the simulator alone.
set -euo pipefail
pkgs=(cmake make gcc gfortran liblua5.4-dev libsqlite3-dev sqlite3 liblapack-dev liblapacke-dev libblas-dev libsvm-dev liblinear-dev gnuplot-nox libopenmpi-dev openmpi-bin python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
