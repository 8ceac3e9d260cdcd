#!/bin/sh
# lava/run-local.sh CELLDIR: run the cell's LAVA job (tools/export/lava/job.sh)
# with Debian's lava-dispatcher on this machine, as a lab's worker would:
# lava-run with tools/export/lava/qemu-local.yaml as the device. Its log (the
# console included) goes to CELLDIR/lava/output.log, its result to
# CELLDIR/lava/result.yaml; tools/export/lava/lava.py reads them. Needs root
# (lava-run does); the dispatcher's scratch files, which it puts under
# /var/lib/lava/dispatcher/tmp, go to CELLDIR/lava/tmp instead where the
# machine allows a mount namespace.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../build/lib.sh"

cell=$(cd "${1:?usage: lava/run-local.sh CELLDIR}" && pwd)
[ -f "$cell/job.yaml" ] || die "lava run: $cell/job.yaml does not exist (make lava)"
command -v lava-run >/dev/null || die "lava-run not found (apt-get install lava-dispatcher; make lava-check installs it)"
[ "$(id -u)" = 0 ] || die "lava run: lava-run needs root"
out=$cell/lava
rm -rf "$out"
mkdir -p "$out/tmp" /var/lib/lava/dispatcher/tmp
# In a mount namespace of its own where the machine allows one; else in
# /var/lib/lava/dispatcher/tmp/<this job id>, which lava-run removes.
if unshare --mount --propagation private true 2>/dev/null; then
	wrap="unshare --mount --propagation private" bind="mount --bind \"\$1/tmp\" /var/lib/lava/dispatcher/tmp &&"
else
	wrap= bind=
fi
rc=0
$wrap sh -c "$bind"'
	exec lava-run --job-id "$4" --output-dir "$1" --device "$2/qemu-local.yaml" \
		--dispatcher "$2/dispatcher.yaml" "$3"' sh "$out" "$here" "$cell/job.yaml" "$$" \
	2>"$out/output.log" >"$out/stdout.log" || rc=$?
rm -rf "$out/tmp"
[ -f "$out/result.yaml" ] || die "lava run: lava-run (exit $rc) wrote no result; log $out/output.log"
