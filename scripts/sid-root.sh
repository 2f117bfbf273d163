#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sid-root.sh [--print]: build (or reuse, or refresh) the Debian sid root of
# the newest-kernel lane and print its path on stdout.
# sid-root.sh --run CMD...: run CMD as root inside the finished root (or
# the one VMALOCK_SID_ROOT names), with the host's /proc, /sys and /dev
# bound in (apt, kbuild and dkms want them), and exit with its status.
#
# sid's kernel headers need sid's compiler and kbuild tools, which do not
# run on Debian 12's libc, so the lane builds vmalock inside a root of sid's
# own: debootstrap --variant=minbase, then apt-get installs the compiler,
# sid's linux-image-amd64 and linux-headers-amd64 (whatever kernel sid ships
# today), and what the tool, the suites and the dkms test need.  The guest
# boots that kernel with this root shared as its root (run-in-guest --root).
#
# It is cached outside the repository, under
# ${VMALOCK_CACHE:-~/.cache/vmalock}/sid-root/KEY/root, where KEY hashes the
# package list and the way the root is made (layout, below: bump it when
# that changes).  A cached root older than
# VMALOCK_SID_REFRESH_HOURS (default 24) is upgraded first (apt-get update
# and full-upgrade), so the lane follows sid when Debian moves it to a newer
# kernel; the newest installed kernel is the one tested (scripts/kernels.sh
# --root).  VMALOCK_SID_REFRESH_HOURS=0 upgrades on every run.
# --print only prints the path of a finished root, and fails if there is
# none.
#
# Needs root (debootstrap, chroot) and network access to the mirror
# (VMALOCK_SID_MIRROR, default http://deb.debian.org/debian).  Measured on a
# 2-core machine: about 2 min from scratch (30 s debootstrap, 82 s of
# packages), 1.5 GB.
set -euo pipefail

prog=${0##*/}
print_only=0 run=0
case ${1:-} in
--print) print_only=1 ;;
--run) run=1; shift ;;
'') ;;
-h | --help) sed -n '4,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
*) echo "usage: $prog [--print | --run CMD...]" >&2; exit 2 ;;
esac

mirror=${VMALOCK_SID_MIRROR:-http://deb.debian.org/debian}
refresh_hours=${VMALOCK_SID_REFRESH_HOURS:-24}
cache=${VMALOCK_CACHE:-$HOME/.cache/vmalock}/sid-root

# In the root: the module's and the tool's build (gcc, make, libc6-dev,
# libkmod-dev, pkg-config, sid's kernel and headers), the suites (bats, jq,
# kmod, procps, linux-perf and trace-cmd for the tracepoint suite,
# gnuplot-nox for the bench's plots) and the dkms test (dkms).
packages=(
	gcc make libc6-dev libkmod-dev pkg-config
	linux-image-amd64 linux-headers-amd64
	bats jq kmod procps linux-perf trace-cmd gnuplot-nox
	dkms
)

# What decides the root's contents besides the packages: debootstrap's
# variant and the apt settings written into it.
layout="minbase; Check-Valid-Until false"
key=$(printf '%s\n' "$layout" "${packages[@]}" | sha256sum | cut -c1-16)
base=$cache/$key
root=$base/root
# --run in a root given by path (the one a running lane resolved at its
# start), not by today's key.
if [ $run -eq 1 ] && [ -n "${VMALOCK_SID_ROOT:-}" ]; then
	root=${VMALOCK_SID_ROOT%/}
	base=${root%/*}
fi

log() { echo "$prog: $*" >&2; }

# in_root CMD...: run CMD in the root with /proc, /sys and /dev of the host
# (apt's maintainer scripts and kbuild want them), unmounted afterwards.
in_root() {
	local rc=0 m
	for m in proc sys dev; do
		mount --bind "/$m" "$root/$m"
	done
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" || rc=$?
	for m in dev sys proc; do
		umount "$root/$m" || umount -l "$root/$m"
	done
	return "$rc"
}

apt_quiet() {
	in_root apt-get -q -y -o Dpkg::Use-Pty=0 "$@" >"$base/apt.log" 2>&1 || {
		log "apt-get $1 in the sid root failed:"
		tail -n 20 "$base/apt.log" >&2
		return 1
	}
}

if [ $run -eq 1 ]; then
	[ -e "$base/.built" ] || { log "no sid root built yet: run $0"; exit 1; }
	[ $# -gt 0 ] || { log "--run needs a command"; exit 2; }
	in_root "$@"
	exit
fi

if [ -e "$base/.built" ]; then
	if [ $print_only -eq 1 ]; then
		echo "$root"
		exit 0
	fi
	if [ -n "$(find "$base/.built" -mmin +$((refresh_hours * 60)))" ] ||
	   [ "$refresh_hours" -eq 0 ]; then
		log "upgrading the sid root (older than $refresh_hours h)"
		start=$SECONDS
		apt_quiet update
		apt_quiet full-upgrade
		touch "$base/.built"
		log "upgraded in $((SECONDS - start)) s"
	fi
	echo "$root"
	exit 0
fi
[ $print_only -eq 0 ] || exit 1

[ "$(id -u)" -eq 0 ] || { log "needs root (debootstrap, chroot)"; exit 1; }
command -v debootstrap >/dev/null || { log "debootstrap missing: run 'make deps'"; exit 1; }

start=$SECONDS
# Never rm -rf through a /dev or /proc that an interrupted in_root left
# bound in.
if grep -q " $base/" /proc/self/mounts; then
	log "something is still mounted under $base: unmount it first"
	exit 1
fi
rm -rf "$base"
mkdir -p "$base"
log "debootstrap sid into $root"
debootstrap --variant=minbase sid "$root" "$mirror" >"$base/debootstrap.log" 2>&1 || {
	log "debootstrap failed:"
	tail -n 20 "$base/debootstrap.log" >&2
	exit 1
}
# A mirror's sid Release is valid for a week; a mirror that lags (or a
# clock ahead of it) makes apt refuse it.  The signatures are still checked.
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99vmalock"
log "installing ${packages[*]}"
apt_quiet update
apt_quiet install --no-install-recommends "${packages[@]}"
touch "$base/.built"
log "sid root ready in $((SECONDS - start)) s: $(du -sh "$root" | cut -f1)"
for old in "$cache"/*/; do
	[ "${old%/}" = "$base" ] || log "note: $old is an older root, no longer used (remove it by hand)"
done
echo "$root"
