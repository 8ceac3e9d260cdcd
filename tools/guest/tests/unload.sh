# rmmod during a long scenario returns quickly; load/unload cycles work.
wr $HR/trigger "map_vs_attach rounds=100000 timeout_s=60 delay_us=100"
sleep 2
t0=$(cut -d. -f1 /proc/uptime)
rmmod harness && pass "rmmod harness during a run" || fail "rmmod harness during a run" "failed"
t1=$(cut -d. -f1 /proc/uptime)
expect "rmmod returned within 2 seconds" [ $((t1 - t0)) -le 2 ]
i=0
while [ $i -lt 50 ]; do
	rmmod fake_iommu 2>/dev/null
	load fake_iommu clients=3 || break
	i=$((i + 1))
done
expect "50 load/unload cycles" [ $i -eq 50 ]
rmmod fake_iommu
expect "fake_iommu unloads with clients" [ ! -d $FI ]
