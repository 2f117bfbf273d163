#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel-locked.sh: scripts/debug-kernel.sh under a lock, so that
# "make check", which starts the build in the background beside the guest
# suites, and the debug lane that needs it at the end never build the same
# tree twice at once: the second waits for the first, then finds it built.
# The lock is ${VMALOCK_CACHE:-~/.cache/vmalock}/debug-kernel.lock.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMALOCK_CACHE:-$HOME/.cache/vmalock}
mkdir -p "$cache"
exec {lock}>"$cache/debug-kernel.lock"
flock "$lock"
exec "$top/scripts/debug-kernel.sh" "$@"
