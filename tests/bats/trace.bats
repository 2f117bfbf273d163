#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The tracepoints (module/vmalock_trace.h): enabled through tracefs, every
# event the fault path and the writers emit agrees, count for count, with
# the module's own counters, no event is lost, and the fields say what
# happened.  The module is loaded afresh for each test, so its counters
# start at zero just before the events are switched on.

load lib

TRACEFS=/sys/kernel/tracing
ENGINE=$TOP/tests/helpers/enginetest

setup() {
	if [ ! -e $TRACEFS/trace ]; then
		mount -t tracefs nodev $TRACEFS 2>/dev/null ||
			skip "kernel without tracefs"
	fi
	vmalock_setup
	[ -d $TRACEFS/events/vmalock ]
	# Large enough for every event of a test: none may be overwritten.
	echo 16384 >$TRACEFS/buffer_size_kb
	echo 0 >$TRACEFS/tracing_on
	echo >$TRACEFS/trace
	echo 1 >$TRACEFS/events/vmalock/enable
	echo 1 >$TRACEFS/tracing_on
}

teardown() {
	echo 0 >$TRACEFS/events/vmalock/enable 2>/dev/null || true
	echo >$TRACEFS/trace 2>/dev/null || true
	echo 1408 >$TRACEFS/buffer_size_kb 2>/dev/null || true
	vmalock_teardown
}

# Stop tracing, check nothing was lost, and keep the trace and the counters.
stop_trace() {
	echo 0 >$TRACEFS/tracing_on
	grep -h -e '^overrun' -e '^dropped events' $TRACEFS/per_cpu/cpu*/stats |
		awk '$NF != 0 { print "lost:", $0; bad = 1 } END { exit bad }'
	sed '/^#/d' $TRACEFS/trace >"$BATS_TEST_TMPDIR/trace"
	STATS=$("$CTL" stats --json)
}

# events NAME [PATTERN]: how many NAME events (with PATTERN in their fields).
events() {
	grep -F " $1: " "$BATS_TEST_TMPDIR/trace" | grep -c -e "${2:-.}" || true
}

# same NAME COUNTER [PATTERN]: the events' count equals the counter's.
same() {
	local n c
	n=$(events "$1" "${3:-}")
	c=$(jq -er ".$2" <<<"$STATS")
	echo "$1${3:+ ($3)}: $n events, $2: $c"
	[ "$n" -eq "$c" ]
}

# Every fault starts and ends once, and its path is the counter's.
check_faults() {
	same vmalock_fault_start faults
	same vmalock_fault_end faults
	same vmalock_fault_end spec_success 'path=spec'
	same vmalock_fault_end vma_lock_success 'path=vma'
	same vmalock_fault_start faults_vma_locked 'vma_locked=1'
	same vmalock_fault_start faults_mmap_locked 'vma_locked=0'
}

@test "tracefs shows the seven events with their fields" {
	stop_trace
	local e
	for e in fault_start fault_end spec_retry spec_fallback \
		vma_lock_abort write_begin write_end; do
		grep -q 'field:unsigned long pgoff\|field:unsigned long first' \
			$TRACEFS/events/vmalock/vmalock_$e/format
	done
	grep -q 'field:int order' $TRACEFS/events/vmalock/vmalock_fault_end/format
	grep -q 'field:unsigned int marked' $TRACEFS/events/vmalock/vmalock_write_begin/format
}

@test "touch in each mode: fault events agree with the counters" {
	local mode
	for mode in mmap vma spec; do
		run -0 "$CTL" touch --mode $mode --order 0 --pages 2048 --threads 2 --write
	done
	run -0 "$CTL" touch --mode vma --order 4 --pages 1024 --threads 2
	stop_trace
	check_faults
	[ "$(events vmalock_fault_end 'path=spec')" -gt 0 ]
	[ "$(events vmalock_fault_end 'path=vma')" -gt 0 ]
	[ "$(events vmalock_fault_end 'path=mmap')" -gt 0 ]
	# Every first touch allocated a block of the order it asked for.
	same vmalock_fault_end 'folio_alloc["4"]' 'order=4 '
	# mode/path per event, and the writes the core sees as writes.
	[ "$(events vmalock_fault_start 'mode=spec write=1')" -ge 2048 ]
	[ "$(events vmalock_fault_end 'result=NOPAGE')" -eq "$(jq -r .faults <<<"$STATS")" ]
}

@test "vma mode beside a writer: aborts and writer events agree with the counters" {
	VMALOCK_SPEC_WINDOW_US=500 VMALOCK_WRITER_WINDOW_US=1000 \
		run -0 "$ENGINE" generation vma 100
	stop_trace
	check_faults
	same vmalock_vma_lock_abort vma_lock_abort
	[ "$(events vmalock_vma_lock_abort 'reason=marked')" -gt 0 ]
	# One begin and one end per writer: the 100 FILLs and SET_MODE.
	local begins ends
	begins=$(events vmalock_write_begin)
	ends=$(events vmalock_write_end)
	echo "write_begin $begins, write_end $ends"
	[ "$begins" -eq "$ends" ]
	[ "$begins" -ge 101 ]
	# The FILLs replace page 0 and mark the mappings that hold it.
	[ "$(events vmalock_write_begin 'first=0 last=0 mode=vma all=0 marked=[1-9]')" -ge 100 ]
	[ "$(events vmalock_write_end 'first=0 last=0 freed=1 ')" -ge 100 ]
}

@test "spec mode beside a writer: retries and fallbacks agree with the counters" {
	VMALOCK_SPEC_WINDOW_US=500 VMALOCK_WRITER_WINDOW_US=1000 \
		run -0 "$ENGINE" generation spec 100
	stop_trace
	check_faults
	same vmalock_spec_retry spec_retry
	same vmalock_spec_fallback spec_fallback 'reason=tries'
	[ "$(events vmalock_spec_retry)" -gt 0 ]
	# A retry says why: a writer at the snapshot, or one that ran after.
	[ "$(events vmalock_spec_retry 'reason=\(writer\|changed\|zapped\)')" -eq \
	  "$(events vmalock_spec_retry)" ]
	same vmalock_vma_lock_abort vma_lock_abort
}

@test "a FILL's writer events carry its range; a fault past the end is SIGBUS" {
	exec 5<>/dev/vmalock
	run -0 "$CTL" size --fd 5 $((64 << 12))
	run -0 "$CTL" touch --fd 5 --pages 64 --order 0
	run -0 "$CTL" fill --fd 5 $((8 << 12)) $((4 << 12)) 0x42
	run -1 "$CTL" touch --fd 5 --offset 63 --pages 2
	exec 5<&-
	stop_trace
	cat "$BATS_TEST_TMPDIR/trace"
	[ "$(events vmalock_write_begin 'first=8 last=11 ')" -eq 1 ]
	[ "$(events vmalock_write_end 'first=8 last=11 freed=4 ')" -eq 1 ]
	[ "$(events vmalock_fault_end 'pgoff=64 .*result=SIGBUS')" -eq 1 ]
	same vmalock_fault_end fault_sigbus 'result=SIGBUS'
}
