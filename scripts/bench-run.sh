#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark itself, run as root on a kernel that can load modules (the
# guest of "make bench", or a real machine with VMALOCK_BENCH_HOST=1).
# Writes OUTDIR/KVER.txt (the table) and OUTDIR/KVER.json (a row per line);
# in a guest, OUTDIR "-" is the directory that lands on the host.  Without
# bench options it runs the full set: 2048 pages, 3 repetitions, every
# load, 1 to nproc threads.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ctl=$top/ioctl-tool/vmalockctl
out=${1:?usage: bench-run.sh OUTDIR [BENCH OPTIONS]}
shift
[ "$out" = - ] && out=${VMALOCK_GUEST_OUT:?not in a guest}
kver=$(uname -r)

# Without options: every load, every thread count up to the CPUs.
[ $# -gt 0 ] || set -- --pages 2048 --reps 3 --loads all --threads "$(nproc)" --sweep

[ -e /sys/module/vmalock ] && "$ctl" unload
"$ctl" load --path "${VMALOCK_KO:-$top/build/$kver/vmalock.ko}"
status=0
{
	echo "# vmalockctl bench $*: kernel $kver, $(nproc) CPUs, $(date -u +%F)"
	"$ctl" bench --output "$out/$kver.json" "$@" 2>&1
} | tee "$out/$kver.txt" || status=$?
"$ctl" unload
exit $status
