#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# What an unprivileged user can and cannot do with /dev/vmalock (mode
# 0666): its memory is charged to its own cgroup, module-wide state and the
# race knobs are root's, a read-only descriptor cannot change a region, and
# waits end on SIGKILL.

load lib

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
CG=/sys/fs/cgroup/vmalock-test

setup() { vmalock_setup; }

teardown() {
	if [ -d "$CG" ]; then
		# Kill whatever is left in the test cgroup, then remove it.
		echo 1 >"$CG/cgroup.kill" 2>/dev/null || true
		for _ in $(seq 50); do rmdir "$CG" 2>/dev/null && break; sleep 0.1; done
	fi
	vmalock_teardown
}

# as_nobody SCRIPT: run a shell script as nobody, with the device on fd 5.
as_nobody() {
	"${NOBODY[@]}" bash -c "exec 5<>/dev/vmalock; $1"
}

@test "STATS --reset and --dmesg are refused to an unprivileged user with EPERM; reading is not" {
	run -0 "${NOBODY[@]}" "$CTL" stats --json
	run -1 "${NOBODY[@]}" "$CTL" stats --reset
	echo "$output"
	[[ "$output" == *"Operation not permitted"* ]]
	mark_kernel_log
	run -1 "${NOBODY[@]}" "$CTL" stats --dmesg
	[[ "$output" == *"Operation not permitted"* ]]
	! kernel_log_since_mark | grep -q 'counters on request'
	# Root still may.
	run -0 "$CTL" stats --dmesg
	kernel_log_since_mark | grep -q 'vmalock: counters on request:'
	run -0 "$CTL" stats --reset
}

@test "SET_DELAY is refused to an unprivileged user with EPERM and works for root" {
	run -1 as_nobody "$CTL delay --fd 5 writer 1000"
	echo "$output"
	[[ "$output" == *"Operation not permitted"* ]]
	exec 5<>/dev/vmalock
	run -0 "$CTL" delay --fd 5 writer 1000
	exec 5<&-
}

@test "fault-injection, size and fault-path parameters are root's: an unprivileged write is refused" {
	for p in inject_fail_order inject_fail_every inject_fail_open region_mb region_max_mb default_mode default_order \
		fault_around_pages map_pages naive_clean naive_walk_us; do
		[ "$(stat -c %a /sys/module/vmalock/parameters/$p)" = 644 ]
		run "${NOBODY[@]}" sh -c "echo 1 > /sys/module/vmalock/parameters/$p"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Permission denied"* ]]
	done
}

@test "a read-only descriptor cannot FILL, INVALIDATE, resize or change the mode (EBADF)" {
	exec 5</dev/vmalock
	for cmd in "fill --fd 5 0 4096 0x42" "invalidate --fd 5 0 4096" \
		   "size --fd 5 8192" "mode --fd 5 spec" "order --fd 5 2"; do
		run -1 "$CTL" $cmd
		echo "$cmd: $output"
		[[ "$output" == *"Bad file descriptor"* ]]
	done
	# Reading the region's state is fine.
	run -0 "$CTL" region --fd 5
	exec 5<&-
}

@test "region_max_mb caps SET_SIZE (EFBIG) and region_mb" {
	local p=/sys/module/vmalock/parameters/region_max_mb
	[ "$(cat $p)" = 1048576 ]
	echo 128 >$p
	exec 5<>/dev/vmalock
	run -0 "$CTL" size --fd 5 $((128 << 20))
	run -1 "$CTL" size --fd 5 $(((128 << 20) + 4096))
	echo "$output"
	[[ "$output" == *"File too large"* ]]
	exec 5<&-
	# region_mb above the cap: new regions get the cap.
	echo 256 >/sys/module/vmalock/parameters/region_mb
	exec 5<>/dev/vmalock
	run -0 "$CTL" region --fd 5
	echo "$output"
	grep -qx "size_bytes: $((128 << 20))" <<<"$output"
	exec 5<&-
}

# make_cgroup MAX: a memory cgroup limited to MAX with no swap.
make_cgroup() {
	if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
		mount -t cgroup2 none /sys/fs/cgroup || skip "no cgroup2"
	fi
	grep -qw memory /sys/fs/cgroup/cgroup.controllers || skip "kernel without memcg"
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$CG"
	echo "$1" >"$CG/memory.max"
	[ ! -e "$CG/memory.swap.max" ] || echo 0 >"$CG/memory.swap.max"
}

# in_cgroup_as_nobody SCRIPT: run SCRIPT as nobody inside the test cgroup.
in_cgroup_as_nobody() {
	bash -c 'echo $$ > '"$CG"'/cgroup.procs && exec "$@"' _ \
		"${NOBODY[@]}" bash -c "exec 5<>/dev/vmalock; $1"
}

