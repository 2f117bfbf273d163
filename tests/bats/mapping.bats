#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# What a mapping of /dev/vmalock promises: zero-filled first touch, one
# region per open file shared by all its MAP_SHARED mappings, private
# copy-on-write, data across fork and remap, SIGBUS past the end.

load lib

setup() { vmalock_setup; }
teardown() { vmalock_teardown; }

maptest() {
	run "$MAPTEST" "$1"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a fresh region reads as zeroes" { maptest zero-fill; }
@test "a write through one shared mapping is seen through every other" { maptest shared-visible; }
@test "each open file is its own region" { maptest independent-opens; }
@test "data survives munmap and a new mmap of the same file" { maptest remap-survives; }
@test "MAP_PRIVATE reads the region and keeps its own writes" { maptest private-cow; }
@test "parent and child share a MAP_SHARED mapping across fork" { maptest fork-shared; }
@test "a child's MAP_PRIVATE writes stay in the child" { maptest fork-private; }
@test "a fault past the end of the region gets SIGBUS" { maptest sigbus-past-end; }

@test "shared writes from several threads verify page by page" {
	run "$CTL" touch --pages 256 --threads 4 --write --verify
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "private writes from several threads verify page by page" {
	run "$CTL" touch --pages 256 --threads 4 --write --private --verify
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "touch past the end of the region reports SIGBUS and fails" {
	run -1 "$CTL" touch --pages 2 --offset 16383
	[[ "$output" == *SIGBUS* ]]
}

# A private write fault hands the region's page to the core, which copies
# it in the same fault: one fault per page, not a read-only map and then a
# write-protect fault.
@test "a private write is one fault per page, on held pages and on first touch" {
	local before
	exec {fd}<>/dev/vmalock
	"$CTL" fill --fd $fd 0 256K 0x44
	before=$(stats_snapshot)
	run -0 "$CTL" touch --fd $fd --pages 64 --private --write --verify
	[ "$(delta "$before" faults)" -eq 64 ]
	# The region kept its own contents.
	run -0 "$CTL" touch --fd $fd --pages 64 --expect 0x44
	exec {fd}>&-
	# First touch at order 2: one fault per block of 4 pages, whose own
	# page is copied at once; the block's other pages are mapped
	# read-only, and each write to them is a write-protect fault that the
	# core serves (do_wp_page()) without calling us.
	before=$(stats_snapshot)
	run -0 "$CTL" touch --pages 64 --order 2 --private --write --verify
	[ "$(delta "$before" faults)" -eq 16 ]
	[ "$(delta "$before" pages_allocated)" -eq 64 ]
}

