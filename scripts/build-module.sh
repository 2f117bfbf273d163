#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KVER [KDIR] [make args...]
#
# Build vmalock.ko for one kernel into build/KVER/.  Kbuild writes objects
# next to their sources, so each kernel gets its own tree of symlinks to the
# sources: builds for different kernels never share an object file.
set -euo pipefail

kver=$1
kdir=${2:-/lib/modules/$kver/build}
shift $(($# < 2 ? $# : 2))
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/$kver

if [ ! -e "$kdir/Makefile" ]; then
	echo "build-module: no kernel build tree at $kdir (install linux-headers-$kver)" >&2
	exit 1
fi

mkdir -p "$out"
cp -rs --remove-destination "$top/module" "$out/"
ln -sf "$top/Kbuild" "$out/Kbuild"
make -C "$kdir" M="$out" W=1 "$@" modules
