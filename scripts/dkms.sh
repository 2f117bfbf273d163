#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh install [KVER...]   copy the module sources to /usr/src, then dkms
#                             add, build and install for each kernel (default:
#                             every installed supported kernel)
# dkms.sh remove              dkms remove for every kernel, and the sources
#
# Run as root.  Kernels need not be running: dkms builds against headers.
# install names the kernels it built for, and warns when the running one is
# not among them.  The tool (vmalockctl) is not part of it: "make install".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
src=/usr/src/vmalock-$ver

# Whether dkms knows this version.  Captured, not piped into "grep -q": with
# pipefail, grep exiting early would fail the pipeline and answer "no".
registered() {
	[ -n "$(dkms status -m vmalock -v "$ver" 2>/dev/null)" ]
}

case "${1:-}" in
install)
	shift
	kvers=("$@")
	[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <("$top/scripts/kernels.sh")
	[ ${#kvers[@]} -gt 0 ] || { echo "dkms.sh: no supported kernel headers installed: run 'make deps'" >&2; exit 1; }
	rm -rf "$src"
	mkdir -p "$src"
	cp -r "$top/dkms.conf" "$top/Kbuild" "$top/module" "$src/"
	registered || dkms add -m vmalock -v "$ver"
	for k in "${kvers[@]}"; do
		dkms build -m vmalock -v "$ver" -k "$k"
		dkms install -m vmalock -v "$ver" -k "$k" --force
	done
	dkms status -m vmalock
	echo "dkms.sh: vmalock $ver built and installed for: ${kvers[*]}"
	# The usual surprise: headers for the running kernel missing, so
	# "modprobe vmalock" finds nothing until the next boot (or ever).
	running=$(uname -r)
	case " ${kvers[*]} " in
	*" $running "*) ;;
	*)
		echo "dkms.sh: WARNING: not built for the running kernel $running:" \
			"'modprobe vmalock' will not find it until you boot one of the" \
			"kernels above (for $running: install linux-headers-$running," \
			"then 'make dkms-install KVER=$running')" >&2
		;;
	esac
	echo "dkms.sh: this installs the module only; 'make install' installs vmalockctl"
	;;
remove)
	if registered; then
		dkms remove -m vmalock -v "$ver" --all
	fi
	rm -rf "$src"
	;;
*)
	echo "usage: dkms.sh install [KVER...] | remove" >&2
	exit 2
	;;
esac
