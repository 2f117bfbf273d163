#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vmalock-stress.sh [--preset quick|soak] [--seed N] [--ko PATH] [--keep]
#                   [-- VMALOCKCTL-STRESS-OPTIONS...]
#
# Run "vmalockctl stress" against /dev/vmalock with a preset, then judge
# the run the way the test suites do: every stress run exits 0, the
# module's page counters balance once the regions are closed, and the
# kernel log gained no WARNING, BUG, Oops, KASAN, lockdep or bad-page
# report.  Plain POSIX shell: it runs the same on a real machine (as root)
# as in the test guest.
#
# Presets (one vmalockctl stress run per line):
#   quick  every lock mode (mixed, mmap, vma, spec) for 20000 operations
#          or 30 s each, then mixed with fault injection: about 20 s in a
#          stock kernel under emulation, 90 s in the debug kernel, seconds
#          on hardware.  "make check" runs it.
#   soak   the same six runs with 10 million operations or 10 minutes each.
# --seed N   seed of the first run (each further run adds 1); default: from
#            the clock.  A failure prints the seed that replays it.
# --ko PATH  load this vmalock.ko (and unload it at the end) instead of the
#            module already loaded or "modprobe vmalock".
# --keep     leave the module loaded at the end.
# Further options after "--" go to every vmalockctl stress run (e.g.
# --threads 8).
#
# Environment: VMALOCKCTL (default: in the source tree, its
# ioctl-tool/vmalockctl; installed by "make install" as vmalock-stress,
# the vmalockctl beside it; else vmalockctl from PATH).
#
# Exit status: 0 if every run passed; 1 otherwise; 2 on a usage error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prog=${0##*/}
# In the source tree this is tests/stress/, with the tool in ioctl-tool/
# and the kernel-log check in tests/guest/.  Installed ("make install"),
# it is PREFIX/sbin/vmalock-stress: vmalockctl beside it, the check in
# PREFIX/lib/vmalock/.
if [ -e "$here/../guest/check-kernel-log" ]; then
	top=$(cd "$here/../.." && pwd)
	ctl_default=$top/ioctl-tool/vmalockctl
	check_log=$top/tests/guest/check-kernel-log
else
	ctl_default=$here/vmalockctl
	check_log=$here/../lib/vmalock/check-kernel-log
fi

usage() {
	sed -n '4,6s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

preset=quick
seed=
ko=
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--preset) [ $# -ge 2 ] || usage; preset=$2; shift ;;
	--seed) [ $# -ge 2 ] || usage; seed=$2; shift ;;
	--ko) [ $# -ge 2 ] || usage; ko=$2; shift ;;
	--keep) keep=1 ;;
	--) shift; break ;;
	-h | --help) sed -n '4,/^set -eu/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "$prog: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done
case $preset in
quick) ops=20000 secs=30 ;;
soak) ops=10000000 secs=600 ;;
*) echo "$prog: unknown preset '$preset' (quick or soak)" >&2; exit 2 ;;
esac
case $seed in
'') seed=$(date +%s) ;;
*[!0-9]*) echo "$prog: --seed takes a decimal number" >&2; exit 2 ;;
esac

ctl=${VMALOCKCTL:-$ctl_default}
[ -x "$ctl" ] || ctl=$(command -v vmalockctl) || {
	echo "$prog: vmalockctl not found: run 'make' or set VMALOCKCTL" >&2
	exit 1
}

log() { echo "$prog: $*"; }

# Load the module unless it is there already; remember whether we did.
loaded_here=0
if [ -n "$ko" ]; then
	[ ! -e /sys/module/vmalock ] || "$ctl" unload
	"$ctl" load --path "$ko"
	loaded_here=1
elif [ ! -e /sys/module/vmalock ]; then
	modprobe vmalock
	loaded_here=1
fi

set_param() {
	echo "$2" >"/sys/module/vmalock/parameters/$1"
}

# Remember where the kernel log ends: only what the runs add is judged.
klog_start=$(dmesg | wc -l)
failed=0
runs=0
start=$(date +%s)

# run NAME [vmalockctl stress options...]
run() {
	name=$1
	shift
	runs=$((runs + 1))
	log "run $runs: $name (seed $seed)"
	if "$ctl" stress --seed "$seed" --ops "$ops" --seconds "$secs" "$@"; then
		log "run $runs: $name passed"
	else
		log "run $runs: $name FAILED; replay: $ctl stress --seed $seed --ops $ops --seconds $secs $*"
		failed=$((failed + 1))
	fi
	seed=$((seed + 1))
}

run "mixed modes" "$@"
run "mode mmap" --mode mmap "$@"
run "mode vma" --mode vma "$@"
run "mode spec" --mode spec "$@"
# Every 7th order-0 block and every 2nd order-4 block fail: faults must
# fall back or fail with VM_FAULT_OOM, and nothing may leak.
set_param inject_fail_order 0
set_param inject_fail_every 7
run "mixed modes, every 7th order-0 allocation failing" "$@"
set_param inject_fail_order 4
set_param inject_fail_every 2
run "mixed modes, every 2nd order-4 allocation failing" "$@"
set_param inject_fail_every 0

# The runs closed every region: nothing may be left allocated.
held=$("$ctl" stats | awk '$1 == "pages_allocated" { a = $2 } $1 == "pages_freed" { f = $2 } END { print a, f }')
set -- $held
if [ $# -ne 2 ] || [ "$1" -ne "$2" ]; then
	log "FAILED: pages_allocated and pages_freed differ after every region closed: $held"
	failed=$((failed + 1))
else
	log "pages: $1 allocated, $2 freed"
fi

if [ $loaded_here -eq 1 ] && [ $keep -eq 0 ]; then
	"$ctl" unload
fi

# The kernel log, judged by the same patterns as every test run.
klog=$(mktemp)
dmesg | tail -n +"$((klog_start + 1))" >"$klog"
if [ -x "$check_log" ]; then
	"$check_log" "$klog" || { log "FAILED: the kernel log has findings"; failed=$((failed + 1)); }
elif grep -Eq 'WARNING:|BUG:|Oops|KASAN|circular locking|[Bb]ad page' "$klog"; then
	log "FAILED: the kernel log has findings:"
	grep -E 'WARNING:|BUG:|Oops|KASAN|circular locking|[Bb]ad page' "$klog"
	failed=$((failed + 1))
fi
rm -f "$klog"

log "$runs runs, $failed failed, $(($(date +%s) - start)) s"
[ $failed -eq 0 ]
