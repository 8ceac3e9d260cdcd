# A deferred client's first map attaches from the mapping thread, the table
# translates, unmap empties it; injected failures keep it deferred.
plan 6
grep -q 'deferred=1 hw=none core=dma dma_iommu=1' $FI/clients &&
	pass "client comes up deferred with a DMA default domain" ||
	fail "client comes up deferred" "$(cat $FI/clients)"
scenario "map_vs_map rounds=5 threads=1" >/tmp/r
expect "first maps ok and translate" grep -q '^ok 1 map_vs_map' /tmp/r
expect "each deferral attached once" grep -q '^# count deferred_attach: 5' /tmp/r
expect "tables empty after unmap" grep -q '^# check_failures: 0' /tmp/r
scenario "fault_first_map rounds=3 fails=2" >/tmp/r
expect "injected failures fail the map and keep the device deferred" grep -q '^ok 1 fault_first_map' /tmp/r
expect "six failed maps" grep -q '^# maps_failed: 6' /tmp/r
