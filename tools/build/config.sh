#!/bin/sh
# config.sh TREE BUILD LOG FRAGMENT...: tinyconfig in BUILD, merge the
# fragments with the tree's own merge_config.sh, then check that every
# option they ask for really is in the final .config (Kconfig drops options
# whose dependencies are missing, silently) and fail naming each one not.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

tree=${1:?usage: config.sh TREE BUILD LOG FRAGMENT...}
build=$2
log=$3
shift 3
for f in "$@"; do
	[ -f "$f" ] || die "config fragment $f does not exist"
done
run_logged "$log" make -C "$tree" O="$build" tinyconfig
run_logged "$log" sh -c 'cd "$1" && shift && scripts/kconfig/merge_config.sh -O "$@"' \
	sh "$tree" "$build" "$build/.config" "$@"
missing=$(awk '
	FNR == NR { have[$0] = 1; next }
	/^CONFIG_[A-Za-z0-9_]+=/ { split($0, kv, "="); want[kv[1]] = $0; next }
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = "n"; next }
	END {
		for (o in want) {
			if (want[o] == "n") {
				if ((o "=y") in have || (o "=m") in have)
					print o "=n"
			} else if (!(want[o] in have)) {
				print want[o]
			}
		}
	}' "$build/.config" "$@" | sort)
if [ -n "$missing" ]; then
	echo "$missing" | sed 's/^/    not in final .config: /' >&2
	die "config fragment options did not survive the merge: $(echo "$missing" | tr '\n' ' ')"
fi
