#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, with apt-get, everything vmalock needs on a Debian 12 (bookworm)
# machine: build tools, libkmod, bats, dkms, QEMU, busybox for the guest's
# initramfs, sparse, the kernel source (for checkpatch.pl and the
# debug-kernel lane, with what a kernel build needs), the two supported
# kernels with their headers, and what "make deb" needs (debhelper, dh-dkms,
# lintian), and what the install suite checks the man pages and the
# completion with (man-db, groff-base, bash-completion), and the tracers
# the README's tracing example and the tracepoint suite use (linux-perf,
# trace-cmd), and debootstrap for the sid root of the newest-kernel lane.
#
# Idempotent: when every package is already installed it runs no apt-get at
# all and returns in well under a second.
set -euo pipefail

packages=(
	build-essential pkg-config libkmod-dev kmod
	bats jq dkms sparse gnuplot-nox
	qemu-system-x86 busybox-static cpio xz-utils
	linux-source-6.12 flex bison bc libelf-dev libssl-dev
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-image-amd64 linux-headers-amd64
	dpkg-dev debhelper dh-dkms fakeroot lintian
	man-db groff-base bash-completion
	linux-perf trace-cmd
	debootstrap
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[ "${status:0:2}" = "ii" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
