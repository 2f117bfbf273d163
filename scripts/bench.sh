#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench [KVER=...]: run "vmalockctl bench" in a guest on each bootable
# supported kernel (or the ones named), one after the other, and keep the
# results in bench-results/.
# Options for the bench: VMALOCK_BENCH_ARGS (e.g. "--reps 15 --threads 2"),
# else the full set (bench-run.sh).  Plots: bench-plot.sh, with gnuplot.
# VMALOCK_BENCH_HOST=1 runs it on this machine instead (as root, on a
# kernel that can load modules and with vmalock.ko built for it).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench-results
mkdir -p "$out"
read -r -a args <<<"${VMALOCK_BENCH_ARGS:-}"

if [ "${VMALOCK_BENCH_HOST:-0}" = 1 ]; then
	"$top/scripts/bench-run.sh" "$out" "${args[@]}"
	exec "$top/scripts/bench-plot.sh" "$out/$(uname -r).json"
fi
if [ $# -gt 0 ]; then
	kvers=("$@")
else
	mapfile -t kvers < <("$top/scripts/kernels.sh" --bootable)
fi
[ ${#kvers[@]} -gt 0 ] || { echo "bench: no bootable supported kernel: run 'make deps'" >&2; exit 1; }
for kver in "${kvers[@]}"; do
	echo "bench: booting $kver under QEMU (TCG): read the figures as ratios"
	rm -rf "$out/guest-$kver"
	"$top/tests/guest/run-in-guest" --kernel "$kver" --timeout 3600 \
		--out "$out/guest-$kver" -- "$top/scripts/bench-run.sh" - "${args[@]}"
	cp "$out/guest-$kver/$kver.txt" "$out/guest-$kver/$kver.json" "$out/"
	"$top/scripts/bench-plot.sh" "$out/$kver.json"
done
echo "bench: results in $out"
