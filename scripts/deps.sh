#!/bin/sh
# Installs the Debian packages a target needs when any is missing:
# one `apt-get update`, then one `apt-get install`.
# Usage: deps.sh [--check] PKG...   (--check: name what is missing, fail)
set -e
check=0
[ "${1:-}" = --check ] && check=1 && shift
missing=
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ $check = 1 ]; then
	echo "deps: missing Debian packages:$missing (make deps installs them)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
