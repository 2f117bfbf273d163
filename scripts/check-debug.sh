#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-debug.sh: the debug-kernel lane ("make check-debug").
#
# Build (or reuse) the 6.12 debug kernel of scripts/debug-kernel.sh (KASAN,
# lockdep, DEBUG_VM, DEBUG_ATOMIC_SLEEP, PER_VMA_LOCK_STATS), build vmalock
# against it with W=1, boot it in the guest and run there the suites where
# KASAN, lockdep and DEBUG_VM earn their cost: the fault engine's races
# (engine), the fault paths (mapping), pins and the lockless walk (pins),
# stress, the ioctl fuzzer, fault injection (inject), unload with live
# mappings (unload), the adversarial and cgroup cases (shared-machine),
# the counters beside the kernel's own PER_VMA_LOCK_STATS (stats) and the
# tracepoints (trace).  Left out: tool (the tool's own options), device
# (basic ioctl answers, which the fuzzer covers) and bench (timings); the
# stock kernels run them.  VMALOCK_DEBUG_SUITES (names, or "all") changes
# the list.  A KASAN, lockdep or DEBUG_VM report anywhere in the guest's
# kernel log fails the lane, like any other finding
# (tests/guest/log-patterns).
#
# Ends with one "N passed, N failed" line and exits non-zero on failure.
# VMALOCK_DEBUG_TIMEOUT (seconds, default 3600) bounds the guest run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS

tree=$("$top/scripts/debug-kernel-locked.sh") || {
	echo "check-debug: the debug kernel did not build"
	echo "0 passed, 1 failed"
	exit 1
}
kver=$(cat "$tree/include/config/kernel.release")
echo "check-debug: kernel $kver from $tree ($((SECONDS - start)) s)"

if ! "$top/scripts/build-module.sh" "$kver" "$tree" KCFLAGS=-Werror >/dev/null ||
   ! make -s -C "$top" tool helpers >/dev/null; then
	echo "check-debug: building vmalock, the tool or the helpers for $kver failed"
	echo "0 passed, 1 failed"
	exit 1
fi

suites=${VMALOCK_DEBUG_SUITES:-engine mapping pins stress fuzz inject unload shared-machine stats trace}
files=()
if [ "$suites" = all ]; then
	files=("$top/tests/bats")
else
	for s in $suites; do
		[ -e "$top/tests/bats/$s.bats" ] || {
			echo "check-debug: no suite tests/bats/$s.bats (VMALOCK_DEBUG_SUITES)"
			echo "0 passed, 1 failed"
			exit 1
		}
		files+=("$top/tests/bats/$s.bats")
	done
fi
echo "check-debug: suites: $suites"

out=$top/tests/out/suites-$kver
log=$top/tests/out/suites-$kver.log
mkdir -p "$top/tests/out"
t0=$SECONDS
"$top/tests/guest/run-in-guest" --kernel "$kver" \
	--bzimage "$tree/arch/x86/boot/bzImage" \
	--timeout "${VMALOCK_DEBUG_TIMEOUT:-3600}" --out "$out" \
	-- bats --tap "${files[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo
echo "check-debug: suites on $kver took $((SECONDS - t0)) s (exit $rc); lane $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
