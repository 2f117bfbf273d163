#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh KVER...: every static check the module is held to, failing on any
# finding:
#   - checkpatch.pl --strict --no-tree on every module source;
#   - the module built with W=1 and -Werror, and with sparse (C=2), for each
#     kernel;
#   - dkms.conf's PACKAGE_VERSION equal to the module's VMALOCK_VERSION.
# checkpatch.pl is not in any binary package: it is extracted once from
# Debian's linux-source-6.12 tarball into the cache.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMALOCK_CACHE:-$HOME/.cache/vmalock}
cpdir=$cache/checkpatch
failed=0

fail() {
	echo "lint: $*" >&2
	failed=1
}

extract_checkpatch() {
	local tarball

	[ -x "$cpdir/checkpatch.pl" ] && return 0
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$tarball" ]; then
		echo "lint: no /usr/src/linux-source-*.tar.xz: run 'make deps'" >&2
		exit 1
	fi
	mkdir -p "$cpdir.tmp.$$"
	tar -xJf "$tarball" -C "$cpdir.tmp.$$" --strip-components=2 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	rm -rf "$cpdir"
	mv "$cpdir.tmp.$$" "$cpdir"
}

cd "$top"
extract_checkpatch
sources=$(ls module/*.c module/*.h module/uapi/*.h)

echo "== checkpatch --strict"
# shellcheck disable=SC2086
if ! perl "$cpdir/checkpatch.pl" --strict --no-tree --terse --show-types \
	--no-summary -f $sources; then
	fail "checkpatch findings above"
fi

echo "== version"
pkg=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
mod=$(sed -n 's/^#define VMALOCK_VERSION[[:space:]]*"\(.*\)"/\1/p' module/vmalock.h)
[ "$pkg" = "$mod" ] || fail "dkms.conf PACKAGE_VERSION $pkg != module VMALOCK_VERSION $mod"

for kver in "$@"; do
	echo "== W=1 -Werror and sparse (C=2) for $kver"
	log=$(mktemp)
	if ! "$top/scripts/build-module.sh" "$kver" "" C=2 KCFLAGS=-Werror \
		>"$log" 2>&1; then
		cat "$log"
		fail "build for $kver failed"
	elif grep -E 'warning:|error:' "$log"; then
		fail "W=1/sparse findings for $kver"
	fi
	rm -f "$log"
done

[ $failed -eq 0 ] && echo "lint: clean"
exit $failed
