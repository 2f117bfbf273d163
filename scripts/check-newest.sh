#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-newest.sh: the newest-kernel lane ("make check-newest"): vmalock on
# the newest kernel Debian ships, sid's.
#
#   1. scripts/sid-root.sh builds (or reuses, or upgrades) a sid root with
#      sid's compiler, kernel and headers;
#   2. the kernel tested is the newest one installed there (kernels.sh
#      --root), never a name written down here: when sid moves, so does
#      the lane;
#   3. this tree is copied into the root at the same path, and the module
#      (W=1, -Werror), the tool and the helpers are built there with sid's
#      toolchain;
#   4. the guest boots sid's kernel with the sid root as its root and runs
#      every bats suite;
#   5. the dkms test runs inside the root (tests/dkms-test.sh --root).
#
# Ends with one "N passed, N failed" line and exits non-zero on failure.
# VMALOCK_NEWEST_TIMEOUT (seconds, default 1800) bounds the guest run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS
mkdir -p "$top/tests/out"

fail() {
	echo "check-newest: $*"
	echo "0 passed, 1 failed"
	exit 1
}

root=$("$top/scripts/sid-root.sh") || fail "the sid root could not be built"
kver=$("$top/scripts/kernels.sh" --root "$root" --bootable | tail -n 1)
[ -n "$kver" ] || fail "no bootable kernel with headers in $root"
t_root=$((SECONDS - start))
echo "check-newest: kernel $kver in $root ($t_root s)"

# The tree as it is here, built objects left out, then cleaned there anyway:
# nothing built against Debian 12's libc may reach the sid build.
copy=$root$top
rm -rf "$copy"
mkdir -p "$copy"
tar -C "$top" --exclude=./.git --exclude=./build --exclude=./tests/out \
	--exclude=./bench-results -cf - . | tar -C "$copy" -xf - ||
	fail "cannot copy the tree into $copy"
t0=$SECONDS
# shellcheck disable=SC2016 # expanded by the inner bash
if ! "$top/scripts/sid-root.sh" --run bash -c 'set -e
	make -s -C "$1" clean
	make -s -C "$1/tests/helpers" clean
	make -s -C "$1" KVER="$2" all KCFLAGS=-Werror' build "$top" "$kver" \
	>"$top/tests/out/newest-build.log" 2>&1; then
	sed 's/^/    /' "$top/tests/out/newest-build.log"
	fail "building vmalock, the tool or the helpers for $kver in the sid root failed"
fi
echo "check-newest: built for $kver in $((SECONDS - t0)) s"

passed=0 failed=0
# count RC LOG: add a TAP log's results; a run that failed outside its
# tests counts once.
# A log without a single "ok" (everything skipped) is a failure too: both
# steps are this lane's whole point.
count() {
	local rc=$1 log=$2 ok bad
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^not ok ' "$log")
	{ [ "$rc" -ne 0 ] || [ "$ok" -eq 0 ]; } && [ "$bad" -eq 0 ] && bad=1
	passed=$((passed + ok))
	failed=$((failed + bad))
}

t0=$SECONDS
log=$top/tests/out/suites-$kver.log
(cd "$top" && "$top/tests/guest/run-in-guest" --root "$root" --kernel "$kver" \
	--timeout "${VMALOCK_NEWEST_TIMEOUT:-1800}" --out "$top/tests/out/suites-$kver" \
	-- bats --tap "$top/tests/bats") 2>&1 | tee "$log"
count "${PIPESTATUS[0]}" "$log"
t_suites=$((SECONDS - t0))

t0=$SECONDS
log=$top/tests/out/dkms-newest.log
"$top/tests/dkms-test.sh" --root "$root" "$kver" 2>&1 | tee "$log"
count "${PIPESTATUS[0]}" "$log"
t_dkms=$((SECONDS - t0))

echo
echo "check-newest: $kver: sid root $t_root s, suites $t_suites s, dkms $t_dkms s; lane $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
