# SPDX-License-Identifier: GPL-2.0
# Shared setup for the vmalock bats suites.  They run as root inside a guest
# booted by tests/guest/run-in-guest, against the module built for the
# running kernel; like kselftest fixtures, setup loads the module and
# teardown unloads it and checks what the kernel logged meanwhile.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
KVER=$(uname -r)
# VMALOCK_KO: another build of the module, e.g. an older one to compare.
KO=${VMALOCK_KO:-$TOP/build/$KVER/vmalock.ko}
CTL=$TOP/ioctl-tool/vmalockctl
MAPTEST=$TOP/tests/helpers/maptest
CHECK_LOG=$TOP/tests/guest/check-kernel-log

bats_require_minimum_version 1.5.0

# kernel_at_least MAJOR MINOR: is the running kernel that release or newer?
kernel_at_least() {
	local major minor
	IFS=. read -r major minor _ <<<"$KVER"
	minor=${minor%%[!0-9]*}
	[ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}

module_loaded() {
	[ -e /sys/module/vmalock ]
}

load_vmalock() {
	"$CTL" load --path "$KO" "$@"
}

unload_vmalock() {
	if module_loaded; then
		"$CTL" unload
	fi
}

# Remember where the kernel log ends, so a test can look at what it added.
mark_kernel_log() {
	KLOG_MARK=$(dmesg | wc -l)
}

kernel_log_since_mark() {
	dmesg | tail -n +"$((KLOG_MARK + 1))"
}

# logged_counter NAME < LOG: the value of counter NAME in a block of
# "vmalock: counters WHY: NAME VALUE" lines read from stdin (the last one).
logged_counter() {
	sed -nE "s/.*vmalock: counters [^:]*: $1 +([0-9]+)\r?$/\1/p" | tail -n 1
}

# The last counter of the ABI the module and the tool share.
LAST_COUNTER=cleaned

# counter NAME: one counter from "vmalockctl stats --json".
counter() {
	"$CTL" stats --json | jq -er ".$1"
}

# The counters as a JSON object, to diff against later.
stats_snapshot() {
	"$CTL" stats --json
}

# delta SNAPSHOT NAME: how much counter NAME grew since SNAPSHOT.
delta() {
	local before now
	before=$(jq -er ".$2" <<<"$1")
	now=$(counter "$2")
	echo $((now - before))
}

# Fixture for suites that want the module loaded around every test.
vmalock_setup() {
	unload_vmalock
	mark_kernel_log
	load_vmalock
}

vmalock_teardown() {
	unload_vmalock
	kernel_log_since_mark >"$BATS_TEST_TMPDIR/kernel.log"
	"$CHECK_LOG" "$BATS_TEST_TMPDIR/kernel.log"
}
