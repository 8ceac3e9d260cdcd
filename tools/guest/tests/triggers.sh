# Malformed trigger lines are refused with EINVAL and start nothing; a valid
# line afterwards runs.
plan 7
n=0
while IFS= read -r bad; do
	n=$((n + 1))
	if wr $HR/trigger "$bad" 2>/dev/null; then
		fail "trigger refuses '$bad'" "write succeeded"
		while grep -q '^# running' $HR/results; do sleep 0.2; done
	fi
done <<'LINES'
no_such_scenario
map_vs_attach rounds=0
map_vs_attach rounds=100001
map_vs_attach rounds=-1
map_vs_attach rounds=abc
map_vs_attach rounds=1x
map_vs_attach rounds=
map_vs_attach =5
map_vs_attach rounds
map_vs_attach rounds=5 rounds=6
map_vs_attach threads=9
map_vs_attach threads=0
map_vs_attach delay_us=1001
map_vs_attach path=bus
map_vs_attach api=dma
map_vs_attach api=
fault_sweep max_n=0
attach_fault_sweep rounds=2
map_vs_attach path=
map_vs_attach ctx=timer
map_vs_attach bogus=1
map_vs_attach rounds=99999999999999999999
map_vs_attach rounds=0x10
map_vs_attach rounds=+5
atomic_first_map ctx=softirq
atomic_first_map threads=2
fault_first_map fails=0
fault_first_map fails=101
bench iters=0
bench path=deferred
bench threads=9
probe_first_map threads=2
map_vs_map timeout_s=0
map_vs_map timeout_s=3601
Map_vs_map
map_vs_map	rounds=1	rounds=2
LINES
expect "30 or more malformed lines tried" [ $n -ge 30 ]
expect "nothing ran after malformed lines" grep -q '^# no scenario has run' $HR/results
# A run long enough that the second trigger surely finds it running; then
# abort it, and a short valid line runs to ok.
wr $HR/trigger "map_vs_map rounds=100000 timeout_s=3600" && pass "a valid line after them is taken" ||
	fail "valid line" "refused"
wr $HR/trigger "map_vs_map rounds=2" 2>/dev/null && fail "second trigger while running gets EBUSY" "accepted" ||
	pass "second trigger while running is refused"
wr $HR/abort 1
while grep -q '^# running' $HR/results; do sleep 0.2; done
expect "abort ends the long run not ok, saying why" grep -q '^# reason: aborted' $HR/results
wr $HR/trigger "map_vs_map rounds=2" || fail "valid line after abort" "refused"
while grep -q '^# running' $HR/results; do sleep 0.2; done
expect "the valid line ran to ok" grep -q '^ok 1 map_vs_map' $HR/results
wr $HR/abort 2 2>/dev/null && fail "abort refuses 2" "accepted" || pass "abort refuses 2"
