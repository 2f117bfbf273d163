#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# vmalockctl bench, as a smoke run: it checks that every sample caused the
# faults it meant to (getrusage and the module's count), never timings.

load lib

P=/sys/module/vmalock/parameters

setup() { vmalock_setup; }
teardown() {
	[ ! -e $P/inject_fail_every ] || echo 0 >$P/inject_fail_every
	vmalock_teardown
}

# Rows the bench reports: vmalock's three modes on three paths, at orders
# 4 and 9 on first touch, anonymous memory with and without THP, a memfd on
# three paths and its re-fault without fault-around.
ROWS=21

@test "bench --quick: every configuration reported, every sample valid" {
	run -0 "$CTL" bench --quick --json
	echo "$output"
	[ "$(jq -s length <<<"$output")" -eq "$ROWS" ]
	[ "$(jq -s '[.[] | select(.valid != .samples or .samples != 2)] | length' <<<"$output")" -eq 0 ]
	# Orders 4 and 9 take one fault per folio.
	[ "$(jq -s '.[] | select(.config == "vmalock-vma-o9") | .faults' <<<"$output")" -eq 2 ]
	[ "$(jq -s '.[] | select(.config == "vmalock-spec-o4") | .faults' <<<"$output")" -eq 64 ]
	# The fault-around switch was put back.
	[ "$(cat /sys/kernel/debug/fault_around_bytes)" -eq 65536 ]
}

@test "bench --quick --threads 2: the table, every sample valid" {
	run -0 "$CTL" bench --quick --threads 2
	echo "$output"
	[[ "$output" == *"0 invalid samples"* ]]
	[ "$(grep -c '^vmalock-' <<<"$output")" -eq 15 ]
}

# The validity check can fail: an order-4 allocation that always fails
# falls back to order 3, two faults per block the bench expected one for.
@test "a sample whose fault count differs is invalid: exit 1, and the row named" {
	echo 4 >$P/inject_fail_order
	echo 1 >$P/inject_fail_every
	run -1 "$CTL" bench --quick --json
	echo "$output"
	[[ "$output" == *"vmalock-mmap-o4 first-touch sample 1 invalid"* ]]
	[ "$(jq -R -s 'split("\n") | map(fromjson? | select(.config == "vmalock-mmap-o4")) | .[0].valid' <<<"$output")" -eq 0 ]
}
