# Shared helpers of the build leaves (POSIX sh, sourced): tools/build/*.sh
# and tools/export/lava/*.sh. The data plane is Python (tools/engine/).
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

# series_patches DIR [KVER]: the patch files of patch set DIR, in the
# order they apply (DIR/series, or DIR/series-KVER where there is one).
series_patches() {
	_s=$1/series
	[ -n "${2:-}" ] && [ -f "$1/series-$2" ] && _s=$1/series-$2
	[ -f "$_s" ] || die "patch set $1 has no series file"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$_s"
}

# hold_lock FD FILE WHAT: an exclusive lock on FILE, held on FD until this
# script ends. A second run that needs it waits, and says so, instead of
# patching, building or writing results under the first one's feet. A
# script whose caller already holds FILE (LC_LOCKS) goes on under it.
hold_lock() {
	case ":${LC_LOCKS:-}:" in *":$2:"*) return 0 ;; esac
	mkdir -p "$(dirname "$2")"
	eval "exec $1>\"\$2\""
	if ! flock -n "$1"; then
		stage "waiting: another run holds $3 ($2)" >&2
		flock "$1"
	fi
	LC_LOCKS=${LC_LOCKS:-}:$2
	export LC_LOCKS
}

# apt_download DIR SUITE LOG PKG=VER...: download the packages into DIR.
# SUITE "system" is one the machine's apt sources list; any other is
# fetched with a private apt configuration under the cache, from the
# mirror of the machine's own Debian sources: the system's apt state is
# never touched.
apt_download() {
	_dir=$1 _suite=$2 _log=$3
	shift 3
	if [ "$_suite" = system ]; then
		(cd "$_dir" && run_logged "$_log" apt-get -o APT::Sandbox::User=root download "$@")
		return
	fi
	_apt=$(cache_root)/apt/$_suite
	mkdir -p "$_apt/lists/partial" "$_apt/archives/partial"
	printf 'deb %s %s main\n' "$(debian_mirror)" "$_suite" >"$_apt/sources.list"
	# the lists once a day at most: the pins name exact versions
	[ -n "$(find "$_apt/lists" -maxdepth 1 -name '*Packages*' -mtime -1)" ] ||
		run_logged "$_log" apt_private "$_apt" update
	(cd "$_dir" && run_logged "$_log" apt_private "$_apt" download "$@")
}

# apt_private DIR ARGS...: apt-get with its sources and state under DIR.
apt_private() {
	_a=$1
	shift
	apt-get -o Dir::Etc::SourceList="$_a/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$_a/lists" -o Dir::Cache="$_a" -o APT::Sandbox::User=root "$@"
}

# debian_mirror: the Debian mirror URI of the machine's own apt sources.
debian_mirror() {
	_m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}')
	[ -n "$_m" ] || _m=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' \
		/etc/apt/sources.list 2>/dev/null)
	[ -n "$_m" ] || die "no Debian mirror found in /etc/apt/sources*"
	echo "$_m"
}
