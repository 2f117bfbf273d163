#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [--print]
#
# Build (or reuse) the debug-kernel lane's 6.12 kernel and print the path of
# its build tree on stdout: the tree holds arch/x86/boot/bzImage, and
# vmalock builds against it with scripts/build-module.sh KVER TREE.
#
# The kernel is Debian's linux-source-6.12 (the same source as the stock
# 6.12 kernel the other lanes boot) configured from x86_64_defconfig, then
# kvm_guest.config, then scripts/debug-kernel.config (KASAN, lockdep,
# DEBUG_VM, DEBUG_ATOMIC_SLEEP, PER_VMA_LOCK_STATS, 9p and overlay built in).
#
# It is cached outside the repository, under
# ${VMALOCK_CACHE:-~/.cache/vmalock}/debug-kernel/KEY/, where KEY hashes the
# source tarball's identity, the config fragment and this script: it is
# rebuilt exactly when one of them changes.  A finished tree carries a
# .vmalock-built stamp; an interrupted build is resumed by make.
#
# --print only prints the tree path if a finished build is cached, and
# exits 1 otherwise.  VMALOCK_JOBS sets make -j (default: cores + 1).
# Measured on a 2-core machine: about 19 minutes from scratch.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prog=${0##*/}
tarball=/usr/src/linux-source-6.12.tar.xz
fragment=$here/debug-kernel.config
cache=${VMALOCK_CACHE:-$HOME/.cache/vmalock}/debug-kernel
jobs=${VMALOCK_JOBS:-$(($(nproc) + 1))}

print_only=0
case ${1:-} in
--print) print_only=1 ;;
"") ;;
*) echo "usage: $prog [--print]" >&2; exit 2 ;;
esac

if [ ! -e "$tarball" ]; then
	echo "$prog: $tarball missing: run 'make deps' (package linux-source-6.12)" >&2
	exit 1
fi

key=$( {
	stat -c '%n %s %Y' "$tarball"
	cat "$fragment" "$0"
} | sha256sum | cut -c1-16)
base=$cache/$key
tree=$base/linux-source-6.12

if [ -e "$tree/.vmalock-built" ]; then
	echo "$tree"
	exit 0
fi
[ $print_only -eq 0 ] || exit 1

log() { echo "$prog: $*" >&2; }

mkdir -p "$base"
if [ ! -e "$tree/.vmalock-extracted" ]; then
	log "extracting $tarball into $base"
	rm -rf "$tree"
	tar -xJf "$tarball" -C "$base"
	touch "$tree/.vmalock-extracted"
fi

# Everything make prints goes to stderr: stdout carries only the path.
{
	log "configuring (x86_64_defconfig + kvm_guest.config + ${fragment##*/})"
	make -C "$tree" -s x86_64_defconfig
	make -C "$tree" -s kvm_guest.config
	(cd "$tree" && ./scripts/kconfig/merge_config.sh -m .config "$fragment")
	make -C "$tree" -s olddefconfig

	# merge_config.sh only warns when Kconfig drops an option: fail instead.
	missing=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=n) want="# ${line%=n} is not set" ;;
		CONFIG_*) want=$line ;;
		*) continue ;;
		esac
		if ! grep -qxF -- "$want" "$tree/.config"; then
			log "option not in the final .config: $line"
			missing=1
		fi
	done <"$fragment"
	[ $missing -eq 0 ] || exit 1

	log "building bzImage and modules with -j$jobs (about 19 min on 2 cores)"
	start=$SECONDS
	make -C "$tree" -j"$jobs" bzImage modules
	log "built in $((SECONDS - start)) s: $(cat "$tree/include/config/kernel.release")"
} >&2
touch "$tree/.vmalock-built"
echo "$tree"
