#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-test.sh KVER...: install vmalock with dkms for every given kernel from
# the host, then boot each kernel and load the dkms-installed module with
# plain "modprobe vmalock", fault pages through it and unload it.  Removes
# the dkms install afterwards.  Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
n=0 failed=0

if [ -n "$(dkms status -m vmalock 2>/dev/null)" ] || [ -e /var/lib/dkms/vmalock ]; then
	echo "1..0 # SKIP vmalock is already registered with dkms here; 'make dkms-remove' first"
	exit 0
fi

echo "1..$((2 * $#))"
trap '"$top/scripts/dkms.sh" remove >/dev/null 2>&1' EXIT

tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}

"$top/scripts/dkms.sh" install "$@" >"$top/tests/out/dkms-install.log" 2>&1
rc=$?
for k in "$@"; do
	found=0
	[ $rc -eq 0 ] && ls "/lib/modules/$k/updates/dkms/vmalock.ko"* >/dev/null 2>&1 && found=1
	tap $((1 - found)) "dkms add/build/install from the host for $k"
done
[ $rc -eq 0 ] || sed 's/^/# /' "$top/tests/out/dkms-install.log"

# In the guest: modprobe finds the dkms module, the tool drives it.
guest_script='set -e
modinfo -n vmalock | grep -q /updates/dkms/
modprobe vmalock
dmesg | grep -q "vmalock '"$ver"' loaded"
ioctl-tool/vmalockctl info | grep -qx "module: '"$ver"'"
ioctl-tool/vmalockctl touch --pages 64 --write --verify
modprobe -r vmalock'
for k in "$@"; do
	(cd "$top" && "$top/tests/guest/run-in-guest" --kernel "$k" \
		--out "$top/tests/out/dkms-$k" -- sh -c "$guest_script") 2>&1 | sed 's/^/# /'
	tap "${PIPESTATUS[0]}" "modprobe loads the dkms-installed vmalock on $k"
done
exit $failed
