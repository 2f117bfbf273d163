#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# make shell (scripts/shell.sh): fed on standard input, on a terminal, and
# the README's "Using the device" examples, run word for word in it on each
# bootable kernel.  Runs on the host; every test boots guests.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BLOCKS=$TOP/tests/host/readme-blocks

bats_require_minimum_version 1.5.0

setup_file() {
	mapfile -t kvers < <("$TOP/scripts/kernels.sh" --bootable)
	[ ${#kvers[@]} -gt 0 ] || return 1
	for k in "${kvers[@]}"; do
		[ -e "$TOP/build/$k/vmalock.ko" ] || return 1
	done
	make -s -C "$TOP" tool >/dev/null
}

newest() {
	"$TOP/scripts/kernels.sh" --bootable | tail -n 1
}

# shell_stdin KVER: scripts/shell.sh fed our standard input, its output in
# $output and status in $status (through bats' run), its guest run's files
# in $BATS_TEST_TMPDIR/out-KVER.
shell_stdin() {
	VMALOCK_OUT=$BATS_TEST_TMPDIR/out-$1 "$TOP/scripts/shell.sh" "$1"
}

@test "make shell fed on stdin: the tool on PATH, vmalock loaded, the status kept, unloaded at the end" {
	local k
	k=$(newest)
	run shell_stdin "$k" <<-'EOF'
	command -v vmalockctl vmalock-stress
	grep -c '^vmalock ' /proc/modules
	vmalockctl info --json | jq -r '"module=\(.module) kernel=\(.kernel)"'
	pwd
	exit 3
	EOF
	echo "$output"
	[ "$status" -eq 3 ]
	grep -qx '/run/vmalock-bin/vmalockctl' <<<"$output"
	grep -qx '/run/vmalock-bin/vmalock-stress' <<<"$output"
	grep -qx '1' <<<"$output"
	grep -qx "module=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf") kernel=$k" <<<"$output"
	grep -qx '/root' <<<"$output"
	# The session's own unload, after the script's last command.
	[ "$(grep -c '^unloaded vmalock$' <<<"$output")" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out-$k/status")" = 3 ]
}

@test "make shell: a script's failure is the shell's status; KVER picks the kernel" {
	local k
	k=$("$TOP/scripts/kernels.sh" --bootable | head -n 1)
	run bash -c "echo 'uname -r; false' | VMALOCK_OUT='$BATS_TEST_TMPDIR/out' make -s -C '$TOP' shell KVER='$k'"
	echo "$output"
	[ "$status" -ne 0 ]
	grep -qx "$k" <<<"$output"
}

# On a terminal (script(1) gives it one): the prompt, the window size, job
# control (Ctrl-C interrupts the foreground command, not the shell), exit.
@test "make shell on a terminal: prompt, window size, Ctrl-C stops a command and the shell goes on" {
	local k fifo log i
	command -v script || skip "no script(1)"
	k=$(newest)
	fifo=$BATS_TEST_TMPDIR/keys
	log=$BATS_TEST_TMPDIR/tty.log
	mkfifo "$fifo"
	# script(1) makes a pty of the given size; shell.sh sees a terminal.
	VMALOCK_OUT=$BATS_TEST_TMPDIR/out COLUMNS=97 LINES=31 \
		script -qfec "stty cols 97 rows 31; $TOP/scripts/shell.sh $k" /dev/null \
		<"$fifo" >"$log" 2>&1 &
	local pid=$!
	exec 7>"$fifo"
	# wait_for TEXT: until the terminal shows TEXT (at most 120 s).
	wait_for() {
		for ((i = 0; i < 240; i++)); do
			grep -qF -- "$1" "$log" && return 0
			sleep 0.5
		done
		echo "never saw: $1"
		cat -v "$log"
		return 1
	}
	wait_for 'vmalock-guest:~# '
	printf 'stty size; tty\n' >&7
	wait_for '31 97'
	printf 'sleep 600\n' >&7
	sleep 3
	printf '\003' >&7
	# An interactive bash drops the rest of a line a SIGINT ended, so the
	# status is asked for on the next one: 130, the sleep's SIGINT.
	printf 'echo sleep-status=$?\n' >&7
	wait_for 'sleep-status=130'
	printf 'echo alive-$((6 * 7))\n' >&7
	wait_for 'alive-42'
	printf 'exit 4\n' >&7
	wait_for 'unloaded vmalock'
	exec 7>&-
	# script -e exits with the shell's status (not "run": wait needs this
	# shell, the one that started it).
	local rc=0
	wait "$pid" || rc=$?
	cat -v "$log"
	[ "$rc" -eq 4 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/status")" = 4 ]
	grep -q '^/dev/ttyS1' <(tr -d '\r' <"$log")
	grep -q 'unloaded vmalock' "$log"
}

# The README's examples, as written: the sh blocks of "Using the device" in
# order under set -e, first.c compiled and run by the README's own command
# line, then the blocks of "Tracing".
readme_script() {
	local run_line

	run_line=$(sed -n 's/^`\(cc -o first first\.c[^`]*\)` prints `1 0`\.$/\1/p' "$TOP/README.md")
	[ -n "$run_line" ] || return 1
	echo 'set -ex'
	"$BLOCKS" 'Using the device' sh
	echo "cat >first.c <<'FIRST_C'"
	"$BLOCKS" 'Using the device' c
	echo 'FIRST_C'
	echo "$run_line"
	"$BLOCKS" 'Tracing' sh
}

@test "the README's 'Using the device' examples run word for word in make shell, on each kernel" {
	local k script
	script=$(readme_script)
	echo "$script"
	# The examples are there: the fd block and the program.
	grep -q '^exec 5<>/dev/vmalock' <<<"$script"
	grep -q 'mmap(NULL, len' <<<"$script"
	for k in $("$TOP/scripts/kernels.sh" --bootable); do
		run shell_stdin "$k" <<<"$script"
		echo "== $k"
		echo "$output"
		[ "$status" -eq 0 ]
		grep -qx '128' <<<"$output"
		grep -qx '1 0' <<<"$output"
		[ "$(grep -c '^verify: ok$' <<<"$output")" -ge 2 ]
		grep -q '^mismatches: 0$' <<<"$output"
		# Tracing: perf stat counted 64 fault starts, perf script showed
		# fault ends, trace-cmd saw the 16 faults, tracefs the FILL.
		grep -Eq '^ +64 +vmalock:vmalock_fault_start' <<<"$output"
		grep -q 'vmalock_fault_end:.* path=vma ' <<<"$output"
		grep -qx '16' <<<"$output"
		grep -q 'vmalock_write_begin:.* first=0 last=7 ' <<<"$output"
	done
}
