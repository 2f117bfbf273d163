#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh install [KVER...]   copy the module sources to /usr/src, then dkms
#                             add, build and install for each kernel (default:
#                             every installed supported kernel)
# dkms.sh remove              dkms remove for every kernel, and the sources
#
# Run as root.  Kernels need not be running: dkms builds against headers.
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
	rm -rf "$src"
	mkdir -p "$src"
	cp -r "$top/dkms.conf" "$top/Kbuild" "$top/module" "$src/"
	registered || dkms add -m vmalock -v "$ver"
	for k in "${kvers[@]}"; do
		dkms build -m vmalock -v "$ver" -k "$k"
		dkms install -m vmalock -v "$ver" -k "$k" --force
	done
	dkms status -m vmalock
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
