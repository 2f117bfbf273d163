#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make shell [KVER=...]: an interactive root shell in a guest booting KVER
# (default: the newest bootable supported kernel, 6.12 on Debian 12), with
# vmalock loaded and vmalockctl on the PATH, as virtme-ng's "vng" gives.
# Leave it with "exit" or Ctrl-D: vmalock is unloaded, the guest powers off,
# and its kernel log is checked like every other guest run's.
#
# Standard input that is not a terminal is run as a script instead, so
#   printf 'vmalockctl info\n' | make shell
# works in scripts and in the suites.  VMALOCK_SHELL_TIMEOUT (seconds,
# default 86400) bounds a session.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$("$top/scripts/kernels.sh" --bootable | tail -n 1)}
[ -n "$kver" ] || { echo "shell: no bootable supported kernel: run 'make deps'" >&2; exit 1; }
[ -e "$top/build/$kver/vmalock.ko" ] ||
	{ echo "shell: $top/build/$kver/vmalock.ko missing: run 'make'" >&2; exit 1; }
[ -t 0 ] && echo "shell: booting $kver under QEMU (TCG), a few seconds" >&2
cd "$top"
exec "$top/tests/guest/run-in-guest" --kernel "$kver" --stdin \
	--timeout "${VMALOCK_SHELL_TIMEOUT:-86400}" \
	--out "${VMALOCK_OUT:-$top/tests/out/shell-$kver}" \
	-- "$top/scripts/shell-session.sh"
