#!/bin/sh
# deps.sh: install the Debian packages the pipeline needs. As root, with
# apt-get update first; otherwise print the exact command and stop.
set -eu
pkgs="qemu-system-x86 busybox-static flex bison bc libelf-dev libssl-dev cpio kmod
ccache xz-utils patch gcc make python3 valgrind gnuplot-nox kexec-tools jq util-linux
debootstrap lcov python3-jsonschema python3-rfc3987 python3-yaml python3-pytest python3-flake8"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "error: missing packages:$missing; run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "[deps] installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
