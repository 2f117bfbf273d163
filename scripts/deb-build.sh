#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb-build.sh: build the Debian packages, vmalock-dkms and vmalockctl, with
# "dpkg-buildpackage -b -us -uc" in a copy of the tree in a temporary
# directory (the repository gets no debian/ build litter), then run lintian
# on them.  The .debs, .changes and .buildinfo land in build/deb/ (emptied
# first).  Exits non-zero when the build fails or lintian reports an error
# or a warning.
#
# The copy holds what git tracks plus untracked files it does not ignore,
# so uncommitted edits are packaged but build products are not; outside a
# git checkout, the whole tree but build/ and tests/out/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
out=$top/build/deb

# debian/rules checks this too; failing here is quicker and says where.
deb_ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [ "$deb_ver" != "$ver" ]; then
	echo "deb-build: debian/changelog is at $deb_ver, dkms.conf's PACKAGE_VERSION at $ver" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmalock-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/vmalock-$ver
mkdir "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# -c lists tracked files deleted in the work tree too: skip those.
	git -C "$top" ls-files -z -c -o --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$top/$f" ] && printf '%s\0' "$f"
		done |
		tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build --exclude=./tests/out -cf - . | tar -C "$src" -xf -
fi

echo "== dpkg-buildpackage -b -us -uc in $src"
(cd "$src" && dpkg-buildpackage -b -us -uc)

rm -rf "$out"
mkdir -p "$out"
mv "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$out/"
ls -l "$out"

echo "== lintian"
lintian --fail-on error,warning --info "$out"/*.changes
echo "deb-build: lintian clean; packages in ${out#"$top"/}/"
