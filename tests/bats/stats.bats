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
		"faults faults_vma_locked faults_mmap_locked pages_allocated pages_freed vma_lock_success vma_lock_abort vma_lock_retry vma_lock_miss spec_success spec_retry spec_fallback pte_notsame folio_fallback invalidations fills writer_wait_ns folio_alloc fault_ns_log2 alloc_failures injected_failures fault_oom fault_sigbus fault_around pins unpins pinned_busy pinned_skipped dirty cleaned" ]
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

@test "map_pages=N gives new mappings no ->map_pages: every fault takes mmap_lock" {
	local p=/sys/module/vmalock/parameters before
	[ "$(cat $p/map_pages)" = Y ]
	echo N >$p/map_pages
	before=$(stats_snapshot)
	"$CTL" touch --pages 64 --threads 2 >/dev/null
	[ "$(delta "$before" faults)" -eq 64 ]
	[ "$(delta "$before" faults_vma_locked)" -eq 0 ]
	[ "$(delta "$before" faults_mmap_locked)" -eq 64 ]
	# Mappings made after it is back on fault under the VMA lock again.
	echo Y >$p/map_pages
	before=$(stats_snapshot)
	"$CTL" touch --pages 64 >/dev/null
	if kernel_at_least 6 4; then
		[ "$(delta "$before" faults_vma_locked)" -eq 64 ]
	else
		[ "$(delta "$before" faults_vma_locked)" -eq 0 ]
	fi
}

# A read fault on a page the region holds maps the region's pages around it
# too: the aligned window of fault_around_pages (16) that holds it, inside
# the mapping.  The mapping's start need not be aligned, so 64 pages take
# 4 or 5 faults; every page is either faulted or mapped around a fault.
@test "a read fault maps the region's pages around it; writes and fault_around_pages=1 do not" {
	local p=/sys/module/vmalock/parameters before faults
	[ "$(cat $p/fault_around_pages)" = 16 ]
	exec {fd}<>/dev/vmalock
	"$CTL" fill --fd $fd 0 256K 0x33
	before=$(stats_snapshot)
	"$CTL" touch --fd $fd --pages 64 --expect 0x33 >/dev/null
	faults=$(delta "$before" faults)
	echo "faults $faults, fault_around +$(delta "$before" fault_around)"
	[ "$faults" -ge 4 ] && [ "$faults" -le 5 ]
	[ $((faults + $(delta "$before" fault_around))) -eq 64 ]
	# Writes map their own page only.
	before=$(stats_snapshot)
	"$CTL" touch --fd $fd --pages 64 --write >/dev/null
	[ "$(delta "$before" faults)" -eq 64 ]
	[ "$(delta "$before" fault_around)" -eq 0 ]
	# Off: one read fault per page.
	echo 1 >$p/fault_around_pages
	before=$(stats_snapshot)
	"$CTL" touch --fd $fd --pages 64 >/dev/null
	[ "$(delta "$before" faults)" -eq 64 ]
	[ "$(delta "$before" fault_around)" -eq 0 ]
	exec {fd}>&-
	for bad in 0 3 1024 x; do
		! echo $bad >$p/fault_around_pages
	done
	[ "$(cat $p/fault_around_pages)" = 1 ]
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
