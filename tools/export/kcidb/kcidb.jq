# kcidb.jq: this project's results as one KCIDB v5.3 document
# (tools/export/kcidb/kcidb.py gathers the inputs, from one run, and checks
# the output). Nothing here judges: a test's status is what
# tools/judge/judge.jq decided for its cell.

# A cell's status says what KCIDB's statuses say, about the code under
# test: PASS, the kernel behaved correctly (verdict clean); FAIL, it
# showed the fault (race, splat, unlocked: the attach without
# group->mutex); SKIP, it cannot run the scenario; ERROR, the boot gave no
# usable evidence; MISS, the run never got to the cell. A negative
# control (class api-misuse: no bound DMA-API driver can do it) says
# nothing about the kernel: DONE. Whether the cell came out as
# tools/judge/expected says (the project's own pass or fail, which gates its
# CI) is misc.as_expected, with the expectation and its reason.
def status:
	if .verdict == "missing" then "MISS"
	elif .verdict == "error" then "ERROR"
	elif .class == "api-misuse" then "DONE"
	elif .verdict == "skip" then "SKIP"
	elif .verdict == "clean" then "PASS"
	else "FAIL" end;

# Units of the counters a record carries (fake_iommu's, the harness's).
def unit:
	{unlocked_attach: "attaches", overlapping_attach: "attaches",
	 stale_attach: "attaches", repeat_attach: "attaches", atomic_attach: "attaches",
	 unmap_unmapped: "unmaps", map_over_mapped: "maps", inconsistent: "checks",
	 map_into_detached: "maps", map_unbound: "pages", attach: "attaches",
	 deferred_attach: "attaches", attach_failed: "attaches", mapped_pages: "pages",
	 unmapped_pages: "pages", fault_points: "points", faults_absorbed: "faults",
	 group_overlap: "attaches"}[.] // "events";

# A file's URL, where there is one: below KCIDB_URL_BASE for a file under
# the results (each path segment percent-encoded); a file of this machine
# only is no URL for KCIDB, and the field is left out.
def url($results; $base; $p):
	if $base != "" and ($p | startswith($results + "/"))
	then $base + ($p | ltrimstr($results) | split("/") | map(@uri) | join("/"))
	else null end;
def files($results; $base; $named): [$named[] | {name, url: url($results; $base; .path)} | select(.url)];

def checkout_id($origin):
	"\($origin):" + (if .git != "" then .git
		else "\(.package)_\(.version)" end)
	+ (if .patchset_hash != "" then "+\(.patchset_hash)" else "" end);

def build_id($origin):
	"\($origin):" + (if .kout != "" then (.kout | split("/") | last)
		else "\(.kver)-\(.variant)" end)
	+ (if .flavour != "" then "-\(.flavour)" else "" end);

