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

# Every "-x, --long" pair in every command's --help, as "COMMAND -x --long".
short_options() {
	local cmd
	for cmd in $("$CTL" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'); do
		"$CTL" "$cmd" --help | sed -nE "s/^ +(-[a-zA-Z]), (--[a-z-]+).*/$cmd \1 \2/p"
	done
}

@test "a short option means the same long option in every command" {
	local pairs
	pairs=$(short_options)
	echo "$pairs"
	[ "$(wc -l <<<"$pairs")" -gt 20 ]
	# One long option per short one, whatever the command.
	[ -z "$(awk '{ print $2, $3 }' <<<"$pairs" | sort -u | awk '{ print $1 }' | uniq -d)" ]
	# The ones the README's conventions table names.
	for want in "-t --threads" "-n --pages" "-s --seed" "-j --json" "-h --help"; do
		awk '{ print $2, $3 }' <<<"$pairs" | grep -qx -- "$want"
	done
	# Seconds and operations have no short form anywhere.
	! grep -E -- ' --(seconds|ops)$' <<<"$pairs"
}

@test "with --json, or VMALOCKCTL_JSON_ERRORS=1, errors are one JSON object on stderr" {
	run -2 --separate-stderr "$CTL" touch --json --no-such-option
	[ -z "$output" ]
	jq -e '.level == "error" and .kind == "usage" and .command == "touch" and
		(.message | test("no-such-option")) and .hint == "vmalockctl touch --help"' <<<"$stderr"
	# Runtime: the module is not loaded.
	run -1 --separate-stderr "$CTL" stats --json
	jq -e '.kind == "runtime" and (.message | test("vmalockctl load"))' <<<"$stderr"
	run -1 --separate-stderr env VMALOCKCTL_JSON_ERRORS=1 "$CTL" fill --fd 9 0 4096 1
	jq -e '.kind == "runtime" and .command == "fill"' <<<"$stderr"
	# Without either, the usual text.
	run -2 --separate-stderr "$CTL" touch --no-such-option
	[[ "$stderr" == "vmalockctl: touch: unknown option '--no-such-option'"* ]]
}

@test "the tool, the module and dkms.conf carry one version" {
	local want
	want=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
	run -0 "$CTL" --version
	[[ "$output" == "vmalockctl $want (abi "* ]]
	load_vmalock
	run -0 "$CTL" info
	grep -x "module: $want" <<<"$output"
	grep -x "tool_version: $want" <<<"$output"
}
