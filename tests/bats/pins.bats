#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Pins (FOLL_PIN) against writers and CLEAN, dirty tracking, and the
# lockless residency walk against /proc/self/pagemap; and the two races the
# root-only naive_clean and naive_walk_us parameters put back on purpose.
# The scenarios are in tests/helpers/pintest.c.

load lib

PINTEST=$TOP/tests/helpers/pintest
P=/sys/module/vmalock/parameters

setup() { vmalock_setup; }
teardown() {
	echo N >$P/naive_clean 2>/dev/null || true
	echo 0 >$P/naive_walk_us 2>/dev/null || true
	vmalock_teardown
}

# pintest ARGS: run a scenario, show its output, keep its status.
pintest() {
	run "$PINTEST" "$@"
	echo "$output"
}

# Keep a race's summary with the run's logs (tests/out/.../pins.log).
keep() {
	if [ -n "${VMALOCK_GUEST_OUT:-}" ]; then
		echo "$KVER: $1: $output" >>"$VMALOCK_GUEST_OUT/pins.log"
		"$CTL" stats | grep -E '^ *(pins|unpins|pinned_busy|pinned_skipped|dirty|cleaned) ' |
			sed "s/^/$KVER: $1:   /" >>"$VMALOCK_GUEST_OUT/pins.log"
	fi
}

@test "a pin holds its page through INVALIDATE, FILL and a shrink: EBUSY, or kept and counted with the skip flag" {
	local s
	s=$(stats_snapshot)
	pintest busy
	[ "$status" -eq 0 ]
	# Refused: INVALIDATE, FILL, INVALIDATE_EX, SET_SIZE_EX; skipped: three.
	[ "$(delta "$s" pinned_busy)" -eq 4 ]
	[ "$(delta "$s" pinned_skipped)" -eq 3 ]
	# PIN of 1 page, then of 4 that closing the file released.
	[ "$(delta "$s" pins)" -eq 5 ]
	[ "$(delta "$s" unpins)" -eq 5 ]
}

@test "a shrink refused for a pin keeps the private copy-on-write copies past the new end; one that succeeds drops them" {
	local s
	s=$(stats_snapshot)
	pintest busy-private
	[ "$status" -eq 0 ]
	[ "$(delta "$s" pinned_busy)" -eq 2 ]
}

@test "PIN, UNPIN, PIN_WRITE, CLEAN and RESIDENCY refuse bad input with their errnos" {
	pintest errors
	[ "$status" -eq 0 ]
}

@test "CLEAN never reports a pinned page clean: the write made through the pin after CLEAN is reported once unpinned" {
	local s
	s=$(stats_snapshot)
	pintest lost-update
	[ "$status" -eq 0 ]
	[ "$(delta "$s" dirty)" -ge 1 ]
	[ "$(delta "$s" cleaned)" -eq 1 ]
}

@test "naive_clean=Y shows the bug: CLEAN reports a pinned page clean and the write through the pin is lost" {
	echo Y >$P/naive_clean
	pintest lost-update
	[ "$status" -eq 3 ]
	[[ "$output" == *"cleaned 1, kept pinned 0"* ]]
	[[ "$output" == *"lost update"* ]]
}

@test "threads pin, write through the pin and unpin against a CLEAN loop: nothing reported clean while pinned, nothing lost" {
	"$CTL" stats --reset
	pintest clean-race 8
	keep "clean-race naive_clean=N"
	[ "$status" -eq 0 ]
	[ "$(counter pins)" -gt 0 ]
	[ "$(counter pins)" -eq "$(counter unpins)" ]
}

@test "the same race with naive_clean=Y: pages are reported clean while a pin is held" {
	echo Y >$P/naive_clean
	"$CTL" stats --reset
	pintest clean-race 8
	keep "clean-race naive_clean=Y"
	# Measured: about 9000 such reports in 8 s on 6.12 under TCG.
	[ "$status" -eq 3 ]
	[[ "$output" != *"reported clean while pinned: 0;"* ]]
}

@test "RESIDENCY matches pagemap after faults, INVALIDATE, a large-order fault, dirty tracking, CLEAN and on a THP" {
	pintest residency
	[ "$status" -eq 0 ]
}

@test "RESIDENCY while threads fault and invalidate reports only possible entries" {
	pintest residency-race 5
	keep residency-race
	[ "$status" -eq 0 ]
}

@test "RESIDENCY beside munmap freeing the page table: descending from the snapshot sees no impossible entry" {
	pintest walk-munmap 6
	keep "walk-munmap naive_walk_us=0"
	[ "$status" -eq 0 ]
}

@test "naive_walk_us=200: re-reading the PMD entry beside munmap reports entries the span never had" {
	echo 200 >$P/naive_walk_us
	pintest walk-munmap 6
	keep "walk-munmap naive_walk_us=200"
	# The entry re-read after munmap cleared it: the walk reads physical
	# page 0 as a page table (README.md, "Pins, dirty tracking ...").
	[ "$status" -eq 3 ]
}

@test "the naive knobs are root's and off by default" {
	[ "$(cat $P/naive_clean)" = N ]
	[ "$(cat $P/naive_walk_us)" = 0 ]
	[ "$(stat -c %a $P/naive_clean)" = 644 ]
	[ "$(stat -c %a $P/naive_walk_us)" = 644 ]
}
