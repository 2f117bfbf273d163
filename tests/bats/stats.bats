#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The counters: what each fault adds, under which lock the kernel called us,
# reset, and the kernel-log block.

load lib

setup() { vmalock_setup; }
teardown() { vmalock_teardown; }

@test "stats --json has exactly the documented counters" {
	run -0 "$CTL" stats --json
	[ "$(jq -r 'keys_unsorted | join(" ")' <<<"$output")" = \
		"faults faults_vma_locked faults_mmap_locked pages_allocated pages_freed vma_lock_success vma_lock_abort vma_lock_retry vma_lock_miss spec_success spec_retry spec_fallback pte_notsame folio_fallback invalidations fills writer_wait_ns folio_alloc fault_ns_log2 alloc_failures injected_failures fault_oom fault_sigbus" ]
	# folio_alloc maps every order to a count, fault_ns_log2 every bucket.
	[ "$(jq -r '.folio_alloc | keys_unsorted | join(" ")' <<<"$output")" = \
		"0 1 2 3 4 5 6 7 8 9 10" ]
	[ "$(jq '.fault_ns_log2 | length' <<<"$output")" -eq 32 ]
}

@test "every fault lands in one bucket of the service-time histogram" {
	local before
	before=$(stats_snapshot)
	"$CTL" touch --pages 20 >/dev/null
	[ $(($(counter fault_ns_log2 | jq 'add') - $(jq '.fault_ns_log2 | add' <<<"$before"))) -eq 20 ]
}

@test "every first touch is one fault and one page; a second touch is neither" {
	local before
	before=$(stats_snapshot)
	"$CTL" touch --pages 32 >/dev/null
	[ "$(delta "$before" faults)" -eq 32 ]
	[ "$(delta "$before" pages_allocated)" -eq 32 ]
	[ "$(delta "$before" pages_freed)" -eq 32 ]	# freed at close
}

@test "6.4 and later fault under the per-VMA lock; older kernels under mmap_lock" {
	local before vma mmap faults
	before=$(stats_snapshot)
	"$CTL" touch --pages 64 --threads 2 >/dev/null
	faults=$(delta "$before" faults)
	vma=$(delta "$before" faults_vma_locked)
	mmap=$(delta "$before" faults_mmap_locked)
	echo "kernel $KVER: faults $faults vma_locked $vma mmap_locked $mmap"
	[ "$faults" -eq 64 ]
	[ $((vma + mmap)) -eq "$faults" ]
	if kernel_at_least 6 4; then
		[ "$vma" -gt 0 ]
		"$CTL" info | grep -x 'per_vma_lock: yes'
	else
		[ "$vma" -eq 0 ]
		"$CTL" info | grep -x 'per_vma_lock: no'
	fi
}

# The kernel's own count (CONFIG_PER_VMA_LOCK_STATS, on in the debug
# kernel): every fault we saw arrive under the VMA lock, it counts as a
# vma_lock_success too (along with every other VMA-locked fault meanwhile).
@test "the kernel's vma_lock_success agrees with faults_vma_locked (PER_VMA_LOCK_STATS kernels)" {
	grep -q '^vma_lock_success ' /proc/vmstat || skip "kernel built without PER_VMA_LOCK_STATS"
	local before k0 k1 vma
	before=$(stats_snapshot)
	k0=$(awk '$1 == "vma_lock_success" { print $2 }' /proc/vmstat)
	"$CTL" touch --pages 256 >/dev/null
	k1=$(awk '$1 == "vma_lock_success" { print $2 }' /proc/vmstat)
	vma=$(delta "$before" faults_vma_locked)
	echo "faults_vma_locked $vma, kernel vma_lock_success +$((k1 - k0))"
	[ "$vma" -eq 256 ]
	[ $((k1 - k0)) -ge "$vma" ]
}

@test "stats --reset zeroes every counter after reporting it" {
	"$CTL" touch --pages 4 >/dev/null
	run -0 "$CTL" stats --json --reset
	[ "$(jq -r .faults <<<"$output")" -ge 4 ]
	run -0 "$CTL" stats --json
	[ "$(jq '[.[] | if type == "object" then add else . end] | add' <<<"$output")" -eq 0 ]
}

@test "stats --dmesg writes every counter to the kernel log, one prefixed line each" {
	"$CTL" touch --pages 3 >/dev/null
	mark_kernel_log
	"$CTL" stats --dmesg >/dev/null
	run -0 kernel_log_since_mark
	echo "$output"
	[[ "$output" == *"vmalock: counters on request:"* ]]
	for c in faults faults_vma_locked faults_mmap_locked pages_allocated pages_freed "$LAST_COUNTER"; do
		[ -n "$(logged_counter "$c" <<<"$output")" ]
	done
	[ "$(logged_counter faults <<<"$output")" -eq 3 ]
	# Every line of the block carries the prefix: nothing is unprefixed.
	! grep -vE 'vmalock: ' <<<"$output"
}

@test "stats --dmesg is rate-limited: a burst logs at most a few blocks" {
	mark_kernel_log
	local t0=$SECONDS secs
	for _ in $(seq 50); do "$CTL" stats --dmesg >/dev/null; done
	secs=$((SECONDS - t0))
	run -0 kernel_log_since_mark
	blocks=$(grep -c 'vmalock: counters on request:$' <<<"$output")
	# At most 4 blocks per 5 s interval the burst touched: a slow guest
	# spreads the 50 requests over more intervals.
	echo "blocks logged for 50 requests in $secs s: $blocks (allowed $((4 * (secs / 5 + 2))))"
	[ "$blocks" -ge 1 ] && [ "$blocks" -le $((4 * (secs / 5 + 2))) ] &&
		[ "$blocks" -lt 50 ]
}
