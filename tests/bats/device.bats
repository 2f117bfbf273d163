#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The device node, the module's parameters, load banner and ioctl contract.

load lib

setup() { vmalock_setup; }
teardown() { vmalock_teardown; }

@test "/dev/vmalock is a character device readable and writable by every user" {
	[ -c /dev/vmalock ]
	[ "$(stat -c %a /dev/vmalock)" = 666 ]
}

@test "an unprivileged user can map the device and fault pages" {
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CTL" touch --pages 8 --write --verify
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the load banner names the module version and ABI" {
	kernel_log_since_mark | grep -E 'vmalock: vmalock [0-9]+\.[0-9]+\.[0-9]+ loaded \(abi [0-9]+'
}

@test "region_mb is 0644, defaults to 64 and sizes the next open" {
	local p=/sys/module/vmalock/parameters/region_mb
	[ "$(stat -c %a $p)" = 644 ]
	[ "$(cat $p)" = 64 ]
	"$CTL" info | grep -x 'region_bytes: 67108864'
	echo 8 >$p
	"$CTL" info | grep -x 'region_bytes: 8388608'
	run "$MAPTEST" sigbus-past-end
	[ "$status" -eq 0 ]
}

@test "region_mb rejects 0 and sizes past 1 TiB with EINVAL" {
	local p=/sys/module/vmalock/parameters/region_mb
	run -1 bash -c "echo 0 > $p"
	[[ "$output" == *"Invalid argument"* ]]
	run -1 bash -c "echo 1048577 > $p"
	[[ "$output" == *"Invalid argument"* ]]
	[ "$(cat $p)" = 64 ]
}

@test "loading with an invalid region_mb fails and leaves nothing behind" {
	unload_vmalock
	run -1 load_vmalock region_mb=0
	! module_loaded
	[ ! -e /dev/vmalock ]
}

@test "ioctls answer ENOTTY, EINVAL and EFAULT as the ABI header says" {
	run "$MAPTEST" ioctl-errors
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "debugfs mirrors the counters the ioctl reports" {
	"$CTL" touch --pages 5 >/dev/null
	local f=/sys/kernel/debug/vmalock/stats
	[ "$(stat -c %a $f)" = 444 ]
	[ "$(awk '$1 == "faults" { print $2 }' $f)" = "$(counter faults)" ]
	[ "$(awk '$1 == "pages_allocated" { print $2 }' $f)" = "$(counter pages_allocated)" ]
}
