# SPDX-License-Identifier: GPL-2.0
#
# dkms-lib.sh: what tests/dkms-test.sh and tests/deb-test.sh share, sourced
# by them after they set $top (the repository).  Defines:
#   ver                  dkms.conf's PACKAGE_VERSION
#   n, failed            the TAP test number and whether any test failed
#   tap STATUS DESC      print "ok N DESC" (STATUS 0) or "not ok N DESC"
#   dkms_wait_idle       wait until no vmalock is known to dkms or in /usr/src
#                        (another engineer's run on this machine), at most
#                        $VMALOCK_DKMS_WAIT seconds (default 120); false if
#                        one still is
#   dkms_installed K     whether dkms reports vmalock installed for kernel K
#                        and modinfo resolves vmalock to its updates/dkms copy
#   guest_modprobe K OUT TOOL [ROOT]
#                        boot K with run-in-guest (output in OUT; with ROOT,
#                        run-in-guest --root ROOT) and there:
#                        modinfo resolves vmalock to updates/dkms, plain
#                        "modprobe vmalock" loads it, TOOL info reports its
#                        version, TOOL touch faults pages, modprobe -r unloads
#                        it.  The guest's output goes to stdout as TAP
#                        comments; returns run-in-guest's status.

ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
n=0 failed=0

tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}

# Captured, not piped into "grep -q": with pipefail, grep exiting early
# would fail the pipeline.
dkms_busy() {
	[ -n "$(dkms status -m vmalock 2>/dev/null)" ] || [ -e /var/lib/dkms/vmalock ] ||
		compgen -G '/usr/src/vmalock-*' >/dev/null
}

dkms_wait_idle() {
	local waited=0 limit=${VMALOCK_DKMS_WAIT:-120}

	while dkms_busy; do
		[ "$waited" -lt "$limit" ] || return 1
		[ "$waited" -gt 0 ] || echo "# vmalock is registered with dkms (another run?): waiting up to ${limit}s"
		sleep 10
		waited=$((waited + 10))
	done
}

dkms_installed() {
	local k=$1 status path

	status=$(dkms status -m vmalock -v "$ver" -k "$k" 2>/dev/null)
	path=$(modinfo -k "$k" -n vmalock 2>/dev/null)
	[[ "$status" == *": installed"* && "$path" == "/lib/modules/$k/updates/dkms/vmalock.ko"* ]]
}

guest_modprobe() {
	local k=$1 out=$2 tool=$3 script root_opt=()

	[ -z "${4:-}" ] || root_opt=(--root "$4")

	script='set -ex
modinfo -n vmalock | grep /updates/dkms/
modprobe vmalock
dmesg | grep "vmalock '"$ver"' loaded"
'"$tool"' info | grep -x "module: '"$ver"'"
'"$tool"' touch --pages 64 --write --verify
modprobe -r vmalock'
	(cd "$top" && "$top/tests/guest/run-in-guest" "${root_opt[@]}" --kernel "$k" --timeout 600 \
		--out "$out" -- sh -c "$script") 2>&1 | sed 's/^/# /'
	return "${PIPESTATUS[0]}"
}
