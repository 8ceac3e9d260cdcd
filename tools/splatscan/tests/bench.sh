#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Times splatscan on a 100 MB log made by repeating the real fixtures.
# usage: tests/bench.sh [path/to/splatscan] [MB]
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../splatscan}
mb=${2:-100}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/splatscan-bench.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

cat "$here"/fixtures/*.log > "$tmp/one"
: > "$tmp/big"
while [ "$(wc -c < "$tmp/big")" -lt $((mb * 1048576)) ]; do
	cat "$tmp/one" "$tmp/one" "$tmp/one" "$tmp/one" >> "$tmp/big"
done
size=$(wc -c < "$tmp/big")
start=$(date +%s.%N)
"$bin" --json "$tmp/big" > "$tmp/out"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$size" \
	'BEGIN { t = e - s
		printf "%d bytes in %.2f s (%.0f MB/s)\n", n, t, n / 1048576 / t }'