@test "FILL with no mapping is charged to the opener's cgroup and stops at its limit with ENOMEM" {
	make_cgroup 64M
	# 32 MiB held without any mapping: charged while the fd is open.
	run -0 in_cgroup_as_nobody "$CTL fill --fd 5 0 $((32 << 20)) 0x42 && cat $CG/memory.current"
	echo "memory.current while holding 32 MiB: ${lines[-1]}"
	[ "${lines[-1]}" -ge $((32 << 20)) ]
	# 128 MiB in one FILL does not fit in 64 MiB: ENOMEM, nothing held.
	run -1 in_cgroup_as_nobody "$CTL size --fd 5 $((256 << 20)) && $CTL fill --fd 5 0 $((128 << 20)) 0x42"
	echo "$output"
	[[ "$output" == *"Cannot allocate memory"* ]]
	# Many regions, each filled: the sum stays under the limit.
	run in_cgroup_as_nobody 'for i in $(seq 3 40); do eval "exec $i<>/dev/vmalock" || break; '"$CTL"' fill --fd $i 0 $((8 << 20)) 0x7 2>/dev/null || break; done; echo regions=$i; cat '"$CG"'/memory.peak 2>/dev/null || cat '"$CG"'/memory.current'
	echo "$output"
	[ "${lines[-1]}" -le $((64 << 20)) ]
	[ "$(counter pages_allocated)" -eq "$(counter pages_freed)" ]
}

@test "touching more than the cgroup's limit OOM-kills in that cgroup, not elsewhere" {
	make_cgroup 64M
	sleep 600 &
	local bystander=$!
	run in_cgroup_as_nobody "$CTL touch --pages $((256 << 8)) --write"
	echo "status $status: $output"
	[ "$status" -ne 0 ]
	grep -E '^oom_kill [1-9]' "$CG/memory.events"
	kill -0 "$bystander"	# a process outside the cgroup survived
	kill "$bystander"
	[ "$(cat "$CG/memory.current")" -le $((64 << 20)) ]
	[ "$(counter pages_allocated)" -eq "$(counter pages_freed)" ]
}

@test "SIGKILL ends a fault or a writer held in a 10 s race window within 5 s" {
	exec 5<>/dev/vmalock
	"$CTL" delay --fd 5 writer 10000000
	# A writer sleeping in its window, then a second writer waiting for it.
	"$CTL" invalidate --fd 5 0 4096 &
	local w1=$!
	sleep 1
	"$CTL" invalidate --fd 5 4096 4096 &
	local w2=$!
	sleep 0.5
	local t0=$SECONDS
	kill -9 $w1 $w2
	wait $w1 $w2 || true
	echo "writers reaped after $((SECONDS - t0)) s"
	[ $((SECONDS - t0)) -le 5 ]
	"$CTL" delay --fd 5 writer 0
	# A speculative fault sleeping in its window.
	"$CTL" mode --fd 5 spec
	"$CTL" delay --fd 5 spec-window 10000000
	"$CTL" touch --fd 5 --pages 1 &
	local f=$!
	sleep 1
	t0=$SECONDS
	kill -9 $f
	wait $f || true
	echo "faulting task reaped after $((SECONDS - t0)) s"
	[ $((SECONDS - t0)) -le 5 ]
	"$CTL" delay --fd 5 spec-window 0
	exec 5<&-
}

@test "a shrink takes private copy-on-write copies past the new end too (SIGBUS)" {
	run -0 "$MAPTEST" cow-past-end
	echo "$output"
}

@test "a speculative fault held in one region's 10 s window does not delay another region's writers" {
	exec 5<>/dev/vmalock 6<>/dev/vmalock
	"$CTL" mode --fd 5 spec
	# region6_writers: FILL, INVALIDATE and SET_MODE on region 6, in ms.
	region6_writers() {
		local t0
		t0=$(date +%s%N)
		"$CTL" mode --fd 6 spec
		"$CTL" fill --fd 6 0 $((1 << 20)) 0x6
		"$CTL" invalidate --fd 6 0 $((1 << 20))
		"$CTL" mode --fd 6 vma
		echo $((($(date +%s%N) - t0) / 1000000))
	}
	local alone ms
	alone=$(region6_writers)
	"$CTL" delay --fd 5 spec-window 10000000
	"$CTL" touch --fd 5 --pages 1 &
	local f=$!
	# Let the fault on region 5 reach its window.
	sleep 1
	ms=$(region6_writers)
	echo "region 6's writers: $alone ms alone, $ms ms while region 5's fault sat in its 10 s window"
	# Waiting for the window would add about 9 s.
	[ "$ms" -lt $((alone + 4000)) ]
	kill -0 $f	# still in the window: the measurement overlapped it
	wait $f
	"$CTL" delay --fd 5 spec-window 0
	exec 5<&- 6<&-
}

