#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the newest supported kernel in a guest (6.12, with
# per-VMA locks), load vmalock, fault pages in from several threads in each
# lock mode, at three folio orders, privately and beside a writer, and end
# with one table of where the faults went (scripts/demo-run.sh).  The
# Makefile has installed the deps and built everything first.
#
# VMALOCK_DEMO_HOST=1 runs the same on this machine instead, when its kernel
# can load modules and a vmalock.ko is built for it (as root).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${VMALOCK_DEMO_HOST:-0}" = 1 ]; then
	if [ ! -e /proc/modules ]; then
		echo "demo: this kernel cannot load modules; run 'make demo' without VMALOCK_DEMO_HOST" >&2
		exit 1
	fi
	exec "$top/scripts/demo-run.sh"
fi

kver=$("$top/scripts/kernels.sh" --bootable | tail -n 1)
[ -n "$kver" ] || { echo "demo: no bootable supported kernel: run 'make deps'" >&2; exit 1; }
echo "demo: booting $kver under QEMU (TCG), about 5 s"
exec "$top/tests/guest/run-in-guest" --kernel "$kver" -- "$top/scripts/demo-run.sh"
