# Helpers for the guest's step scripts (busybox sh). Markers start with
# "@@lockcheck:" so the host can find them among kernel messages.
FI=/sys/kernel/debug/fake_iommu
HR=/sys/kernel/debug/harness
MODS=/lib/lockcheck
failures=0

step() {
	echo "@@lockcheck: step $1 begin"
}

# pass NAME / fail NAME REASON: one result line per check.
pass() {
	echo "@@lockcheck: ok $1"
}

fail() {
	echo "@@lockcheck: not ok $1: $2"
	failures=$((failures + 1))
}

# expect NAME CONDITION-COMMAND...: pass if the command succeeds.
expect() {
	_n=$1
	shift
	if "$@"; then pass "$_n"; else fail "$_n" "$*"; fi
}

# load MODULE [PARAM=VALUE...]
load() {
	_m=$1
	shift
	insmod "$MODS/$_m.ko" "$@"
}

counter() {
	awk -v k="$1" '$1 == k {print $2}' "$FI/counters"
}

# wr FILE VALUE: write, print the errno text on failure, return its status.
wr() {
	printf '%s\n' "$2" > "$1"
}

# scenario LINE: run one harness scenario to its end and print its KTAP
# between markers.
scenario() {
	wr $HR/trigger "$1" || { fail "trigger" "'$1' refused"; return 1; }
	while grep -q '^# running' $HR/results; do sleep 0.2; done
	echo "@@lockcheck: results begin"
	cat $HR/results
	echo "@@lockcheck: results end"
	echo "@@lockcheck: counters begin"
	cat $FI/counters | grep '^total\.'
	echo "@@lockcheck: counters end"
}
