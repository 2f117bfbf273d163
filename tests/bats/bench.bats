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
# 4 and 9 on first touch, its re-fault without fault-around, anonymous
# memory with and without THP, a memfd on three paths and its re-fault
# without fault-around: 22.  On 6.4 and later also vmalock without
# ->map_pages, on first touch and re-fault.
rows() {
	if kernel_at_least 6 4; then echo 24; else echo 22; fi
}

@test "bench --quick: every configuration reported, every sample valid" {
	run "$CTL" bench --quick --json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -s length <<<"$output")" -eq "$(rows)" ]
	[ "$(jq -s '[.[] | select(.valid != .samples or .samples != 2)] | length' <<<"$output")" -eq 0 ]
	# Orders 4 and 9 take one fault per folio.
	[ "$(jq -s '.[] | select(.config == "vmalock-vma-o9") | .faults' <<<"$output")" -eq 2 ]
	[ "$(jq -s '.[] | select(.config == "vmalock-spec-o4") | .faults' <<<"$output")" -eq 64 ]
	# A re-fault maps the module's 16-page window: 1024 pages, 64 faults.
	[ "$(jq -s '.[] | select(.config == "vmalock-spec" and .path == "refault") | .faults' <<<"$output")" -eq 64 ]
	[ "$(jq -s '.[] | select(.config == "vmalock-vma-no-fault-around") | .faults' <<<"$output")" -eq 1024 ]
	# Every switch was put back.
	[ "$(cat /sys/kernel/debug/fault_around_bytes)" -eq 65536 ]
	[ "$(cat $P/fault_around_pages)" -eq 16 ]
	[ "$(cat $P/map_pages)" = Y ]
}

# Without ->map_pages, 6.4+ retries every fault under mmap_lock: the module
# counts the row's faults as mmap-locked, and vma mode's own as VMA-locked.
@test "bench: the no-map-pages rows fault under mmap_lock, vma mode under the VMA lock" {
	kernel_at_least 6 4 || skip "no per-VMA lock before 6.4"
	run -0 "$CTL" bench --quick --json
	echo "$output"
	jq -se '[.[] | select(.config == "vmalock-vma-no-map-pages")] | length == 2 and
		all(.faults_vma_locked == 0 and .faults_mmap_locked == 2 * .faults)' <<<"$output"
	jq -se '[.[] | select(.config == "vmalock-vma" and .path != "cow")] | length == 2 and
		all(.faults_vma_locked == 2 * .faults and .faults_mmap_locked == 0)' <<<"$output"
}

@test "bench --quick --threads 2: the table, every sample valid" {
	run "$CTL" bench --quick --threads 2
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 invalid samples"* ]]
	[ "$(grep -c '^vmalock-' <<<"$output")" -eq 18 ]
	if ! kernel_at_least 6 4; then
		[ "$(grep -c '^vmalock-vma-no-map-pages .*left out: the kernel has no per-VMA lock' <<<"$output")" -eq 2 ]
	fi
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
