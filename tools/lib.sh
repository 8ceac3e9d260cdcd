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

# guest_lines LOG: a boot's console log as the guest wrote its lines: no
# carriage returns, no printk time prefix (the guest writes through
# /dev/kmsg; tools/record.jq drops the same prefix).
guest_lines() {
	# as tools/record.sh reads a log: nbcon replays undone (splatscan
	# --log; the caller's $tools or $here is tools/)
	_ss=${tools:-${here:-.}}/splatscan/splatscan
	if [ -x "$_ss" ]; then "$_ss" --log "$1"; else tr -d '\r' <"$1"; fi |
		sed 's/^\[ *[0-9]*\.[0-9]*\]\(\[ *[TC][0-9]*\]\)\{0,1\} \{0,1\}//'
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

# One id per top-level run (make exports it to every step): a record with
# another id was left by an earlier run and is never judged as this one's.
: "${LC_RUN_ID:=$(date +%s)-$$}"
export LC_RUN_ID

# column_kver COLUMN / column_name COLUMN / column_iommu COLUMN: the
# kernel version, the variant name and the IOMMU of a column (KVER:VARIANT,
# KVER:@PATCHDIR or ksrc, each with an optional :IOMMU: fake, vtd or amd).
column_iommu() {
	case $1 in
	*:vtd) echo vtd ;;
	*:amd) echo amd ;;
	*) echo fake ;;
	esac
}
column_kernel() {
	_c=${1%:vtd}
	_c=${_c%:amd}
	echo "${_c%:fake}"
}
column_kver() {
	case $(column_kernel "$1") in
	ksrc) echo ksrc ;;
	*:*) echo "${1%%:*}" ;;
	*) die "column '$1' is not KVER:VARIANT, KVER:@DIR or ksrc (each may end in :fake, :vtd or :amd)" ;;
	esac
}
column_name() {
	_c=$(column_kernel "$1")
	case $_c in
	ksrc) echo "ksrc-$(basename "${KSRC:?column ksrc needs KSRC=}")" ;;
	*:@*) basename "${_c#*:@}" ;;
	*:*:*) die "column '$1': '${_c##*:}' is not an IOMMU (fake, vtd or amd)" ;;
	*:*) echo "${_c#*:}" ;;
	*) die "column '$1' is not KVER:VARIANT, KVER:@DIR or ksrc (each may end in :fake, :vtd or :amd)" ;;
	esac
}

# cell CELLS KVER VARIANT FLAVOUR BOOT JUDGE ASKED [NTH [REP]]: add one
# cell the run promises to the judge (one JSON object a line); a cell that
# gets no record is a failure, never a gap. NTH: the same line's
# repetition in one boot, from 0; REP: the boot's, when a line is booted
# again (boot_meta's REP). LC_CELL_KNOBS ("core_assert=1 warn=1"): the
# fake_iommu knobs the run sets, which the record must show. LC_IOMMU: the
# IOMMU of the column (fake, the default, or vtd), also boot_meta's.
cell() {
	jq -cn --arg kver "$2" --arg variant "$3" --arg flavour "$4" --arg boot "$5" \
		--arg judge "$6" --arg asked "$7" --argjson nth "${8:-0}" --argjson rep "${9:-0}" \
		--arg knobs "${LC_CELL_KNOBS:-}" --arg iommu "${LC_IOMMU:-fake}" \
		'{kver: $kver, variant: $variant, iommu: $iommu, flavour: $flavour, boot: $boot,
		  judge: $judge, asked: $asked, nth: $nth, rep: $rep}
		 + if $knobs == "" then {} else {knobs: ([$knobs | splits(" +") | select(. != "")
			| split("=") | {(.[0]): (.[1] | tonumber)}] | add)} end' >>"$1"
}

# boot_meta KVER VARIANT FLAVOUR BOOT JUDGE KERNEL_OUT [REP]: the BOOT_META
# of tools/boot.sh for one cell.
boot_meta() {
	jq -cn --arg kver "$1" --arg variant "$2" --arg flavour "$3" --arg boot "$4" \
		--arg judge "$5" --arg kernel "$(cat "$6/kernelrelease")" --argjson rep "${7:-0}" \
		--arg iommu "${LC_IOMMU:-fake}" --arg kout "$6" \
		'{kernel: $kernel, kver: $kver, variant: $variant, iommu: $iommu, flavour: $flavour,
		  boot: $boot, judge: $judge, rep: $rep, kout: $kout}'
}

# env_value FILE NAME: NAME's value in FILE, a file of NAME='value' lines
# written with quoted (tools/run.sh's column.env), read as the shell does.
env_value() {
	(. "$1" && eval "printf '%s' \"\${$2:-}\"")
}

# series_patches DIR [KVER]: the patch files of patch set DIR, in the
# order they apply (DIR/series, or DIR/series-KVER where there is one).
series_patches() {
	_s=$1/series
	[ -n "${2:-}" ] && [ -f "$1/series-$2" ] && _s=$1/series-$2
	[ -f "$_s" ] || die "patch set $1 has no series file"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$_s"
}

# console_end LOG EXPECT_PANIC: how a guest whose runner ended well ended
# badly after all, from its console LOG (empty: it ran its steps to the
# end). EXPECT_PANIC=1: a panic is the kdump run's own. tools/vm.sh and
# tools/lava/record.sh ask it.
console_end() {
	if [ "$2" != 1 ] && grep -q 'Kernel panic - not syncing' "$1"; then
		echo "guest panicked: $(grep -m1 'Kernel panic - not syncing' "$1" | sed 's/.*Kernel panic - not syncing: *//')"
	elif [ "$2" != 1 ] &&
		grep -Eq 'Oops:|general protection fault|BUG: kernel NULL pointer dereference|BUG: unable to handle' "$1"; then
		echo "guest oopsed: $(grep -Em1 'Oops:|general protection fault|BUG: kernel NULL pointer|BUG: unable to handle' "$1" | sed 's/^\[[^]]*\] *//')"
	elif ! grep -q '@@lockcheck: done' "$1"; then
		echo "guest stopped before the end of its steps"
	fi
}

# died_before_init LOG: did the guest of console LOG die before its init
# ran with QEMU's "Oops: int3"? Multi-threaded TCG can show a vCPU a
# breakpoint that text patching already removed; nothing of ours ran,
# and such a boot is booted once more (tools/boot.sh, tools/lava/check.sh).
died_before_init() {
	! grep -q '@@lockcheck: boot' "$1" && grep -q 'Oops: int3' "$1"
}

# capture_part FULL: the capture kernel's part of a kdump boot's console
# FULL (from the second "Linux version" on), without carriage returns.
capture_part() {
	tr -d '\r' <"$1" | awk '/Linux version/ {n++} n >= 2'
}

# quoted STRING: STRING as one single-quoted shell word.
quoted() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# scenario_lines FILE: the trigger lines of a scenario list.
scenario_lines() {
	[ -f "$1" ] || die "scenario list $1 does not exist"
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "$1"
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

# kvm_works: whether QEMU can run a vCPU under KVM on this machine, not
# just open /dev/kvm (seen here: /dev/kvm opens, then the vCPU's reset
# fails with "failed to set MSR 0x10a").
kvm_works() {
	[ -w /dev/kvm ] || return 1
	# in a subshell: the shell's own "Aborted" line goes with the output
	(echo q | timeout 20 qemu-system-x86_64 -accel kvm -cpu host -M pc -nodefaults \
		-display none -S -monitor stdio) >/dev/null 2>&1
}
