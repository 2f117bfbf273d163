#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo itself, run as root on a kernel that can load modules (the guest
# of "make demo", or the host with VMALOCK_DEMO_HOST=1).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ctl=$top/ioctl-tool/vmalockctl
threads=${VMALOCK_DEMO_THREADS:-4}
pages=${VMALOCK_DEMO_PAGES:-16384}

show() {
	echo
	echo "\$ vmalockctl $*"
	"$ctl" "$@"
}

[ -e /sys/module/vmalock ] && "$ctl" unload
"$ctl" load --path "${VMALOCK_KO:-$top/build/$(uname -r)/vmalock.ko}"
show info
# The same first-touch workload under each lock mode of the fault path.
for mode in mmap vma spec; do
	show touch --mode "$mode" --pages "$pages" --threads "$threads" --write --verify
done
show touch --mode spec --order 4 --pages "$pages" --threads "$threads" --write --verify
show touch --pages "$pages" --threads "$threads" --private --write --verify
show stats
"$ctl" stats --dmesg >/dev/null
"$ctl" unload
echo
echo "\$ dmesg | grep vmalock"
dmesg | sed -n '/vmalock: vmalock .* loaded/,$p' | grep -v -E 'audit|systemd' || true
