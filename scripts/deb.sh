#!/bin/sh
# make deb: flowlet's Debian package, built by dpkg-buildpackage from a copy
# of the tree (its files as they are now, tracked or new, nothing ignored)
# under OUT/deb/, then checked by lintian (debian/flowlet.lintian-overrides
# says why each tag it leaves is there). Prints the package's path.
# Usage: deb.sh VERSION OUT
set -e
version=$1 out=$2
[ -n "$version" ] && [ -n "$out" ] || {
	echo "usage: deb.sh VERSION OUT" >&2
	exit 2
}
git rev-parse --git-dir >/dev/null 2>&1 || {
	echo "deb: needs a git checkout (it packages the checkout's files)" >&2
	exit 1
}
src=$out/deb/flowlet-$version
rm -rf "$out/deb"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
log=$out/deb/build.log
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "deb: dpkg-buildpackage failed (all of it: $log)" >&2
	exit 1
fi
deb=$(realpath "$out/deb")/flowlet_${version}_$(dpkg --print-architecture).deb
if ! lintian --fail-on error,warning "$deb" >"$out/deb/lintian.log" 2>&1; then
	cat "$out/deb/lintian.log" >&2
	echo "deb: lintian rejects $deb" >&2
	exit 1
fi
cat "$out/deb/lintian.log"
echo "$deb"
