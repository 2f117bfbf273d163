#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-test.sh KVER...: install vmalock with dkms for every given kernel from
# the host, then boot each kernel and load the dkms-installed module with
# plain "modprobe vmalock", fault pages through it and unload it.  Removes
# the dkms install afterwards.  Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/dkms-lib.sh"

if ! dkms_wait_idle; then
	echo "1..0 # SKIP vmalock is already registered with dkms here; 'make dkms-remove' first"
	exit 0
fi

echo "1..$((2 * $#))"
trap '"$top/scripts/dkms.sh" remove >/dev/null 2>&1' EXIT
mkdir -p "$top/tests/out"

"$top/scripts/dkms.sh" install "$@" >"$top/tests/out/dkms-install.log" 2>&1
rc=$?
for k in "$@"; do
	[ $rc -eq 0 ] && dkms_installed "$k"
	tap $? "dkms add/build/install from the host for $k"
done
[ $rc -eq 0 ] || sed 's/^/# /' "$top/tests/out/dkms-install.log"

# In the guest: modprobe finds the dkms module, the tool drives it.
for k in "$@"; do
	guest_modprobe "$k" "$top/tests/out/dkms-$k" ioctl-tool/vmalockctl
	tap $? "modprobe loads the dkms-installed vmalock on $k"
done
exit $failed
