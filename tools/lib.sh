# Shared helpers for the pipeline scripts (POSIX sh, sourced).
#
# Every stage prints one line with the time since the run started; long
# command output goes to a log file whose path is printed on failure.

: "${LC_START:=$(date +%s)}"
export LC_START

elapsed() {
	echo $(( $(date +%s) - LC_START ))
}

stage() {
	printf '[%4ss] %s\n' "$(elapsed)" "$*"
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# run_logged LOG CMD...: run CMD with its output in LOG; on failure show
# the tail of the log and its path.
run_logged() {
	_log=$1
	shift
	mkdir -p "$(dirname "$_log")"
	if ! "$@" >>"$_log" 2>&1; then
		tail -n 25 "$_log" | sed 's/^/    /' >&2
		die "'$1' failed; full log: $_log"
	fi
}

# Cache root: CACHE from make, else XDG_CACHE_HOME, else ~/.cache.
cache_root() {
	if [ -n "${CACHE:-}" ]; then
		echo "$CACHE"
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/iommu-lockcheck"
	fi
}

# Content hash of files and strings given on stdin.
content_key() {
	sha256sum | cut -c1-16
}
