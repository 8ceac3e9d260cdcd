#!/bin/sh
# lava/job.sh CELLDIR: CELLDIR/job.yaml, the LAVA job of one cell that
# tools/boot/launch.py described there (describe: bzImage, initrd.cpio.gz with
# the cell's steps, boot.env). The job deploys the kernel and ramdisk,
# boots them with QEMU (the device's options, tools/export/lava/qemu-local.yaml,
# plus the cell's machine and kernel command line) and watches the
# console: the guest runs its steps itself, no shell is needed. LAVA's
# own results name each scenario's END line; the cell's verdict is the
# project's, from the console (tools/export/lava/lava.py, tools/judge/).
#
# Environment: LAVA_URL_BASE, an http(s) URL where the LAVA output
# directory will be published (default: file:// URLs of this machine).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../build/lib.sh"

cell=$(cd "${1:?usage: lava/job.sh CELLDIR}" && pwd)
root=$(cd "$(dirname "$(dirname "$cell")")" && pwd)
[ -f "$cell/boot.env" ] || die "lava job: $cell/boot.env does not exist"
QEMU_COMMON= QEMU_MACHINE= APPEND= TIMEOUT= CAPTURE= NAME=
. "$cell/boot.env"
# The device gives every guest these; a cell that needs others (make
# bench's -icount) is not a LAVA job of this device.
common="-accel tcg,thread=multi -cpu max -smp 2 -m 1G -no-reboot"
[ "$QEMU_COMMON" = "$common" ] ||
	die "lava job $cell: QEMU options '$QEMU_COMMON' are not the device's ('$common')"
case ${LAVA_URL_BASE:-} in
'') base=file://$root ;;
http://?* | https://?*) base=${LAVA_URL_BASE%/} ;;
*) die "LAVA_URL_BASE=$LAVA_URL_BASE is not an http:// or https:// URL" ;;
esac
rel=${cell#"$root"/}
case $APPEND in *\"*) die "lava job $cell: the kernel command line has a double quote: $APPEND" ;; esac
# YAML scalars as JSON strings (valid YAML); URL path segments encoded
yq() { printf '%s' "$1" | jq -Rs .; }
url() { printf '%s' "$base/$rel/$1" | jq -Rr 'split("/") | .[3:] as $p | (.[0:3] | join("/")) + "/" + ($p | map(@uri) | join("/"))'; }
# QEMU's own silence limit: the whole boot, as tools/boot/launch.py allows it
minutes=$(((TIMEOUT + 59) / 60 + 1))

cat >"$cell/job.yaml" <<JOB
# $NAME: one cell of iommu-lockcheck, written by tools/export/lava/job.sh
device_type: qemu
job_name: $(yq "lockcheck $NAME")
visibility: public
priority: medium

timeouts:
  job:
    minutes: $((minutes + 5))
  action:
    minutes: $minutes
  connection:
    minutes: $minutes

# A lab's qemu device template builds the command line from these (its
# defaults are KVM and 512 MiB); tools/export/lava/qemu-local.yaml gives the
# same itself. tools/export/lava/lava.py checks LAVA's boot command for them.
context:
  arch: x86_64
  no_kvm: true
  memory: 1024
  extra_options:
  - -accel tcg,thread=multi
  - -cpu max
  - -smp 2
  - -no-reboot

actions:
- deploy:
    to: tmpfs
    timeout:
      minutes: 2
    images:
      kernel:
        url: $(yq "$(url bzImage)")
        image_arg: $(yq "$QEMU_MACHINE -kernel {kernel} -append \"$APPEND\"")
      ramdisk:
        # as built: the kernel unpacks the gzip itself
        url: $(yq "$(url initrd.cpio.gz)")
        image_arg: -initrd {ramdisk}

- boot:
    method: qemu
    media: tmpfs
    # also the longest silence the monitor below waits through
    timeout:
      minutes: $minutes

- test:
    timeout:
      minutes: $minutes
    monitors:
    - name: lockcheck
      # a capture cell: the first kernel boots too, then crashes into the
      # capture kernel, which runs the steps to the end
      start: "@@lockcheck: boot"
      end: "@@lockcheck: done"
      pattern: 'harness: END (?P<test_case_id>[a-z_0-9]+) (?P<result>ok|not_ok)'
      fixupdict:
        ok: pass
        not_ok: fail
JOB
