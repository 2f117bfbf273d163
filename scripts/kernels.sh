#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh [--bootable] [--root DIR]
#
# Print the installed kernels vmalock supports, one release per line, oldest
# first: those with headers (/lib/modules/KVER/build) and version >= 6.1.
# With --bootable, only those whose image is in /boot too (the guest tests
# boot them).  With --root DIR, the kernels installed in DIR (the sid root
# of scripts/sid-root.sh) instead of this machine's.
set -euo pipefail

min_major=6 min_minor=1
bootable=0
root=
while [ $# -gt 0 ]; do
	case $1 in
	--bootable) bootable=1 ;;
	--root) root=${2:?--root needs a directory}; shift ;;
	*) echo "usage: kernels.sh [--bootable] [--root DIR]" >&2; exit 2 ;;
	esac
	shift
done

for dir in "$root"/lib/modules/*/; do
	kver=$(basename "$dir")
	# build is usually a symlink to /usr/src/...: resolve it inside the root.
	build=$dir/build
	if [ -L "$build" ]; then
		build=$(readlink "$build")
		case $build in
		/*) build=$root$build ;;
		*) build=$dir/$build ;;
		esac
	fi
	[ -e "$build/Makefile" ] || continue
	[ $bootable -eq 0 ] || [ -e "$root/boot/vmlinuz-$kver" ] || continue
	IFS=. read -r major minor _ <<<"$kver"
	[[ "$major" =~ ^[0-9]+$ && "${minor%%[!0-9]*}" =~ ^[0-9]+$ ]] || continue
	minor=${minor%%[!0-9]*}
	if [ "$major" -gt $min_major ] ||
	   { [ "$major" -eq $min_major ] && [ "$minor" -ge $min_minor ]; }; then
		echo "$kver"
	fi
done | sort -V
