#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo itself, run as root on a kernel that can load modules (the guest
# of "make demo", or the host with VMALOCK_DEMO_HOST=1): the same
# first-touch workload in each lock mode and at three folio orders, a
# private (copy-on-write) run, and two runs beside a writer, so that the
# aborts, retries and revalidations have something to show.  Each run is
# one "vmalockctl touch --json" on a new region; the table is made of the
# counter deltas it reports.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ctl=$top/ioctl-tool/vmalockctl
threads=${VMALOCK_DEMO_THREADS:-4}
pages=${VMALOCK_DEMO_PAGES:-16384}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# label|touch options|writer: the runs, in order.
runs=(
	"shared write, mode mmap|--mode mmap|"
	"shared write, mode vma|--mode vma|"
	"shared write, mode spec|--mode spec|"
	"shared write, vma, order 4|--mode vma --order 4|"
	"shared write, spec, order 9|--mode spec --order 9|"
	"private write (COW), vma|--mode vma --private|"
	"vma beside a writer|--mode vma|writer 300"
	"spec beside a writer|--mode spec|spec-window 300"
)

# touch_beside_writer OPTIONS DELAY: touch a region while another process
# invalidates all of it in a loop; DELAY ("POINT USECS") widens the race
# window.  No --verify: the writer drops the stamps on purpose.
touch_beside_writer() {
	local opts=$1 delay=$2 wpid rc=0

	exec 5<>/dev/vmalock
	# shellcheck disable=SC2086 # POINT USECS are two words
	"$ctl" delay --fd 5 $delay
	(
		while [ ! -e "$tmp/stop" ]; do
			"$ctl" invalidate --fd 5 0 "$((pages * 4096))" >/dev/null
		done
	) &
	wpid=$!
	# shellcheck disable=SC2086 # the options are words
	"$ctl" touch --fd 5 $opts --pages "$pages" --threads "$threads" --write --json || rc=$?
	: >"$tmp/stop"
	wait "$wpid" || rc=1
	rm -f "$tmp/stop"
	exec 5<&-
	return "$rc"
}

[ -e /sys/module/vmalock ] && "$ctl" unload >/dev/null
"$ctl" load --path "${VMALOCK_KO:-$top/build/$(uname -r)/vmalock.ko}"
"$ctl" info | sed -n 's/^\(kernel\|module\|per_vma_lock\): /  \1: /p'
echo "demo: ${#runs[@]} runs of $pages pages from $threads threads, each on a new region"

n=0
for run in "${runs[@]}"; do
	IFS='|' read -r label opts writer <<<"$run"
	n=$((n + 1))
	echo "demo: [$n/${#runs[@]}] $label"
	if [ -n "$writer" ]; then
		touch_beside_writer "$opts" "$writer" >"$tmp/$n.json"
	else
		# shellcheck disable=SC2086 # the options are words
		"$ctl" touch $opts --pages "$pages" --threads "$threads" --write --verify \
			--json >"$tmp/$n.json"
	fi
	jq -r --arg name "$label" '[$name, .faults,
		.faults_vma_locked, .faults_mmap_locked,
		.spec_success, .vma_lock_success,
		.faults - .spec_success - .vma_lock_success,
		.vma_lock_abort, .spec_retry + .vma_lock_retry, .spec_fallback,
		.folio_fallback, .pte_notsame, .pages_allocated,
		.ns_per_page, .verify] | @tsv' "$tmp/$n.json" >>"$tmp/table"
done
"$ctl" unload >/dev/null

echo
awk -F'\t' '
BEGIN {
	printf "%-28s %6s  %-13s  %-20s %6s %7s %5s %5s %7s %6s %8s\n", "",
	       "", "kernel lock", "served by", "", "", "", "folio", "", "", "ns/page"
	printf "%-28s %6s  %6s %6s  %6s %6s %6s %6s %7s %5s %5s %7s %6s %8s\n", "run",
	       "faults", "vma", "mmap", "spec", "vma", "coarse", "aborts",
	       "retries", "fallb", "fallb", "notsame", "pages", "(TCG)"
}
{
	printf "%-28s %6d  %6d %6d  %6d %6d %6d %6d %7d %5d %5d %7d %6d %8d\n",
	       $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
}' "$tmp/table"
cat <<'EOF'

  kernel lock  what the kernel held when it called the module: its per-VMA
               lock (6.4 and later) or mmap_lock (faults_vma_locked,
               faults_mmap_locked)
  served by    the module path that completed the fault: the speculative
               one, its mapping's read lock, or the coarse lock (mmap
               mode, or after an abort, a retry or a fallback)
  aborts       the mapping was marked by a writer: the fault took the
               coarse lock instead (vma_lock_abort)
  retries      speculative attempts thrown away because a writer ran, and
               vma-locked faults redone under the coarse lock
  fallb        speculative faults that gave up after 8 attempts
               (spec_fallback); folio fallb: steps down from an order
               (folio_fallback)
  notsame      entries a racing fault had populated first (pte_notsame)
  pages        pages the module allocated (the writer runs: again after
               each invalidation)

ns/page is wall time in a software-emulated (TCG) guest: it compares rows
of this one run at best and is not a speed.  For figures, run 'make bench'
(rows interleaved and repeated) or the tool on real hardware.
EOF
bad=$(cut -f15 "$tmp/table" | grep -cvx -e ok -e skipped || true)
if [ "$bad" -ne 0 ]; then
	echo "demo: $bad run(s) failed verification (see 'verify' in vmalockctl touch --json)" >&2
	exit 1
fi
echo
echo "The kernel log has the module's lines: dmesg | grep vmalock; 'vmalockctl stats --dmesg' adds every counter."
