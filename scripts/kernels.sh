#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the installed kernels vmalock supports, one release per line, oldest
# first: those with headers (/lib/modules/KVER/build) and version >= 6.1.
# With --bootable, only those whose image is in /boot too (the guest tests
# boot them).
set -euo pipefail

min_major=6 min_minor=1
bootable=0
[ "${1:-}" = "--bootable" ] && bootable=1

for dir in /lib/modules/*/; do
	kver=$(basename "$dir")
	[ -e "$dir/build/Makefile" ] || continue
	[ $bootable -eq 0 ] || [ -e "/boot/vmlinuz-$kver" ] || continue
	IFS=. read -r major minor _ <<<"$kver"
	[[ "$major" =~ ^[0-9]+$ && "${minor%%[!0-9]*}" =~ ^[0-9]+$ ]] || continue
	minor=${minor%%[!0-9]*}
	if [ "$major" -gt $min_major ] ||
	   { [ "$major" -eq $min_major ] && [ "$minor" -ge $min_minor ]; }; then
		echo "$kver"
	fi
done | sort -V
