#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-test.sh [--root DIR] KVER...: install vmalock with dkms for every
# given kernel from the host, then boot each kernel and load the
# dkms-installed module with plain "modprobe vmalock", fault pages through
# it and unload it.  Removes the dkms install afterwards.  Prints TAP.
#
# With --root DIR (the sid root of scripts/sid-root.sh, holding a copy of
# this tree at the same path), dkms runs inside DIR, with DIR's compiler and
# headers, and the guest boots DIR's kernel with DIR as its root: where
# users of the newest kernel meet dkms.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/dkms-lib.sh"

root=
if [ "${1:-}" = --root ]; then
	root=$2
	shift 2
fi
# in_root CMD...: CMD on this machine, or inside --root.
in_root() {
	if [ -n "$root" ]; then
		VMALOCK_SID_ROOT=$root "$top/scripts/sid-root.sh" --run "$@"
	else
		"$@"
	fi
}
# lib FUNCTION ARGS...: a dkms-lib.sh function, where dkms runs.
lib() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	in_root bash -c 'top=$1; shift; . "$top/tests/dkms-lib.sh"; "$@"' lib "$top" "$@"
}
where=${root:+the sid root}
where=${where:-the host}

# The sid root is this lane's own: what a failed run left there goes.
[ -z "$root" ] || in_root "$top/scripts/dkms.sh" remove >/dev/null 2>&1
if ! lib dkms_wait_idle; then
	if [ -n "$root" ]; then
		echo "1..1"
		echo "not ok 1 dkms in the sid root: vmalock still registered after dkms.sh remove"
		exit 1
	fi
	echo "1..0 # SKIP vmalock is already registered with dkms in $where; 'make dkms-remove' first"
	exit 0
fi

echo "1..$((2 * $#))"
trap 'in_root "$top/scripts/dkms.sh" remove >/dev/null 2>&1' EXIT
mkdir -p "$top/tests/out"

in_root "$top/scripts/dkms.sh" install "$@" >"$top/tests/out/dkms-install.log" 2>&1
rc=$?
for k in "$@"; do
	[ $rc -eq 0 ] && lib dkms_installed "$k"
	tap $? "dkms add/build/install from $where for $k"
done
[ $rc -eq 0 ] || sed 's/^/# /' "$top/tests/out/dkms-install.log"

# In the guest: modprobe finds the dkms module, the tool drives it.
for k in "$@"; do
	guest_modprobe "$k" "$top/tests/out/dkms-$k" ioctl-tool/vmalockctl ${root:+"$root"}
	tap $? "modprobe loads the dkms-installed vmalock on $k"
done
exit $failed
