#!/bin/sh
# kcidb/write.sh [RESULTS]: RESULTS/kcidb.json, what RESULTS holds as one
# KCIDB v5.3 document (KernelCI's result schema; tools/kcidb/schema-v5.3.json
# says where it was read): a checkout per base kernel and patch set, a
# build per kernel the cells booted (variant, flavour), a test per judged
# cell of every run (NAME.json beside NAME.cells) with the detector and
# counter values as tests of their own with numbers and units, and make
# bench's figures (bench.json). Then checks it (tools/kcidb/check.sh).
# tools/run.sh and tools/bench.sh call it after their judge.
#
# Environment: KCIDB_ORIGIN (default iommu_lockcheck: [a-z0-9_]+), and
# KCIDB_URL_BASE: an http(s) URL where RESULTS will be published; files
# under RESULTS get URLs below it, everything else (and everything when
# it is unset) a file:// URL of this machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tools=$(dirname "$here")
top=$(dirname "$tools")
. "$tools/lib.sh"

results=$(cd "${1:-${RESULTS:-$top/results}}" && pwd) || die "kcidb: no results directory ${1:-${RESULTS:-$top/results}}"
origin=${KCIDB_ORIGIN:-iommu_lockcheck}
case $origin in
'' | *[!a-z0-9_]*) die "KCIDB_ORIGIN=$origin is not KCIDB's origin pattern [a-z0-9_]+" ;;
esac
urlbase=${KCIDB_URL_BASE:-}
case $urlbase in
'' | http://?* | https://?*) ;;
*) die "KCIDB_URL_BASE=$urlbase is not an http:// or https:// URL" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Files KCIDB links to (patches, configurations), under RESULTS so they
# are published with it.
files=$results/kcidb-files
rm -rf "$files"

# facts COLUMN KOUT FLAVOUR DIR: one JSON object, what the checkout and
# build of a column are. DIR: a directory of its boot logs, or "".
facts() {
	_col=$(column_kernel "$1") _kout=$2 _flavour=$3 _dir=$4
	_kver=$(column_kver "$_col")
	_pdir= _pkg= _ver= _git=
	case $_col in
	ksrc) _git=$(git -C "$KSRC" rev-parse HEAD 2>/dev/null || true) ;;
	*:stock)
		_pkg=$(awk -v k="$_kver" '$1 == k { print $6 }' "$tools/stock.conf")
		_ver=$(awk -v k="$_kver" '$1 == k { print $2 }' "$tools/stock.conf")
		;;
	*)
		_pkg=$(awk -v k="$_kver" '$1 == k { print $2 }' "$tools/kernels.conf")
		_ver=$(awk -v k="$_kver" '$1 == k { print $3 }' "$tools/kernels.conf")
		case $_col in
		*:@*) _pdir=${_col#*:@} ;;
		*) _pdir=$top/patches/${_col#*:} ;;
		esac
		;;
	esac
	# the patches, copied beside the results (published with them);
	# KCIDB's patchset hash: sha256 over the newline-terminated sha256 of
	# each patch, in order ("" for none)
	: >"$tmp/patches"
	_hash=
	if [ -n "$_pdir" ]; then
		series_patches "$_pdir" "$_kver" >"$tmp/series" || die "kcidb: column $1: no patch set $_pdir"
		: >"$tmp/sums"
		while IFS= read -r p; do
			[ -f "$_pdir/$p" ] || die "kcidb: column $1: $_pdir/$p does not exist"
			sha256sum <"$_pdir/$p" | cut -c-64 >>"$tmp/sums"
		done <"$tmp/series"
		if [ -s "$tmp/sums" ]; then
			_hash=$(sha256sum <"$tmp/sums" | cut -c-64)
			mkdir -p "$files/patches/$_hash"
			while IFS= read -r p; do
				cp "$_pdir/$p" "$files/patches/$_hash/"
				echo "$files/patches/$_hash/$(basename "$p")" >>"$tmp/patches"
			done <"$tmp/series"
		fi
	fi
	# tools/kernel.sh keeps each build's own .config beside its bzImage
	_config=
	if [ -n "$_kout" ] && [ -f "$_kout/.config" ]; then
		mkdir -p "$files/config"
		_config=$files/config/$(basename "$_kout")${_flavour:+-$_flavour}.config
		cp "$_kout/.config" "$_config"
	fi
	# the compiler as the kernel says it: "Linux version R (who) (COMPILER, LINKER) #..."
	_cc=
	[ ! -d "$_dir" ] || _cc=$(cat "$_dir"/*.log 2>/dev/null | tr -d '\r' |
		sed -n 's/.*Linux version [^ ]* ([^)]*) (\(.*\)) #.*/\1/p' | head -n 1 | sed 's/, GNU ld.*//')
	jq -cn --arg col "$1" --arg kver "$_kver" --arg kout "$_kout" --arg flavour "$_flavour" \
		--arg dir "$_dir" --arg pkg "$_pkg" --arg ver "$_ver" --arg git "$_git" \
		--arg hash "$_hash" --rawfile patches "$tmp/patches" --arg config "$_config" --arg cc "$_cc" \
		--arg release "$([ -n "$_kout" ] && cat "$_kout/kernelrelease" 2>/dev/null || true)" \
		--arg variant "$(column_name "$_col")" --arg iommu "$(column_iommu "$1")" \
		'{column: $col, kver: $kver, variant: $variant, iommu: $iommu, kout: $kout, flavour: $flavour, dir: $dir,
		  package: $pkg, version: $ver, git: $git, patchset_hash: $hash,
		  patches: ($patches | split("\n") | map(select(. != ""))), config: $config,
		  compiler: $cc, release: $release}'
}

