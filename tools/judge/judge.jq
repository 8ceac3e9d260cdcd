# judge.jq: the one place that decides pass or fail. tools/judge/verdicts.py calls
# judge/5 with the cells a run promised, every record found, the expected
# verdicts, the known core findings and the run's id. Each cell comes out
# as a row with its verdict, ok, and the reasons it failed.

# Cell key: what identifies a record of a cell.
def key: [.kver, .variant, (.iommu // "fake"), .flavour, .boot, .judge, .asked, ((.nth // 0) | tostring),
	  ((.rep // 0) | tostring)] | join("|");

# Every counter fake_iommu has: one missing from a record (a KTAP line lost
# to console interleaving, an older module) is never read as 0.
def required_counters: ["unlocked_attach", "overlapping_attach", "stale_attach",
	"repeat_attach", "atomic_attach", "unmap_unmapped", "map_over_mapped", "inconsistent"];
def required_counts: ["map_into_detached", "map_unbound"];

# tools/judge/expected: "kernel variant scenario verdict[|verdict] conditions reason".
def parse_expected:
	split("\n") | map(select(test("^\\s*(#|$)") | not))
	| map(capture("^(?<kver>\\S+)\\s+(?<variant>\\S+)\\s+(?<scenario>\\S+)\\s+(?<want>\\S+)\\s+(?<conds>\\S+)\\s*(?<why>.*)$")
	      // error("tools/judge/expected: malformed line: \(.)"))
	| map({([.kver, .variant, .scenario] | join("|")): .}) | add // {};

# tools/judge/expected-findings: "kind title-regex reason" (tab-separated).
def parse_findings:
	split("\n") | map(select(test("^\\s*(#|$)") | not))
	| map(split("\t") | map(select(. != ""))
	      | if length < 3 then error("tools/judge/expected-findings: malformed line: \(join(" "))")
		else {kind: .[0], title: .[1], why: .[2]} end);

# The core's own lock assertion (iommu_group_mutex_assert), printed because
# fake_iommu was asked to call it in attach_dev (core_assert=1): counted
# with unlocked_attach, not a splat. Unasked, it is a report like any other.
def mark_assertions: (.knobs.core_assert // 0) as $ca
	| .reports |= map(.assertion = ($ca == 1 and .kind == "warning" and
					(.title | test("WARNING in iommu_group_mutex_assert$"))));
def assertion: .assertion == true;

# Kinds of report after which lockdep is switched off by design.
def stops_lockdep: .kind as $k | ["lockdep", "oops", "kasan", "ubsan"] | index($k);

# Why a record cannot be judged at all: the run did not do what it claims.
def invalid:
	[ (if .guest.status != "ok" then "guest \(.guest.status): \(.guest.message)" else empty end),
	  (.guest.not_ok[] | "guest not ok: \(.)"),
	  (if .guest.status == "ok" and .guest.exit != 0 then "guest steps exited \(.guest.exit // "without a status")" else empty end),
	  (if .splatscan != "ok" then "splatscan \(.splatscan)" else empty end),
	  (if .asked == "" then empty
	   elif .ran | not then "the scenario never started"
	   else
		(if .ktap.present | not then "no KTAP results"
		 else
			(if .ktap.parser != "ok" then "KTAP parser \(.ktap.parser)" else empty end),
			(if .ktap.result == "ok" or .ktap.result == "skip" then empty
			 else "KTAP \(.ktap.result // "result missing"): \(.ktap.reason // "no reason given")" end),
			(if .class == null then "scenario class not reported" else empty end),
			# A correct driver is bound; only api-misuse maps without one.
			(if (.class == "legal" or .class == "driver-bug") and (.counts.map_unbound // 0) > 0
			 then "\(.counts.map_unbound) pages mapped on a client with no driver bound, in a \(.class) scenario"
			 else empty end),
			(if .rounds.requested == null or .rounds.run == null then "rounds not reported"
			 elif .ktap.result == "skip" then empty
			 elif .rounds.run < .rounds.requested then "ran \(.rounds.run) of \(.rounds.requested) rounds"
			 else empty end)
		 end),
		(. as $r | required_counters[] | select($r.detectors[.] == null) | "detector \(.) not reported"),
		(. as $r | required_counts[] | select($r.counts[.] == null) | "count \(.) not reported"),
		(if .knobs == null then "fake_iommu knobs not printed"
		 # a counting run prints nothing inside attach_dev (README, Detectors)
		 elif .judge == "expected" and ((.knobs.warn // 1) != 0 or (.knobs.core_assert // 1) != 0)
		 then "a counting run with fake_iommu printing inside attach_dev (warn=\(.knobs.warn), core_assert=\(.knobs.core_assert))"
		 else empty end),
		(if .lockdep == null then "lockdep state not printed"
		 # a distribution kernel, and the perf flavour (make bench), have no
		 # lockdep: their results say so
		 elif .variant == "stock" or .flavour == "perf" then
			(if .lockdep != "absent" then "lockdep \(.lockdep) in a \(if .variant == "stock" then "stock column" else "perf kernel" end): not the kernel its verdicts describe" else empty end)
		 elif .lockdep == "absent" then "lockdep is not in this kernel (PROVE_LOCKING off)"
		 elif .lockdep == "off" and ([.reports[] | select(stops_lockdep)] | length == 0)
		 then "lockdep was switched off and no report says why"
		 else empty end)
	   end) ];

# error > splat (a report but the core's assertion) > race (a detector
# other than unlocked_attach) > unlocked > skip > clean. skip: the scenario
# said this kernel cannot run it (its reason is a condition of its own),
# and nothing else happened: a report or a count during it outranks it.
def verdict:
	if (invalid | length > 0) then "error"
	elif any(.reports[]; assertion | not) then "splat"
	elif any(.detectors | to_entries[]; .key != "unlocked_attach" and .value > 0) then "race"
	elif (.detectors.unlocked_attach // 0) > 0 or any(.reports[]; assertion) then "unlocked"
	elif .ktap.result == "skip" then "skip"
	else "clean" end;

# Conditions, comma-separated, or "-": "name>0"/"name=0" on a counter, or
# on core_assertions (reports of the core's own lock assertion);
# "report+REGEX": some report other than the core's assertion has a title
# matching REGEX; "report~REGEX": such a report may appear. With either,
# every such report must match one of the line's REGEXes, so an expected
# lockdep cycle cannot hide a KASAN report or an oops. (No spaces or
# commas in a REGEX: "." for a space.) "reason+REGEX": the KTAP reason
# (a skip's, or a failure's) matches REGEX.
def cond_failures($conds; $dets; $reports; $reason):
	if $conds == "-" then []
	else ($conds | split(",")) as $cs
	| [$cs[] | select(startswith("reason+")) | ltrimstr("reason+") as $re
	   | select(($reason // "") | test($re) | not)
	   | "reason does not match \($re) (reason: \($reason // "none"))"]
	+ [$cs[] | select(startswith("report") or startswith("reason+") | not)
	   | (capture("^(?<n>[a-z_]+)(?<op>>0|=0)$")
	      // error("tools/judge/expected: malformed condition \(.)")) as $c
	   | ($dets[$c.n]) as $v
	   | select($v == null or ($c.op == ">0" and $v <= 0) or ($c.op == "=0" and $v != 0))
	   | "\($c.n)\($c.op) fails (\($c.n)=\($v // "not reported"))"]
	+ ([$cs[] | select(startswith("report"))
	    | (capture("^report(?<op>[+~])(?<re>.+)$")
	       // error("tools/judge/expected: malformed condition \(.)"))] as $res
	   | [$reports[] | select(assertion | not) | .title] as $titles
	   | if ($res | length) == 0 then []
	     else [$res[] | select(.op == "+") | .re as $re | select(any($titles[]; test($re)) | not)
		   | "no report matching \($re)"]
		+ [$titles[] | . as $t | select(any($res[]; .re as $re | $t | test($re)) | not)
		   | "unexpected report: \(.)"]
	     end)
	end;

# What a line's conditions name: the detectors, the counts, and
# core_assertions (reports of the core's own lock assertion).
def conditions_on: .detectors + .counts + {core_assertions: ([.reports[] | select(assertion)] | length)};

# How record $r with verdict $v fails expected line $l: its verdict, then
# its conditions.
def line_failures($l; $r; $v):
	(if ("|" + $l.want + "|") | contains("|" + $v + "|") | not
	 then ["got \($v), expected \($l.want) because \($l.why)"] else [] end)
	+ cond_failures($l.conds; $r | conditions_on; $r.reports; $r.ktap.reason);

# A control's line, want "caught": a kernel with a fix reverted or a bug
# planted must fail the expectations of the column named by against+VARIANT
# (the released kernel's line for the same scenario), and every
# failure+REGEX must match that failure or a report's title: the gate
# itself catches the control, on the evidence the line names. What the
# run did not do (a hang, no KTAP, a knob not taken) is caught only where
# a REGEX names it, and a count not reported is never evidence.
def caught_failures($e; $r; $bad; $v; $expected):
	($e.conds | split(",")) as $cs
	| [$cs[] | select(startswith("against+")) | ltrimstr("against+")] as $against
	| [$cs[] | select(startswith("failure+")) | ltrimstr("failure+")] as $res
	| if ($against | length) != 1 or ($res | length) == 0 or ($cs | length) != ($res | length) + 1
	  then error("tools/judge/expected: a caught line needs one against+VARIANT and failure+REGEX conditions: \($e.conds)")
	  else ($expected[[$r.kver, $against[0], $r.scenario] | join("|")]) as $ref
	  | if $ref == null then ["no expected line for \($r.kver) \($against[0]) \($r.scenario) to judge the control by"]
	    elif $ref.want == "as" or $ref.want == "caught"
	    then error("tools/judge/expected: a control's line names a control's line: \($r.kver) \($against[0]) \($r.scenario)")
	    else ([$bad[] | . as $b | select(any($res[]; . as $re | $b | test($re)) | not)]) as $unnamed
	    | ($bad + [line_failures($ref; $r; $v)[] | select(test("not reported") | not)]) as $caught
	    | ($caught + [$r.reports[] | "report: \(.title)"]) as $evidence
	    | if ($unnamed | length) > 0 then ["not caught: the run did not do what it claims: \($unnamed | join("; "))"]
	      elif ($caught | length) == 0 then ["not caught: judged by \($against[0])'s line the cell passes"]
	      else [$res[] | . as $re | select(any($evidence[]; test($re)) | not)
		    | "caught, but nothing matches \($re): \($caught | join("; "))"]
	      end
	    end
	  end;

def known($findings): . as $r | any($findings[]; . as $f | $f.kind == $r.kind and ($r.title | test($f.title)));

def judge($cells; $records; $expected; $findings; $run_id):
	($records | map(select(.run_id == $run_id))) as $ours
	# two records of this run for one cell: which one is the cell?
	| ($ours | group_by(key) | map(select(length > 1) | {(.[0] | key): length}) | add // {}) as $dup
	| ($ours | map({(key): .}) | add // {}) as $mine
	| ($records | map(select(.run_id != $run_id)) | map({(key): .}) | add // {}) as $stale
	| [$cells[] | . as $c | ($mine[$c | key] | if . then mark_assertions else . end) as $r
	   | if $r == null then
		$c + {verdict: "missing", ok: false, scenario: ($c.asked | split(" ")[0]),
		      failures: [if $stale[$c | key] then
				 "only a record left from an earlier run (\($stale[$c | key].run_id)): \($stale[$c | key].log)"
				 else "no record: the run never got to this cell" end]}
	     else
		($r | verdict) as $v
		| (($r | invalid) + (if $dup[$c | key] then ["\($dup[$c | key]) records of this run for one cell"] else [] end)
		   # the knobs the run set (run.sh KNOBS) must be what the guest had
		   + [($c.knobs // {}) | to_entries[] | select($r.knobs[.key] != .value)
		      | "fake_iommu knob \(.key) was \($r.knobs[.key] // "not reported"), the run set \(.value)"]) as $bad
		# a vtd column's lines: "KVER VARIANT:vtd SCENARIO ..."
		| ($r.variant + (($r.iommu // "fake") | if . == "fake" then "" else ":" + . end)) as $vname
		| ($expected[[$r.kver, $vname, $r.scenario] | join("|")]) as $e
		# want "as", condition against+VARIANT: judged by that column's line
		| (if $e.want == "as" then
			($e.conds | capture("^against\\+(?<v>[^,]+)$")
			 // error("tools/judge/expected: an as line needs one against+VARIANT: \($e.conds)")) as $a
			| ($expected[[$r.kver, $a.v, $r.scenario] | join("|")]
			   // {want: "no-line", conds: "-", why: "no expected line for \($r.kver) \($a.v) \($r.scenario)"})
			| if .want == "as" or .want == "caught"
			  then error("tools/judge/expected: a control's line names a control's line: \($r.kver) \($a.v) \($r.scenario)")
			  else . end
		   else $e end) as $e
		| (if $c.judge != "stress" then
			if $e == null then ["no expected line (\($c.judge) run) for \($r.kver) \($vname) \($r.scenario)"]
			elif $e.want == "caught" then caught_failures($e; $r; $bad; $v; $expected)
			else line_failures($e; $r; $v)
			end
		   else
			[$r.reports[] | select((.ours_title or .ours_stack) and (known($findings) | not))
			 | "report in our code: \(.title)"]
		   end) as $policy
		# a run that did not do what it claims is judged on that alone
		# a control's failing run is what it shows: judged by its line alone
		| ($e.want == "caught" and $c.judge != "stress") as $control
		| (if ($bad | length) > 0 and ($control | not) then [] else $policy end) as $policy
		| (if $control then [] else $bad end) as $bad
		| $r + {verdict: $v, expected: ($e.want // null), why: ($e.why // null), conds: ($e.conds // null),
			failures: ($bad + $policy),
			findings: (if $c.judge != "stress" then []
				   else [$r.reports[] | select((.ours_title or .ours_stack) and (known($findings) | not) | not)]
				   end),
			ok: (($bad + $policy) | length == 0)}
	     end];

# make bench (tools/report/bench.py): raw lines "kernel kver variant state
# threads tool op mode boot rep value" into rows: each boot's median over
# its repetitions, the median over boots, spread over boot medians (over
# repetitions where there is one boot).
def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def spread: if length == 0 or median == 0 then null else (max - min) * 100 / median end;
def bench_rows($boots; $reps):
	split("\n") | map(select(length > 0) | split(" ")
		| if length != 11 then error("bench.raw: malformed line: \(join(" "))") else . end
		| {kernel: .[0], kver: .[1], variant: .[2], state: .[3], threads: (.[4] | tonumber),
		   tool: .[5], op: .[6], mode: .[7], boot: (.[8] | tonumber), rep: (.[9] | tonumber),
		   value: (.[10] | tonumber)})
	| group_by([.kernel, .variant, .state, .threads, .tool, .op, .mode])
	| map(. as $g
	      | ($g | group_by(.boot) | map(map(.value) | median)) as $bm
	      | ($g[0] | {kernel, kver, variant, state, threads, tool, op, mode})
		+ {boots: ($bm | length), reps: ($g | group_by(.boot) | map(length) | min),
		   boots_asked: (if $g[0].mode == "icount" then $boots else 1 end), reps_asked: $reps,
		   spread_pct: (if ($bm | length) > 1 then $bm | spread else $g | map(.value) | spread end),
		   min: ($bm | min), max: ($bm | max)}
		+ (if $g[0].mode == "icount" then {instructions_per_op: ($bm | median)}
		   else {ns_per_op_median: ($bm | median)} end));

# Whether the bench's numbers hold: every column ("KVER:VARIANT") has a
# row for every state and op of the plan and every contention run; every
# row has the boots and repetitions asked; icount rows of the harness spread at most 0.5% across
# boots; the off control of every variant of a kernel agrees within the
# spread: the boot-median intervals of all variants overlap, each widened
# by the 1-instruction resolution of a per-op value (a batch's count over
# its 16 ops, truncated).
def bench_plan: [["off", "pair"], ["off", "map"], ["attached", "pair"], ["attached", "map"],
	["atomic", "pair"], ["atomic", "map"], ["first", "map"]];
def bench_failures($columns):
	. as $rows
	| [ ($columns[] | split(":") as [$kv, $v]
	     | (bench_plan[] as [$st, $op]
		| select([$rows[] | select(.kver == $kv and .variant == $v and .mode == "icount"
					and .tool == "harness" and .state == $st and .op == $op)] | length == 0)
		| "\($kv) \($v) \($st) \($op): no numbers"),
	       ([1, 2, 4][] as $t | ["harness", "dma_map_benchmark"][] as $tool
		| select([$rows[] | select(.kver == $kv and .variant == $v and (.mode | startswith("contention"))
					and .tool == $tool and .threads == $t)] | length == 0)
		| "\($kv) \($v) contention \($tool) threads=\($t): no numbers"),
	       # the threads over two devices of one group
	       ([2, 4][] as $t
		| select([$rows[] | select(.kver == $kv and .variant == $v and (.mode | startswith("contention"))
					and .tool == "harness" and .state == "group" and .threads == $t)] | length == 0)
		| "\($kv) \($v) contention group threads=\($t): no numbers")),
	  (.[] | select(.boots < .boots_asked or .reps < .reps_asked)
	   | "\(.kernel) \(.variant) \(.state) \(.op) \(.tool) threads=\(.threads): \(.boots) of \(.boots_asked) boots, \(.reps) of \(.reps_asked) repetitions"),
	  (.[] | select(.mode == "icount" and .tool == "harness" and (.spread_pct == null or .spread_pct > 0.5))
	   | "\(.kernel) \(.variant) \(.state) \(.op): spread \(.spread_pct)% across boots exceeds 0.5%"),
	  ([.[] | select(.mode == "icount" and .tool == "harness" and .state == "off")]
	   | group_by([.kernel, .op])[] | select((map(.min) | max) - 1 > (map(.max) | min) + 1)
	   | "\(.[0].kernel) off \(.[0].op): the control differs across variants (\(map("\(.variant) \(.min)..\(.max)") | join(", ")))") ];