@test "a fault waiting for a writer leaves mmap_lock free and dies at once on SIGKILL" {
	exec 5<>/dev/vmalock
	"$CTL" mode --fd 5 mmap
	local go=$BATS_TEST_TMPDIR/go out=$BATS_TEST_TMPDIR/out
	mkfifo "$go"
	"$MAPTEST" touch-on-input <"$go" >"$out" &
	local f=$!
	exec 7>"$go"
	for _ in $(seq 100); do grep -q mapped "$out" && break; sleep 0.1; done
	grep -q mapped "$out"
	# A writer in a 10 s window (the most SET_DELAY allows) holds the coarse lock.
	"$CTL" delay --fd 5 writer 10000000
	"$CTL" invalidate --fd 5 0 4096 &
	local w=$!
	sleep 1
	echo go >&7
	sleep 1
	! grep -q touched "$out"	# the fault is waiting
	# ps reads /proc/PID/cmdline under the task's mmap_lock.
	local t0=$SECONDS
	timeout 5 cat "/proc/$f/cmdline" >/dev/null
	echo "cmdline of the waiting task read after $((SECONDS - t0)) s"
	t0=$SECONDS
	kill -9 $f
	wait $f || true
	echo "faulting task reaped after $((SECONDS - t0)) s"
	[ $((SECONDS - t0)) -le 5 ]
	exec 7>&-
	kill -9 $w
	wait $w || true
	"$CTL" delay --fd 5 writer 0
	exec 5<&-
}

# Two FILLs of the same pages: the first sleeps in its writer window, the
# second is killed while it waits for the lock, then the cgroup runs out of
# memory (no task in it may be OOM-killed).  Reserving outside the lock,
# the killed FILL released the first one's reserved slots, whose stores
# then had to allocate under the lock and failed: a WARNING from user
# space.  Now the first FILL completes or fails with ENOMEM, and no page is
# lost.
@test "a FILL killed while it waits leaves another FILL's reservations alone" {
	make_cgroup 512M
	run bash -c '
		set -u
		echo $$ >'"$CG"'/cgroup.procs
		echo -1000 >/proc/self/oom_score_adj
		exec 5<>/dev/vmalock
		'"$CTL"' delay --fd 5 writer 10000000
		ns0=$('"$CTL"' stats --json | jq .writer_wait_ns)
		'"$CTL"' fill --fd 5 0 $((8 << 20)) 0x5 & a=$!
		# writer_wait_ns moves when the first FILL enters its window.
		for _ in $(seq 300); do
			[ "$('"$CTL"' stats --json | jq .writer_wait_ns)" != "$ns0" ] && break
			sleep 0.05
		done
		'"$CTL"' fill --fd 5 0 $((8 << 20)) 0x6 & b=$!
		for _ in $(seq 300); do
			[ "$(cut -d" " -f3 /proc/$b/stat)" = D ] && break
			sleep 0.05
		done
		echo "second FILL waits in: $(cat /proc/$b/wchan) ($(cut -d" " -f3 /proc/$b/stat))"
		kill -9 $b; wait $b
		echo 1M >'"$CG"'/memory.max
		wait $a; echo "first FILL: exit $?"
		'"$CTL"' delay --fd 5 writer 0
	'
	echo "$output"
	[[ "$output" == *"second FILL waits in: vmalock_write_begin (D)"* ]]
	[[ "$output" == *"first FILL: exit 0"* || "$output" == *"first FILL: exit 1"* ]]
	[ "$(counter pages_allocated)" -eq "$(counter pages_freed)" ]
}

# The region's pages are filled, then the cgroup's memory.max is set below
# its usage with no task the OOM killer may pick: the only allocations left
# to the fault are page tables, and they fail.  When the one that fails is
# vm_insert_pages()'s, its -EFAULT used to become SIGBUS (populate:
# EFAULT); now it is VM_FAULT_OOM, as for anonymous memory, and the fault
# works once memory is there again.
@test "a page table that cannot be charged makes the fault out of memory (ENOMEM), not SIGBUS" {
	make_cgroup 512M
	local go=$BATS_TEST_TMPDIR/go out=$BATS_TEST_TMPDIR/out
	mkfifo "$go"
	# Only the task under test is in the cgroup: this shell stays outside,
	# free to fork while the cgroup has no memory left.
	bash -c '
		echo $$ >'"$CG"'/cgroup.procs
		echo -1000 >/proc/self/oom_score_adj
		exec 5<>/dev/vmalock
		'"$CTL"' fill --fd 5 0 $((4 << 20)) 0x77 || exit 1
		exec '"$MAPTEST"' pgtable-oom 0x77
	' <"$go" >"$out" 2>&1 &
	local t=$!
	exec 7>"$go"
	for _ in $(seq 100); do grep -q mapped "$out" && break; sleep 0.1; done
	echo 1M >"$CG/memory.max"
	echo go >&7
	for _ in $(seq 100); do grep -q populate "$out" && break; sleep 0.1; done
	echo max >"$CG/memory.max"
	echo go >&7
	exec 7>&-
	local rc=0
	wait $t || rc=$?
	cat "$out"
	[ "$rc" -eq 0 ]
	grep -q "populate: Cannot allocate memory" "$out"
	[ "$(counter fault_sigbus)" -eq 0 ]
}

@test "a core dump leaves the device's memory out (VM_DONTDUMP)" {
	run -0 "$MAPTEST" dontdump
	echo "$output"
}
