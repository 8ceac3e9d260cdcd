#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# splatscan tests.  usage: tests/run.sh [path/to/splatscan]
#
# 1. Every tests/fixtures/NAME.log with a NAME.json next to it must
#    produce exactly that --json output (exit 1 if it lists reports,
#    0 if it is "[]").  Adding a fixture = dropping those two files.
# 2. Command-line, error and robustness checks; inputs that are big or
#    binary are generated in a temporary directory, never stored.
# 3. One valgrind memcheck run over ~4 MB of mixed hostile input.

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../splatscan}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
fx=$here/fixtures
tmp=$(mktemp -d "${TMPDIR:-/tmp}/splatscan.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if [ "$1" = 0 ]; then ok; else shift; ko "$@"; fi; }

# --- 1. fixtures ----------------------------------------------------------
for log in "$fx"/*.log; do
	name=$(basename "$log" .log)
	exp=$fx/$name.json
	[ -f "$exp" ] || { ko "$name: no $name.json"; continue; }
	"$bin" --json "$log" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	want=1
	[ "$(cat "$exp")" = "[]" ] && want=0
	if ! cmp -s "$exp" "$tmp/out"; then
		ko "$name: output differs"
		diff -u "$exp" "$tmp/out" | head -20
	elif [ $rc != $want ] || [ -s "$tmp/err" ]; then
		ko "$name: exit $rc (want $want) or stderr output"
	else
		ok
	fi
done

# --- 2. command line and robustness ---------------------------------------
w=$fx/warning-all-unreliable.log

"$bin" "$w" > "$tmp/out"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$tmp/out")" = 2 ] &&
	grep -q '^warning  *-  *1-29  *WARNING in module_put$' "$tmp/out"
check $? "table output"

"$bin" --json - < "$w" > "$tmp/a"; "$bin" --json < "$w" > "$tmp/b"
"$bin" --json "$w" > "$tmp/c"
cmp -s "$tmp/a" "$tmp/c" && cmp -s "$tmp/b" "$tmp/c"
check $? "stdin ('-' and no argument) differs from file input"

: > "$tmp/empty"
[ "$("$bin" --json "$tmp/empty")" = "[]" ] && "$bin" "$tmp/empty" > "$tmp/out"
check $? "empty input must give [] and exit 0"

"$bin" "$tmp/missing.log" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] &&
	grep -q "missing.log: No such file" "$tmp/err"
check $? "missing file: want exit 2 and one line naming it"

"$bin" --json "$tmp" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "Is a directory" "$tmp/err"
check $? "directory: want exit 2 and a reason"

cp "$w" "$tmp/noperm"; chmod 000 "$tmp/noperm"
if [ -r "$tmp/noperm" ]; then
	ok	# running as root: permissions cannot be tested
else
	"$bin" "$tmp/noperm" 2> "$tmp/err"; rc=$?
	[ $rc = 2 ] && grep -q "noperm: Permission denied" "$tmp/err"
	check $? "unreadable file: want exit 2 and a reason"
fi

"$bin" --bogus "$w" > /dev/null 2>&1; [ $? = 2 ]
check $? "unknown option must exit 2"
"$bin" "$w" "$w" > /dev/null 2>&1; [ $? = 2 ]
check $? "two files must exit 2"

"$bin" --json --log "$w" > /dev/null 2>&1; [ $? = 2 ]
check $? "--json with --log must exit 2"

# --headers: the rows' regexes, one a line, no panic row; takes no file.
"$bin" --headers > "$tmp/rows"; rc=$?
[ $rc = 0 ] && [ "$(wc -l < "$tmp/rows")" -gt 100 ] &&
	grep -qxF '^WARNING: possible circular locking dependency detected' "$tmp/rows" &&
	grep -q 'Watchdog detected hard LOCKUP' "$tmp/rows" &&
	! grep -q 'Kernel panic' "$tmp/rows" && ! grep -v '^\^' "$tmp/rows" > /dev/null
check $? "--headers: want exit 0, the rows anchored, no panic row"
"$bin" --headers "$w" > /dev/null 2>&1; [ $? = 2 ]
check $? "--headers with a file must exit 2"

# --log: the log as the scanner reads it.  Without a replay marker it is
# the input; with them, the cut copies and the markers are gone and the
# reports found in it are the ones found in the raw log.
"$bin" --log "$w" | cmp -s - "$w"
check $? "--log changed a log without replays"
r=$fx/nbcon-takeover-replay.log
"$bin" --log "$r" > "$tmp/unreplayed"; rc=$?
[ $rc = 0 ] && [ "$(grep -c 'replaying previous' "$tmp/unreplayed")" = 0 ] &&
	[ $(($(wc -l < "$r") - $(wc -l < "$tmp/unreplayed"))) = 7 ] &&
	grep -q 'invalid co$' "$r" && ! grep -q 'invalid co$' "$tmp/unreplayed" &&
	grep -q '^.    5.634414] -$' "$r" && ! grep -q '^.    5.634414] -$' "$tmp/unreplayed"
check $? "--log: want the 3 cut copies and 4 markers gone, exit 0"
"$bin" --json "$tmp/unreplayed" | grep '"title"' > "$tmp/t1"
"$bin" --json "$r" | grep '"title"' | cmp -s - "$tmp/t1"
check $? "--log: reports differ from the raw log's"

# CRLF line endings and NUL bytes inside a report change nothing.
sed 's/$/\r/' "$w" > "$tmp/crlf"
"$bin" --json "$tmp/crlf" | cmp -s - "$tmp/c"
check $? "CRLF input"
sed '5s/^/\x00\x00/; 12s/$/\x00/' "$w" > "$tmp/nul"
"$bin" --json "$tmp/nul" | cmp -s - "$tmp/c"
check $? "NUL bytes"

# A 1 MiB line before a report: truncated, and line numbers still count.
head -c 1048576 /dev/zero | tr '\0' 'A' > "$tmp/long"
echo >> "$tmp/long"
cat "$w" >> "$tmp/long"
"$bin" --json "$tmp/long" | grep -q '"first_line": 2,'
check $? "1 MiB line"

# Frames per report are capped.
k=$fx/kmemleak-debugfs.log
{
	head -n 8 "$k"
	i=0
	while [ $i -lt 100 ]; do sed -n 9p "$k"; i=$((i + 1)); done
} > "$tmp/deep"
[ "$("$bin" --json "$tmp/deep" | grep -c '^      "')" = 64 ]
check $? "frame cap"

# JSON escaping: control bytes and quotes in a scenario name.
printf 'harness: BEGIN a"b\\c\001\n' > "$tmp/esc"
cat "$w" >> "$tmp/esc"
"$bin" --json "$tmp/esc" | grep -q '"scenario": "a\\"b\\\\c\\u0001",'
check $? "JSON escaping"

# Binary garbage: no crash, no report, valid exit code.
head -c 2000000 /dev/urandom > "$tmp/garbage"
"$bin" --json "$tmp/garbage" > "$tmp/out" 2>&1; rc=$?
[ $rc -lt 2 ]
check $? "garbage input: exit $rc"

if command -v python3 > /dev/null; then
	for f in "$tmp/garbage" "$tmp/esc" "$tmp/long" \
	    "$fx/utf8-scenario-names.log"; do
		# bytes in: the output must be valid UTF-8 as well as JSON
		"$bin" --json "$f" | python3 -c 'import json,sys; json.load(sys.stdin.buffer)'
		check $? "invalid JSON for $(basename "$f")"
	done
fi

# --- 3. valgrind over ~4 MB of everything at once --------------------------
if command -v valgrind > /dev/null; then
	{ head -c 500000 "$tmp/garbage"; echo
	  cat "$tmp/long" "$tmp/nul" "$tmp/deep"; } > "$tmp/mix"
	i=0
	while [ $i -lt 6 ]; do cat "$fx"/*.log >> "$tmp/mix"; i=$((i + 1)); done
	head -c 300000 "$tmp/garbage" >> "$tmp/mix"	# cut mid-line
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=all "$bin" --json "$tmp/mix" \
		> /dev/null 2> "$tmp/vg"
	rc=$?
	[ $rc = 0 ] || [ $rc = 1 ]
	check $? "valgrind (exit $rc): $(head -5 "$tmp/vg")"
	valgrind -q --error-exitcode=99 --leak-check=full \
		"$bin" "$tmp/missing" > /dev/null 2>&1
	[ $? = 2 ]
	check $? "valgrind on the error path"
else
	ko "valgrind not installed"
fi

echo "splatscan: $pass passed, $fail failed"
[ $fail = 0 ]
