#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of "make shell": load vmalock, put vmalockctl and
# vmalock-stress on the PATH, then hand over to bash (interactive on a
# terminal, else running standard input as a script).  Unloads vmalock when
# the shell ends, so the run's kernel-log check also covers the unload;
# exits with the shell's status.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=/run/vmalock-bin
mkdir -p "$bin"
ln -sf "$top/ioctl-tool/vmalockctl" "$bin/vmalockctl"
ln -sf "$top/tests/stress/vmalock-stress.sh" "$bin/vmalock-stress"
export PATH=$bin:$PATH
# "vmalockctl load" with no --path loads this tree's build, as it would the
# installed module on a real machine.
export VMALOCK_KO=${VMALOCK_KO:-$top/build/$(uname -r)/vmalock.ko}

vmalockctl load || exit 1
cd /root 2>/dev/null || cd /

if [ -t 0 ]; then
	rc=/run/vmalock-shell.rc
	cat >"$rc" <<-RC
	PS1='vmalock-guest:\w# '
	[ -r /usr/share/bash-completion/bash_completion ] &&
		. /usr/share/bash-completion/bash_completion
	echo "vmalock shell on \$(uname -r): vmalock is loaded, vmalockctl and vmalock-stress are on the PATH."
	echo "The source tree is $top (read-only under a RAM overlay: nothing you change here reaches the host)."
	echo "Leave with 'exit' or Ctrl-D."
	RC
	bash --rcfile "$rc" -i
else
	bash -s
fi
status=$?
if [ -e /sys/module/vmalock ]; then
	vmalockctl unload || status=1
fi
exit "$status"
