#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# vmalockctl bench, as a smoke run: it checks that every sample caused the
# faults it meant to (getrusage and the module's count), never timings.

load lib

P=/sys/module/vmalock/parameters

setup() { vmalock_setup; }

# The bench's validity smoke is the stock kernels' job.  On the debug
# kernel (KASAN) a quick bench takes minutes; there only the first test
# runs, every row once, and the fault paths get their KASAN and lockdep
# coverage from the other suites.
stock_kernels_only() {
	[[ "$(uname -r)" != *-vmalock-debug ]] ||
		skip "the bench's smoke runs on the stock kernels"
}
teardown() {
	[ ! -e $P/inject_fail_every ] || echo 0 >$P/inject_fail_every
	vmalock_teardown
}

# Rows the bench reports: vmalock's three modes on three paths, at orders
# 4 and 9 on first touch, its re-fault without fault-around, anonymous
# memory with and without THP, a memfd on three paths and its re-fault
# without fault-around, and a userfaultfd handler: 23.  On 6.4 and later
# also vmalock without ->map_pages, on first touch and re-fault.
rows() {
	if kernel_at_least 6 4; then echo 25; else echo 23; fi
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
	stock_kernels_only
	kernel_at_least 6 4 || skip "no per-VMA lock before 6.4"
	run -0 "$CTL" bench --quick --json
	echo "$output"
	jq -se '[.[] | select(.config == "vmalock-vma-no-map-pages")] | length == 2 and
		all(.faults_vma_locked == 0 and .faults_mmap_locked == 2 * .faults)' <<<"$output"
	jq -se '[.[] | select(.config == "vmalock-vma" and .path != "cow")] | length == 2 and
		all(.faults_vma_locked == 2 * .faults and .faults_mmap_locked == 0)' <<<"$output"
}

@test "bench --quick --threads 2: the table, every sample valid" {
	stock_kernels_only
	VMALOCKCTL_PROGRESS_INTERVAL_S=0 run --separate-stderr "$CTL" bench --quick --threads 2 --progress
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 invalid samples"* ]]
	# A progress line after every sample (interval 0), on stderr.
	grep -E '^bench: [0-9]+ of [0-9]+ samples \(repetition [12] of 2\), [0-9]+ s$' <<<"$stderr"
	[ "$(grep -c '^vmalock-' <<<"$output")" -eq 18 ]
	if ! kernel_at_least 6 4; then
		[ "$(grep -c '^vmalock-vma-no-map-pages .*left out: the kernel has no per-VMA lock' <<<"$output")" -eq 2 ]
	fi
}

# The loads cause no fault of the sweep's: churn never touches what it maps,
# the writer's pages are the module's.  So every sample stays valid.
@test "bench under every load: every sample valid, the loads' calls counted" {
	stock_kernels_only
	run "$CTL" bench --quick --loads all --json \
		--configs vmalock-mmap,vmalock-vma,vmalock-spec,memfd
	echo "$output"
	[ "$status" -eq 0 ]
	# 3 vmalock rows x 3 paths x 4 loads, memfd x 3 paths x 3 (no writer).
	[ "$(jq -s length <<<"$output")" -eq 45 ]
	jq -se 'all(.valid == .samples)' <<<"$output"
	jq -se '[.[] | select(.load == "writer")] | length == 9 and all(.load_calls_per_s > 0)' <<<"$output"
	jq -se '[.[] | select(.load == "churn")] | length == 12 and all(.load_calls_per_s > 0)' <<<"$output"
	jq -se '[.[] | select(.load == "alone")] | all(.load_calls_per_s == 0)' <<<"$output"
	# Alone, the module counts exactly one call per fault.
	jq -se '[.[] | select(.load == "alone" and .fault_retries != null)] | all(.fault_retries == 0)' <<<"$output"
}

@test "bench --sweep: a row per thread count, 1 to T" {
	stock_kernels_only
	run -0 "$CTL" bench --quick --threads 2 --sweep --configs vmalock-vma --json
	echo "$output"
	[ "$(jq -sc '[.[] | .threads]' <<<"$output")" = "[1,1,1,2,2,2]" ]
	run -2 "$CTL" bench --configs nosuch
	run -2 "$CTL" bench --loads alone,nosuch
}

@test "bench --output writes the JSON rows that bench-plot.sh turns into PNG and SVG plots" {
	stock_kernels_only
	local j=$BATS_TEST_TMPDIR/k.json
	run -0 "$CTL" bench --quick --configs vmalock-vma,memfd --output "$j"
	[ "$(wc -l <"$j")" -eq 6 ]
	jq -se 'all(.valid == .samples)' "$j"
	run -0 "$TOP/scripts/bench-plot.sh" "$j"
	for f in k-ns-per-page.png k-ns-per-page.svg k-threads.png k-threads.svg; do
		[ -s "$BATS_TEST_TMPDIR/$f" ]
	done
	[ "$(head -c 4 "$BATS_TEST_TMPDIR/k-ns-per-page.png" | tail -c 3)" = PNG ]
	grep -q '<svg' "$BATS_TEST_TMPDIR/k-threads.svg"
}

# The validity check can fail: an order-4 allocation that always fails
# falls back to order 3, two faults per block the bench expected one for.
@test "a sample whose fault count differs is invalid: exit 1, and the row named" {
	stock_kernels_only
	echo 4 >$P/inject_fail_order
	echo 1 >$P/inject_fail_every
	run -1 "$CTL" bench --quick --json
	echo "$output"
	[[ "$output" == *"vmalock-mmap-o4 first-touch alone 1 threads sample 1 invalid 3 times"* ]]
	[ "$(jq -R -s 'split("\n") | map(fromjson? | select(.config == "vmalock-mmap-o4")) | .[0].valid' <<<"$output")" -eq 0 ]
}
