#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The fault engine: in each lock mode, no read ever sees contents a
# returned writer replaced; writers on one mapping leave faults on others
# alone in vma and spec modes; large folios and their fallbacks; data and
# per-mapping state through resize and VMA surgery.  The scenarios are in
# tests/helpers/enginetest.c; each checks the module's own counters.

load lib

ENGINE=$TOP/tests/helpers/enginetest

setup() { vmalock_setup; }
teardown() { vmalock_teardown; }

engine() {
	run "$ENGINE" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

# generation MODE: 300 FILLs with race windows open; prints the counters.
generation() {
	VMALOCK_SPEC_WINDOW_US=500 VMALOCK_WRITER_WINDOW_US=1000 \
		engine generation "$1" 300
	GEN=$(head -n 1 <<<"$output")
	jq -e '.fills == 300' <<<"$GEN"
	# Keep the counters with the run's logs (tests/out/.../generation.json).
	if [ -n "${VMALOCK_GUEST_OUT:-}" ]; then
		jq -c --arg kernel "$KVER" --arg mode "$1" \
			'{kernel: $kernel, mode: $mode} + .' <<<"$GEN" \
			>>"$VMALOCK_GUEST_OUT/generation.json"
	fi
}

@test "mmap mode: no stale read across 300 FILLs" {
	generation mmap
	jq -e '.vma_lock_success == 0 and .spec_success == 0' <<<"$GEN"
}

@test "vma mode: no stale read; writers' marks make faults abort to the coarse lock" {
	generation vma
	jq -e '.vma_lock_abort > 0 and .vma_lock_success > 0' <<<"$GEN"
	jq -e '.vma_lock_miss == 0 and .spec_success == 0' <<<"$GEN"
}

@test "spec mode: no stale read; raced faults retry, collide and fall back" {
	generation spec
	jq -e '.spec_retry > 0 and .spec_success > 0' <<<"$GEN"
	jq -e '.pte_notsame > 0' <<<"$GEN"
}

@test "a writer held on mapping A blocks a fault on mapping B in mmap mode only" {
	engine isolation mmap
	engine isolation vma
	engine isolation spec
}

@test "the halves of a split VMA are locked apart" {
	engine isolation vma split
	engine isolation spec split
}

@test "order 4: sixteen aligned pages cost one fault" { engine folio-aligned; }
@test "order 4 at an unaligned mapping falls back to order 3" { engine folio-unaligned; }
@test "a block that would cross the VMA's end falls back to order 0" { engine folio-edge; }

@test "a failed order-4 allocation falls back to order 3" {
	local p=/sys/module/vmalock/parameters
	echo 4 >$p/inject_fail_order
	echo 1 >$p/inject_fail_every
	engine folio-inject
	echo 0 >$p/inject_fail_every
}

@test "shrinking unmaps and frees past the end; growing back reads zero" { engine shrink; }
@test "mremap keeps data and the mapping's state" { engine mremap; }
@test "mprotect splits a mapping; each piece keeps data and state" { engine mprotect; }
@test "a partial munmap keeps the rest, INVALIDATE stays in its range" { engine munmap-partial; }
@test "MADV_DONTNEED drops entries, never region data" { engine dontneed; }
@test "a forked child's mappings are its own and see the writers" { engine fork-state; }

@test "a mapping grown into a writer's range by mremap waits for the writer (vma mode)" {
	run "$ENGINE" grow-into-writer
	echo "$output"
	[ "$status" -ne 77 ] || skip "this kernel cannot grow a VM_MIXEDMAP mapping in place"
	[ "$status" -eq 0 ]
}

@test "faults racing FILLs into reserved slots leave no page unfreed, in every mode" {
	for mode in mmap vma spec; do
		engine fill-race $mode 300
	done
}

@test "SET_MODE, SET_ORDER, SET_SIZE and FILL reject bad input with EINVAL" {
	exec {fd}<>/dev/vmalock
	run -2 "$CTL" mode --fd $fd bogus
	run -1 "$CTL" size --fd $fd 4097
	[[ "$output" == *"Invalid argument"* ]]
	run -1 "$CTL" size --fd $fd 0
	run -1 "$CTL" size --fd $fd 2T
	run -1 "$CTL" fill --fd $fd 1 4096 7
	run -1 "$CTL" fill --fd $fd 0 0 7
	run -1 "$CTL" fill --fd $fd 64M 4096 7
	run -1 "$CTL" invalidate --fd $fd 0 8191
	exec {fd}>&-
}

@test "the tool drives a region through an inherited file descriptor" {
	exec {fd}<>/dev/vmalock
	"$CTL" mode --fd $fd spec
	"$CTL" order --fd $fd 2
	"$CTL" size --fd $fd 1M
	"$CTL" fill --fd $fd 0 64K 0x5a5a
	run -0 "$CTL" region --fd $fd --json
	echo "$output"
	jq -e '.size_bytes == 1048576 and .order == 2 and .mode == "spec" and .pages == 16' <<<"$output"
	run -0 "$CTL" touch --fd $fd --pages 16 --expect 0x5a5a
	"$CTL" invalidate --fd $fd 0 8K
	run -0 "$CTL" touch --fd $fd --pages 2 --expect 0
	run -1 "$CTL" touch --fd $fd --pages 2 --offset 256
	[[ "$output" == *SIGBUS* ]]
	exec {fd}>&-
}

@test "default_mode and default_order apply to regions opened later" {
	local p=/sys/module/vmalock/parameters
	[ "$(cat $p/default_mode)" = vma ]
	"$CTL" mode spec
	"$CTL" order 3
	exec {fd}<>/dev/vmalock
	run -0 "$CTL" region --fd $fd --json
	jq -e '.mode == "spec" and .order == 3' <<<"$output"
	exec {fd}>&-
	run -1 bash -c "echo bogus > $p/default_mode"
	run -1 bash -c "echo 11 > $p/default_order"
}

@test "spec mode: shrinks racing first-touch faults leave no page past the new end" {
	engine spec-shrink 200
	jq -e '.left_pages_past_end == 0' <<<"$(tail -n 1 <<<"$output")"
}
