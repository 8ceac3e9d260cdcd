# rmmod during a long scenario returns quickly; load/unload cycles work.
plan 5
wr $HR/trigger "map_vs_attach rounds=100000 timeout_s=60 delay_us=100"
sleep 2
t0=$(cut -d. -f1 /proc/uptime)
rmmod harness && pass "rmmod harness during a run" || fail "rmmod harness during a run" "failed"
t1=$(cut -d. -f1 /proc/uptime)
expect "rmmod returned within 2 seconds" [ $((t1 - t0)) -le 2 ]
# The core pins fake_iommu once per probed client, as any IOMMU driver:
# it unloads once the clients are removed.
i=0
while [ $i -lt 50 ]; do
	wr $FI/remove_client all && rmmod fake_iommu && load fake_iommu clients=3 || break
	i=$((i + 1))
done
expect "50 load/unload cycles" [ $i -eq 50 ]
rmmod fake_iommu 2>/dev/null && fail "rmmod refused while clients exist" "fake_iommu unloaded" ||
	pass "rmmod refused while clients exist"
wr $FI/remove_client all
rmmod fake_iommu
expect "fake_iommu unloads once its clients are removed" [ ! -d $FI ]
