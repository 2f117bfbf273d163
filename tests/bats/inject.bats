#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection (module parameters inject_fail_order and
# inject_fail_every, off by default): a failed high-order block falls back
# to smaller ones, a failed order-0 page fails the fault with VM_FAULT_OOM
# the way a real driver out of memory does, and nothing leaks either way.

load lib

P=/sys/module/vmalock/parameters

setup() { vmalock_setup; }
teardown() {
	[ ! -e $P/inject_fail_every ] || echo 0 >$P/inject_fail_every
	[ ! -e $P/inject_fail_open ] || echo N >$P/inject_fail_open
	vmalock_teardown
}

inject() {
	echo "$1" >$P/inject_fail_order
	echo "$2" >$P/inject_fail_every
}

# Every page the module allocated has been given back.
no_pages_held() {
	local a f
	a=$(counter pages_allocated)
	f=$(counter pages_freed)
	[ "$a" -eq "$f" ] || { echo "pages_allocated $a, pages_freed $f"; return 1; }
}

@test "injection is off by default" {
	[ "$(cat $P/inject_fail_every)" = 0 ]
	"$CTL" touch --order 4 --pages 64 --verify
	[ "$(counter injected_failures)" -eq 0 ]
	[ "$(counter alloc_failures)" -eq 0 ]
}

@test "order 0 always failing: kernel accesses fail cleanly, a user access is retried until killed" {
	echo 0 >$P/default_order
	inject 0 1
	"$MAPTEST" oom-access
	echo 0 >$P/inject_fail_every
	[ "$(counter fault_oom)" -gt 0 ]
	[ "$(counter injected_failures)" -gt 0 ]
	[ "$(counter alloc_failures)" -ge "$(counter injected_failures)" ]
	[ "$(jq -e '.folio_alloc["0"]' <<<"$(stats_snapshot)")" -eq 0 ]
	no_pages_held
}

# touch MODE: 64 order-0 first touches with every 2nd allocation failing.
touch_every_second_fails() {
	echo 0 >$P/default_order
	inject 0 2
	"$CTL" touch --mode "$1" --order 0 --pages 64 --verify
	echo 0 >$P/inject_fail_every
	[ "$(counter injected_failures)" -ge 20 ]
	no_pages_held
}

@test "order 0 failing every 2nd time, mmap mode: VM_FAULT_OOM, the access retried, data right" {
	touch_every_second_fails mmap
	[ "$(counter fault_oom)" -ge 20 ]
}

@test "order 0 failing every 2nd time, vma mode: retried under the coarse lock, never OOM" {
	touch_every_second_fails vma
	# Under the mapping lock a fault allocates without direct reclaim and
	# redoes a failure under the coarse lock, where the next try works.
	[ "$(counter vma_lock_retry)" -ge 20 ]
	[ "$(counter fault_oom)" -eq 0 ]
}

@test "order 0 failing every 2nd time, spec mode: VM_FAULT_OOM, the access retried, data right" {
	touch_every_second_fails spec
	[ "$(counter fault_oom)" -ge 20 ]
}

@test "order 4 always failing: blocks fall back to order 3, none of order 4" {
	inject 4 1
	"$CTL" touch --order 4 --pages 64 --verify
	echo 0 >$P/inject_fail_every
	local s
	s=$(stats_snapshot)
	[ "$(jq -e '.folio_alloc["4"]' <<<"$s")" -eq 0 ]
	[ "$(jq -e '.folio_alloc["3"]' <<<"$s")" -ge 8 ]
	[ "$(jq -e '.folio_fallback' <<<"$s")" -ge 8 ]
	[ "$(jq -e '.injected_failures' <<<"$s")" -ge 4 ]
	[ "$(jq -e '.fault_oom' <<<"$s")" -eq 0 ]
	no_pages_held
}

@test "fills, invalidations and failing faults together balance the page counters" {
	# FILL allocates up front (not through the fault-time knob); with
	# injection on, faults around it must still leave nothing behind.
	inject 0 3
	exec 5<>/dev/vmalock
	"$CTL" fill --fd 5 0 128K 0x77
	"$CTL" touch --fd 5 --pages 32 --expect 0x77
	"$CTL" invalidate --fd 5 0 128K
	"$CTL" touch --fd 5 --pages 32 --verify
	exec 5<&-
	echo 0 >$P/inject_fail_every
	no_pages_held
}

# inject_fail_open: ->open gives forked and split VMAs no mapping state, as
# when its allocation fails in a full cgroup.  Their VMA-mode faults miss
# and take the coarse lock; writers still reach them.
@test "a VMA that ->open could not give a state faults through the coarse lock and sees writers" {
	[ "$(cat $P/inject_fail_open)" = N ]
	local miss0
	# Every access after MADV_DONTNEED must fault: no fault-around.
	echo 1 >$P/fault_around_pages
	miss0=$(counter vma_lock_miss)
	echo Y >$P/inject_fail_open
	"$MAPTEST" stateless-vma
	echo N >$P/inject_fail_open
	echo "vma_lock_miss +$(($(counter vma_lock_miss) - miss0))"
	# Four reads, a read after INVALIDATE, a write and a read after the split.
	[ "$(counter vma_lock_miss)" -ge $((miss0 + 7)) ]
	no_pages_held
}
