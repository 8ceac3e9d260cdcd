# record.jq: what one boot did, as data. tools/boot.sh calls record/6 with
# the console log, splatscan's reports and the boot's outcome; the result
# is one record per scenario the boot's steps asked for. Nothing here
# decides pass or fail: that is tools/judge.jq's job alone.

# The guest's markers (tools/guest/lib.sh and init).
def m_scenario: "@@lockcheck: scenario ";
def ours_function: "^(fi_|hr_|fake_iommu|harness_|debugfs_fuzz)";
def our_modules: ["fake_iommu", "harness"];

# The guest writes through the kernel's log (tools/guest/init), so its
# lines carry printk's time prefix (and caller id, where configured): drop
# it. A log from a guest that wrote to the console itself may have kernel
# text before a marker on its line: start the line at the marker.
def printk_prefix: "^\\[ *[0-9]+\\.[0-9]+\\](\\[ *[TC][0-9]+\\])? ?";
def log_lines($log): $log | split("\n")
	| map(sub("\r$"; "") | sub(printk_prefix; "") | if test(".@@lockcheck: ") then "@@lockcheck: " + (split("@@lockcheck: ")[1:] | join("@@lockcheck: ")) else . end);

# 1-based numbers of the lines where each scenario's block starts.
def scenario_starts($lines):
	[$lines | to_entries[] | select(.value | startswith(m_scenario)) | .key + 1];

# Lines [from, to) of block k (1-based line numbers), or null.
def block_range($lines; $starts; $k):
	if $k >= ($starts | length) then null
	else [$starts[$k], (if $k + 1 < ($starts | length) then $starts[$k + 1]
			   else ($lines | length) + 1 end)]
	end;

def block($lines; $starts; $k):
	block_range($lines; $starts; $k) as $r
	| if $r == null then null else $lines[$r[0] - 1:$r[1] - 1] end;

# The KTAP text between the results markers of a block.
def ktap_lines($b):
	if $b == null then []
	else
		# kernel text may also follow a marker on its line
		([$b | to_entries[] | select(.value | startswith("@@lockcheck: results begin")) | .key] | first) as $i
		| ([$b | to_entries[] | select(.value | startswith("@@lockcheck: results end")) | .key] | first) as $j
		| if $i == null or $j == null or $j < $i then [] else $b[$i + 1:$j] end
	end;

def ktap_text($log; $k):
	log_lines($log) as $l
	| ktap_lines(block($l; scenario_starts($l); $k)) | join("\n");

# "# name: value" diagnostics; "# detector name: N" and "# count name: N".
def diag($kt):
	[$kt[] | capture("^# (?<k>[a-z_0-9]+): (?<v>.*)$")? | {(.k): .v}] | add // {};
def numbered($kt; $what):
	[$kt[] | capture("^# " + $what + " (?<k>[a-z_0-9]+): (?<v>-?[0-9]+)$")?
	 | {(.k): (.v | tonumber)}] | add // {};

def boot_status($vmerr):
	if $vmerr == "" then "ok"
	elif ($vmerr | test("guest hung")) then "hang"
	elif ($vmerr | test("guest panicked")) then "panic"
	elif ($vmerr | test("guest oopsed")) then "oops"
	elif ($vmerr | test("stopped before|never ran")) then "incomplete"
	else "error" end;

