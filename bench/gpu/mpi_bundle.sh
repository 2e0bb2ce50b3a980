#!/usr/bin/env bash
# mpi_bundle.sh: Debian's Open MPI, unpacked from this machine's installed
# packages into a folder (default .mpi, which .git/info/exclude should
# ignore) for a GPU machine that has none: bench/gpu/mpi_live.sh runs it
# from there with OPAL_PREFIX. About 14 MiB.
#   bash bench/gpu/mpi_bundle.sh [DIR]
set -eu
DIR=${1:-.mpi}
rm -rf "$DIR"
mkdir -p "$DIR"
for p in openmpi-bin libopenmpi3 openmpi-common libpmix2 libhwloc15 libevent-core-2.1-7 \
	libevent-pthreads-2.1-7 libudev1; do
	dpkg -L "$p" >/dev/null || { echo "mpi_bundle.sh: package $p is not installed" >&2; exit 1; }
	dpkg -L "$p" | while read -r f; do
		case "$f" in /usr/share/doc/* | /usr/share/man/*) continue ;; esac
		if [ -L "$f" ] || [ -f "$f" ]; then
			mkdir -p "$(dirname "$DIR/usr${f#/usr}")"
			cp -a "$f" "$DIR/usr${f#/usr}"
		fi
	done
done
du -sh "$DIR"
