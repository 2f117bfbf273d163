#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb-test.sh [KVER...]: the Debian packages, end to end, on the host as
# root.  Builds them (scripts/deb-build.sh: dpkg-buildpackage, lintian),
# installs vmalock-dkms and vmalockctl with apt-get, checks that dkms built
# and installed the module for every installed supported kernel
# (scripts/kernels.sh), boots each KVER (default: every bootable supported
# kernel) and there loads the packaged module with plain "modprobe vmalock"
# and drives it with /usr/sbin/vmalockctl, then purges both packages and
# checks that nothing of them is left.  Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/dkms-lib.sh"
out=$top/tests/out/deb
debs=$top/build/deb
pkgs=(vmalock-dkms vmalockctl)

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP installs packages: run as root"; exit 0; }
kvers=("$@")
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <("$top/scripts/kernels.sh" --bootable)
mapfile -t hosts < <("$top/scripts/kernels.sh")

# Another engineer's package or dkms install here: theirs to remove.
if dpkg-query -W -f='${db:Status-Abbrev}\n' "${pkgs[@]}" 2>/dev/null | grep -q '^[^u]'; then
	echo "1..0 # SKIP vmalock-dkms or vmalockctl is installed here; 'apt purge vmalock-dkms vmalockctl' first"
	exit 0
fi
if ! dkms_wait_idle; then
	echo "1..0 # SKIP vmalock is already registered with dkms here; 'make dkms-remove' first"
	exit 0
fi

echo "1..$((6 + ${#hosts[@]} + ${#kvers[@]}))"
rm -rf "$out"
mkdir -p "$out"

"$top/scripts/deb-build.sh" >"$out/build.log" 2>&1
rc=$?
dkms_deb=$(ls "$debs"/vmalock-dkms_"$ver"_all.deb 2>/dev/null)
tool_deb=$(ls "$debs"/vmalockctl_"$ver"_*.deb 2>/dev/null)
[ -n "$dkms_deb" ] && [ -n "$tool_deb" ]
tap $? "dpkg-buildpackage builds vmalock-dkms and vmalockctl $ver"
if [ -z "$dkms_deb" ] || [ -z "$tool_deb" ]; then
	sed 's/^/# /' "$out/build.log"
	exit 1
fi
tap $rc "lintian reports no error or warning"
[ $rc -eq 0 ] || sed -n '/^== lintian/,$s/^/# /p' "$out/build.log"

# From here on, whatever happens, leave the machine as it was.
trap 'apt-get purge -y -q "${pkgs[@]}" >/dev/null 2>&1' EXIT

DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"$dkms_deb" "$tool_deb" >"$out/install.log" 2>&1
rc=$?
tap $rc "apt-get install ./vmalock-dkms_${ver}_all.deb ./${tool_deb##*/}"
[ $rc -eq 0 ] || sed 's/^/# /' "$out/install.log"

for k in "${hosts[@]}"; do
	dkms_installed "$k"
	tap $? "the package's postinst had dkms build and install vmalock for $k"
done
[[ "$(/usr/sbin/vmalockctl --version 2>&1)" == "vmalockctl $ver "* ]]
tap $? "/usr/sbin/vmalockctl --version is $ver"

for k in "${kvers[@]}"; do
	if [ $rc -eq 0 ]; then
		guest_modprobe "$k" "$out/guest-$k" /usr/sbin/vmalockctl
		tap $? "modprobe loads the packaged vmalock on $k, /usr/sbin/vmalockctl drives it"
	else
		tap 1 "modprobe loads the packaged vmalock on $k # not booted: the install failed"
	fi
done

DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${pkgs[@]}" >"$out/purge.log" 2>&1
rc=$?
tap $rc "apt-get purge vmalock-dkms vmalockctl"
[ $rc -eq 0 ] || sed 's/^/# /' "$out/purge.log"

left=$(
	shopt -s nullglob
	printf '%s\n' /usr/src/vmalock-* /var/lib/dkms/vmalock \
		/lib/modules/*/updates/dkms/vmalock.ko* /usr/sbin/vmalockctl |
		while read -r f; do [ -e "$f" ] && echo "$f"; done
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${pkgs[@]}" 2>/dev/null |
		grep -v '^un ' | grep -v '^ *$'
)
[ -z "$left" ]
tap $? "nothing of either package is left after the purge"
[ -z "$left" ] || sed 's/^/# left: /' <<<"$left"
exit $failed