# Every judged run: NAME.json (rows) beside NAME.cells; bench.json is
# make bench's figures, not judged rows.
: >"$tmp/rows"
for cells in "$results"/*.cells; do
	[ -f "$cells" ] || continue
	name=$(basename "$cells" .cells)
	[ "$name" != bench ] && [ -f "$results/$name.json" ] || continue
	jq -c --arg run "$name" '.[] | . + {run: $run}' "$results/$name.json" >>"$tmp/rows" ||
		die "kcidb: $results/$name.json is not a judged run"
done
# The kernels the cells booted: one build each (its tools/kernel.sh
# output directory, which records carry as "kout"; a cell with no record
# shares its kernel's), and make bench's perf builds.
echo '[]' >"$tmp/bench"
[ ! -f "$results/bench.json" ] || cp "$results/bench.json" "$tmp/bench"
: >"$tmp/bench.failures"
[ ! -f "$results/bench.failures" ] || cp "$results/bench.failures" "$tmp/bench.failures"
jq -rs --slurpfile bench "$tmp/bench" '
	(map(select(.kout)) | map({(.kver + ":" + .variant + ":" + (.flavour // "")): .kout}) | add // {}) as $k
	| [(.[] | [.kver, .variant, (.flavour // ""), (.kout // $k[.kver + ":" + .variant + ":" + (.flavour // "")] // "")]),
	   ($bench[0][] | [.kver, .variant, "perf", ""])]
	# "-" for an empty field: read splits on runs of tabs
	| unique[] | map(if . == "" then "-" else . end) | @tsv' "$tmp/rows" >"$tmp/kernels"
: >"$tmp/columns"
while IFS="$(printf '\t')" read -r kver variant flavour kout; do
	[ "$flavour" != - ] || flavour=
	[ "$kout" != - ] || kout=
	# a column given as KVER:@DIR or ksrc: its column.env knows the path
	col=$kver:$variant ksrc=
	for env in "$results"/*/column.env; do
		[ -f "$env" ] || continue
		c=$(env_value "$env" column)
		case $c in *:@*/"$variant" | *:@*/"$variant":*) col=$(column_kernel "$c") ;; esac
		case $variant in ksrc-*) [ "$c" != ksrc ] || { col=ksrc; ksrc=$(env_value "$env" ksrc); } ;; esac
	done
	logdir=$([ -z "$kout" ] || jq -r --arg k "$kout" 'select(.kout == $k) | .log // empty | sub("/[^/]*$"; "")' "$tmp/rows" | head -n 1)
	KSRC=$ksrc facts "$col" "$kout" "$flavour" "$logdir" >>"$tmp/columns"
done <"$tmp/kernels"

jq -n -L "$here" --slurpfile rows "$tmp/rows" --slurpfile columns "$tmp/columns" \
	--slurpfile bench "$tmp/bench" --rawfile bench_failures "$tmp/bench.failures" \
	--arg origin "$origin" --arg results "$results" \
	--arg urlbase "$urlbase" --argjson start "${LC_START:-0}" \
	'include "kcidb"; kcidb($rows; $columns; $bench[0]; $bench_failures; $origin; $results; $urlbase; $start)' \
	>"$results/kcidb.json.tmp" || die "kcidb: could not write $results/kcidb.json"
mv "$results/kcidb.json.tmp" "$results/kcidb.json"
"$here/check.sh" "$results/kcidb.json" >"$tmp/check" 2>&1 || {
	cat "$tmp/check" >&2
	die "kcidb: $results/kcidb.json fails its check (above)"
}
stage "kcidb: $results/kcidb.json ($(jq '.checkouts | length' "$results/kcidb.json") checkouts, $(jq '.builds | length' "$results/kcidb.json") builds, $(jq '.tests | length' "$results/kcidb.json") tests, KCIDB v5.3)" >&2