# A report is tied to our code when the function its title blames is ours
# (ours_title), or a frame of it is (ours_stack: by [module] tag or name).
# Frames of a task an interrupt arrived on (after "</IRQ>" or an interrupt
# entry frame, up to the next stack) are not the report's: a timer race
# that happens to interrupt our code is not ours. A leak found after rmmod
# has our frames as bare module addresses only.
def our_frame_line:
	test("\\[(fake_iommu|harness)( [0-9a-f]+)?\\]") or
	((capture(" (?<f>[A-Za-z_][A-Za-z0-9_.]*)\\+0x") // {f: ""}).f | test(ours_function));
def stack_start: test("Call Trace:|^(\\[[^]]*\\] *)?(read|write|race|value changed)|<TASK>$|backtrace");
def irq_over: test("</IRQ>|asm_(sysvec|common_interrupt|spurious_interrupt)");
def attribute($lines):
	(.title | [scan(" in ([A-Za-z0-9_.]+)"), scan(" / ([A-Za-z0-9_.]+)")] | flatten) as $fns
	| $lines[.first_line - 1:.last_line] as $text
	| .ours_title = any($fns[]; test(ours_function))
	| .ours_stack = ((reduce $text[] as $t ({skip: false, hit: false};
				if ($t | stack_start) then .skip = false
				elif ($t | irq_over) then .skip = true
				elif (.skip | not) and ($t | our_frame_line) then .hit = true
				else . end) | .hit)
			 or (.kind == "kmemleak" and
			     any($text[]; test("^\\s*0xffffffffa[0-9a-f]+$"))));

# record(log; reports; vmerr; splatscan status; KTAP parser results, one
# per asked scenario; meta): the records, one per asked scenario.
def record($log; $reports; $vmerr; $splat; $parsers; $meta):
	log_lines($log) as $l
	| scenario_starts($l) as $starts
	# Steps that ask no scenario still get one record: the boot's own.
	| ($meta.asked | if length == 0 then [""] else . end) as $asked_lines
	| ($asked_lines | length) as $n
	| {status: boot_status($vmerr), message: $vmerr,
	   exit: ([$l[] | capture("@@lockcheck: done rc=(?<rc>[0-9]+)")?
		   | .rc | tonumber] | last),
	   not_ok: [$l[] | capture("@@lockcheck: not ok (?<w>.*)$")? | .w]} as $boot
	| [range(0; $n) as $k
	   | block($l; $starts; $k) as $b
	   | ktap_lines($b) as $kt
	   | diag($kt) as $d
	   | ($kt | map(select(test("^(not )?ok 1 "))) | first) as $res
	   | block_range($l; $starts; $k) as $r
	   | ($asked_lines[$k]) as $asked
	   | $meta + {
		asked: $asked,
		# the same line asked again in one boot (bench repetitions)
		nth: ([$asked_lines[0:$k][] | select(. == $asked)] | length),
		scenario: ($asked | split(" ")[0]),
		class: $d.class,
		guest: $boot,
		# the line itself, or it with kernel text glued on ("[ 1.2] ...")
		ran: ($asked != "" and $b != null and
		      ($b[0] == m_scenario + $asked or ($b[0] | startswith(m_scenario + $asked + "[")))),
		ktap: {present: ($kt | length > 0),
		       result: (if $res == null then null
				elif ($res | startswith("not ok")) then "not ok"
				elif ($res | test(" # SKIP")) then "skip"
				else "ok" end),
		       # a skipped test's reason is its SKIP directive's
		       reason: ((($res // "") | capture(" # SKIP (?<r>.*)$") | .r)? // $d.reason),
		       parser: ($parsers[$k] // "no KTAP"),
		       diag: $d},
		rounds: {requested: ($d.rounds_requested | if . then tonumber else null end),
			 run: ($d.rounds_run | if . then tonumber else null end)},
		detectors: numbered($kt; "detector"),
		counts: numbered($kt; "count"),
		# fake_iommu's knobs as the scenario started: which run this is
		knobs: ([($b // [])[] | capture("^@@lockcheck: knobs (?<s>.*)$")? | .s] | first
			| if . == null then null
			  else [splits(" +") | select(. != "") | capture("^(?<k>[a-z_]+)=(?<v>[0-9]+)$")?
				| {(.k): (.v | tonumber)}] | add // {} end),
		lockdep: ([($b // [])[] | capture("^@@lockcheck: lockdep (?<s>.*)$")? | .s]
			  | last
			  | if . == null then null
			    elif . == "absent" then "absent"
			    elif . == "debug_locks=1" then "on"
			    else "off" end),
		splatscan: $splat,
		reports: (if $splat != "ok" then []
			  else [$reports[]
				| select(($r == null and $k == 0) or
					 ($r != null and .first_line < $r[1] and
					  (.first_line >= $r[0] or $k == 0)))
				| attribute($l)
				| {kind, title, first_line, ours_title, ours_stack}]
			  end)
	     }];