def env_comment:
	"QEMU \({tcg: "TCG", "tcg-icount": "TCG -icount", kvm: "KVM"}[.accel // "tcg"] // .accel) x86_64, 1 GiB, " + ({fake: "2 vCPUs, fake_iommu (the model)",
		vtd: "q35 with QEMU's intel-iommu and edu, a real kdump capture kernel (2 vCPUs)",
		amd: "q35 with QEMU's amd-iommu and edu, a real kdump capture kernel (2 vCPUs)"}[.iommu // "fake"]);

def kcidb($rows; $columns; $bench; $bench_failures; $origin; $results; $urlbase; $start):
	($columns | map(. + {checkout: checkout_id($origin), build: build_id($origin)})) as $cols
	# a cell's build: the kernel its record booted; a cell with no record,
	# its kernel's by name
	| def col_of($r):
		(if $r.kout then ($cols | map(select(.kout == $r.kout)) | first) else null end)
		// ($cols | map(select(.kver == $r.kver and .variant == $r.variant
			and .flavour == ($r.flavour // ""))) | sort_by(.kout == "") | first);
	def nonull: map(with_entries(select(.value != null)));
	# how many repetitions of its cell the run holds (REPEAT, races' REPS)
	def norep: [.kver, .variant, (.iommu // "fake"), (.flavour // ""), .boot, .judge,
		    (.asked // .scenario), (.nth // 0)] | tostring;
	($rows | group_by(norep) | map({(.[0] | norep): length}) | add // {}) as $nrep
	| {version: {major: 5, minor: 3},
	 checkouts: [$cols | unique_by(.checkout)[] | {
		id: .checkout, origin: $origin,
		tree_name: (if .git != "" then "ksrc" else "debian" end),
		git_commit_name: (if .git != "" then .git else "\(.package) \(.version)" end),
		patchset_files: files($results; $urlbase; [.patches[] | {name: (split("/") | last), path: .}]),
		patchset_hash: .patchset_hash,
		valid: true,
		comment: (if .package | test("^linux-(image|binary)") then "Debian's kernel as built, no patches"
			  elif .git != "" then "the tree given as KSRC"
			  else "Debian's \(.package) \(.version), with the patch set \(.column | sub("^[^:]*:"; "") | sub(":(fake|vtd|amd)$"; ""))" end),
		misc: {column: .column}}
		+ (if $start > 0 then {start_time: ($start | todate)} else {} end)
		+ (if .git != "" then {git_commit_hash: .git} else {} end)] | nonull,
	 builds: [$cols | unique_by(.build)[] | {
		id: .build, origin: $origin, checkout_id: .checkout,
		architecture: "x86_64",
		config_name: (if .flavour != "" then .flavour elif .package | test("^linux-(image|binary)") then "debian"
			      else "lockdep" end),
		status: "PASS",
		misc: {kernelrelease: .release, bzimage_sha256: .bzimage_sha256, modules_sha256: .modules_sha256}}
		+ (if .compiler != "" then {compiler: .compiler} else {} end)
		+ (if .config != "" then {config_url: url($results; $urlbase; .config)} else {} end)] | nonull,
	 tests: (([$rows[] | . as $r | col_of($r) as $c
		| if $c == null then error("no build for the cell \(.kver) \(.variant) \(.asked)") else . end
		# the asked line, not the scenario: a boot may ask two lines of one
		# scenario (make soak's warm-up and its run)
		| "\($origin):\(.run_id // "norun"):\(.run):\(.kver)-\(.variant)-\(.iommu // "fake")-\(.flavour // "")-\(.boot):\((.asked // .scenario) | gsub(" "; "+")):\(.nth // 0):\(.rep // 0)" as $id
		| "lockcheck.\(.judge).\(.scenario)" as $path
		| {id: $id, origin: $origin, build_id: $c.build, path: $path, status: status,
		   comment: ("\(.verdict)" + (if .expected then " (expected \(.expected))" else "" end)
			     + ([.failures[]?] | if length > 0 then ": " + join("; ") else "" end))[:4000],
		   environment: {comment: ($r | env_comment),
				 misc: {iommu: (.iommu // "fake"), boot: .boot, flavour: .flavour}},
		   misc: ({run: .run, run_id: .run_id, asked: .asked, class: .class, verdict: .verdict,
			   as_expected: .ok, expected: .expected, why: .why, failures: .failures, knobs: .knobs,
			   rep: (.rep // 0), repeats: $nrep[norep],
			   reports: [(.reports // [])[] | .title], accel: .accel, artefacts: .artefacts}
			  | with_entries(select(.value != null)))}
		  + (if .log then {log_url: url($results; $urlbase; .log),
			output_files: files($results; $urlbase; [{name: "console.log", path: .log},
				{name: "record.json", path: (.log | sub("\\.log$"; ".record.json"))}])}
		     else {} end),
		  # the counters: measurements, DONE; only where the cell has a record
		  ((.detectors // {}) + (.counts // {}) | to_entries[]
		   | {id: "\($id):\(.key)", origin: $origin, build_id: $c.build, path: "\($path).\(.key)",
		      status: "DONE", number: {value: .value, unit: (.key | unit)}})])
		# make bench: its figures are measurements (DONE); whether they hold
		# is tools/report/bench.py's verdict (bench.failures), one test
		+ ([$bench[] | . as $b
		   | ($cols | map(select(.kver == $b.kver and .variant == $b.variant and .flavour == "perf")) | first) as $c
		   | if $c == null then error("no build for the bench row \(.kver) \(.variant)") else . end
		   | {id: "\($origin):bench:\(.kernel)-\(.variant):\(.mode):\(.state):\(.tool):\(.op):t\(.threads)",
		      origin: $origin, build_id: $c.build,
		      path: "lockcheck.bench.\(.mode).\(.state).\(.tool).\(.op).t\(.threads)",
		      status: "DONE",
		      number: (if .instructions_per_op then {value: .instructions_per_op, unit: "instructions/op"}
			       else {value: .ns_per_op_median, unit: "ns/op"} end),
		      misc: {min: .min, max: .max, spread_pct: .spread_pct, boots: .boots, reps: .reps,
			     boots_asked: .boots_asked, reps_asked: .reps_asked}}]
		   | if length == 0 then . else
			. + [{id: "\($origin):bench", origin: $origin, build_id: .[0].build_id,
			      path: "lockcheck.bench",
			      # whether the figures hold, not whether the kernel is right
			      status: (if $bench_failures == "" then "DONE" else "ERROR" end),
			      comment: (if $bench_failures == "" then "every row has its boots and repetitions, icount spread <= 0.5%, the off control agrees"
					else $bench_failures[:4000] end)}]
		     end) | nonull)
	};
