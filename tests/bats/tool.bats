#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# vmalockctl's own contract: help, argument errors (exit 2), runtime errors
# (exit 1, with a message saying what to do), load and unload via libkmod.

load lib

setup() {
	unload_vmalock
	mark_kernel_log
}

teardown() { vmalock_teardown; }

@test "every command has --help" {
	for cmd in load unload info stats touch mode order size invalidate fill delay region stress fuzz bench; do
		run -0 "$CTL" "$cmd" --help
		[[ "$output" == *"Usage"* || "$output" == *"usage"* ]]
	done
	run -0 "$CTL" --help
}

@test "without the module, commands that need it fail and say how to load it" {
	for cmd in "stats" "touch --pages 1"; do
		run -1 "$CTL" $cmd
		[[ "$output" == *"not loaded"* || "$output" == *"vmalockctl load"* ]]
	done
	run -1 "$CTL" unload
	[[ "$output" == *"not loaded"* ]]
}

@test "info works without the module and reports it" {
	run -0 "$CTL" info
	echo "$output"
	grep -x 'module: not loaded' <<<"$output"
	grep -x "kernel: $KVER" <<<"$output"
}

@test "bad arguments exit 2" {
	run -2 "$CTL" no-such-command
	run -2 "$CTL" touch --pages nonsense
	run -2 "$CTL" touch --no-such-option
	run -2 "$CTL" stats --bogus
}

@test "load through libkmod, refuse a second load, unload" {
	run -0 load_vmalock
	[[ "$output" == *"loaded vmalock"* ]]
	module_loaded
	run -1 load_vmalock
	[[ "$output" == *"already loaded"* ]]
	run -0 "$CTL" info
	grep -E '^module: [0-9]+\.[0-9]+\.[0-9]+$' <<<"$output"
	run -0 "$CTL" unload
	! module_loaded
}

@test "load of a missing file fails clearly" {
	run -1 "$CTL" load --path /nonexistent/vmalock.ko
	[[ "$output" == *"/nonexistent/vmalock.ko"* ]]
	! module_loaded
}
