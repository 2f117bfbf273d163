#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: run "vmalockctl bench" in a guest on each bootable supported
# kernel, one after the other, and keep the results in bench-results/.
# Extra options for the bench: VMALOCK_BENCH_ARGS (e.g. "--reps 15").
# VMALOCK_BENCH_HOST=1 runs it on this machine instead (as root, on a
# kernel that can load modules and with vmalock.ko built for it).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench-results
mkdir -p "$out"
read -r -a args <<<"${VMALOCK_BENCH_ARGS:-}"

if [ "${VMALOCK_BENCH_HOST:-0}" = 1 ]; then
	exec "$top/scripts/bench-run.sh" "$out" "${args[@]}"
fi
mapfile -t kvers < <("$top/scripts/kernels.sh" --bootable)
[ ${#kvers[@]} -gt 0 ] || { echo "bench: no bootable supported kernel: run 'make deps'" >&2; exit 1; }
for kver in "${kvers[@]}"; do
	echo "bench: booting $kver under QEMU (TCG): read the figures as ratios"
	rm -rf "$out/guest-$kver"
	"$top/tests/guest/run-in-guest" --kernel "$kver" --timeout 1800 \
		--out "$out/guest-$kver" -- "$top/scripts/bench-run.sh" - "${args[@]}"
	cp "$out/guest-$kver/$kver.txt" "$out/guest-$kver/$kver.json" "$out/"
done
echo "bench: results in $out"
