#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Lifetime: pages held while mapped, all of them freed by close and unload,
# and a module that cannot go away under a mapping.

load lib

setup() { vmalock_setup; }
teardown() { vmalock_teardown; }

# Free memory in kB: pages in the buddy allocator plus those parked on the
# per-CPU free lists, which MemFree and MemAvailable leave out (on 6.7 and
# later those lists grow to hold a burst of frees for a while).
mem_free_kb() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '$1 == "pages" && $2 == "free" { n += $3 }
	     $1 == "count:" { n += $2 }
	     END { print n * 4 }' /proc/zoneinfo
}

# Start "maptest hold PAGES" and wait until its pages are written.
start_holder() {
	HOLD_FIFO=$BATS_TEST_TMPDIR/hold
	mkfifo "$HOLD_FIFO"
	"$MAPTEST" hold "$1" <"$HOLD_FIFO" >"$BATS_TEST_TMPDIR/hold.out" &
	HOLD_PID=$!
	exec 7>"$HOLD_FIFO"	# bats owns fd 3
	for _ in $(seq 100); do
		grep -q ready "$BATS_TEST_TMPDIR/hold.out" && return 0
		sleep 0.1
	done
	return 1
}

stop_holder() {
	exec 7>&-
	wait "$HOLD_PID"
}

@test "the module cannot be unloaded while a region is mapped" {
	start_holder 16
	run -1 "$CTL" unload
	[[ "$output" == *"in use"* ]]
	stop_holder
}

@test "close and unload free every page the regions held" {
	local base held after pages=16384	# 64 MiB
	base=$(mem_free_kb)
	start_holder $pages
	[ $(($(counter pages_allocated) - $(counter pages_freed))) -eq $pages ]
	held=$(mem_free_kb)
	stop_holder
	[ "$(counter pages_allocated)" -eq "$(counter pages_freed)" ]

	mark_kernel_log
	"$CTL" unload
	after=$(mem_free_kb)
	echo "free kB: base $base, held $held, after unload $after"
	# Holding 64 MiB costs at least 56 MiB, and close and unload give at
	# least that much back (the rest of the guest moves a little).
	[ $((base - held)) -ge $((56 * 1024)) ]
	[ $((after - held)) -ge $((56 * 1024)) ]
	run -0 kernel_log_since_mark
	echo "$output"
	allocated=$(logged_counter pages_allocated <<<"$output")
	freed=$(logged_counter pages_freed <<<"$output")
	# The whole block is there, down to the last counter of the ABI.
	[ -n "$(logged_counter "$LAST_COUNTER" <<<"$output")" ]
	[ "$allocated" -ge $pages ]
	[ "$allocated" -eq "$freed" ]
}
