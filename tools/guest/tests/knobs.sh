# Every fake_iommu knob refuses bad input with EINVAL and keeps its value.
plan 11
for knob in attach_delay_us attach_delay_sleeps attach_may_sleep attach_drops core_assert deferred warn; do
	before=$(cat $FI/$knob)
	for bad in abc -1 4294967296 99999999999999999999 1001 2x "1 2" "" +1 0x10 " 1"; do
		if wr $FI/$knob "$bad" 2>/dev/null; then
			fail "knob $knob refuses '$bad'" "write succeeded"
		elif [ "$(cat $FI/$knob)" != "$before" ]; then
			fail "knob $knob keeps its value after '$bad'" "now $(cat $FI/$knob)"
		fi
	done
	pass "knob $knob refuses bad input"
done
if wr $FI/attach_delay_us 1000; then
	expect "attach_delay_us takes its maximum" [ "$(cat $FI/attach_delay_us)" = 1000 ]
else
	fail "attach_delay_us takes its maximum" "write of 1000 refused"
fi
wr $FI/attach_delay_us 0
for f in add_clients remove_client reset; do
	wr $FI/$f "junk" 2>/dev/null && fail "$f refuses junk" "write succeeded" || pass "$f refuses junk"
done
