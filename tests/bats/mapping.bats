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
