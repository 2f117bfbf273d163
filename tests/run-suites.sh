#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-suites.sh [--all] [--newest] [--debug] KVER...
#
# Run the bats suites in a guest booted on each kernel, against the module
# built for it.  With --all, also the guest runner's own self-test, the
# host suites (tests/host: make install, make shell, the README's examples),
# the dkms install test and the Debian packages' test.  With --newest, also
# the newest-kernel lane (scripts/check-newest.sh: every suite and the dkms
# test on Debian sid's kernel, in a sid root).  With --debug, also the debug-kernel lane
# (scripts/check-debug.sh: every suite on a KASAN/lockdep/DEBUG_VM 6.12,
# built once and cached).  Every guest run keeps its output and full kernel log
# under tests/out/; a finding in the kernel log fails the run.  Ends with
# one "N passed, N failed" line and exits non-zero on any failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
all=0 newest=0 debug=0
while [ $# -gt 0 ]; do
	case $1 in
	--all) all=1 ;;
	--newest) newest=1 ;;
	--debug) debug=1 ;;
	*) break ;;
	esac
	shift
done
kvers=("$@")
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <("$top/scripts/kernels.sh" --bootable)
[ ${#kvers[@]} -gt 0 ] || { echo "run-suites: no bootable supported kernel: run 'make deps'" >&2; exit 1; }

passed=0 failed=0
summary=()

# The debug kernel takes 16 min (2 cores, idle) to build the first time,
# the guest suites leave a core idle much of theirs: build it beside them,
# niced, so the debug lane at the end finds it built.  check-debug.sh takes
# the same lock, so it waits for this build instead of starting its own.
if [ $debug -eq 1 ] && ! "$top/scripts/debug-kernel.sh" --print >/dev/null 2>&1; then
	mkdir -p "$top/tests/out"
	echo "run-suites: building the debug kernel in the background (tests/out/debug-kernel-build.log)"
	nice -n 10 "$top/scripts/debug-kernel-locked.sh" \
		>"$top/tests/out/debug-kernel-build.log" 2>&1 &
fi

# step NAME COMMAND...: run one step, time it, count its tests.
step() {
	local name=$1 start rc n_ok n_fail log
	shift
	log=$top/tests/out/${name//[^A-Za-z0-9.+_-]/_}.log
	mkdir -p "$top/tests/out"
	echo "=== $name"
	start=$(date +%s)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	n_ok=$(grep -c '^ok ' "$log")
	n_fail=$(grep -c '^not ok ' "$log")
	# A step that failed outside its tests (boot, kernel log) counts once.
	if [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
		n_fail=1
	fi
	[ "$rc" -eq 0 ] && [ "$n_ok" -eq 0 ] && n_ok=1
	passed=$((passed + n_ok))
	failed=$((failed + n_fail))
	summary+=("$(printf '%-45s %4ss  %s' "$name" $(($(date +%s) - start)) \
		"$([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)")")")
}

for kver in "${kvers[@]}"; do
	if [ ! -e "$top/build/$kver/vmalock.ko" ]; then
		echo "run-suites: $top/build/$kver/vmalock.ko missing: run 'make'" >&2
		failed=$((failed + 1))
		continue
	fi
	[ $all -eq 1 ] && step "runner-selftest $kver" "$top/tests/guest/selftest" "$kver"
	step "suites $kver" "$top/tests/guest/run-in-guest" --kernel "$kver" --timeout 1500 \
		--out "$top/tests/out/suites-$kver" -- bats --tap "$top/tests/bats"
done
[ $all -eq 1 ] && step "host suites" bats --tap "$top/tests/host"
[ $all -eq 1 ] && step "dkms ${kvers[*]}" "$top/tests/dkms-test.sh" "${kvers[@]}"
[ $all -eq 1 ] && step "deb packages ${kvers[*]}" "$top/tests/deb-test.sh" "${kvers[@]}"
[ $newest -eq 1 ] && step "newest kernel (Debian sid)" "$top/scripts/check-newest.sh"
[ $debug -eq 1 ] && step "debug kernel (KASAN, lockdep, DEBUG_VM)" "$top/scripts/check-debug.sh"

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
