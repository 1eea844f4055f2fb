# SPDX-License-Identifier: MIT
# A Node cache that is large (50 MiB of Buffers) but steady is not a leak.
. "$AGS_ROOT/tests/lib.sh"

command -v node >/dev/null || skip "node is not installed"
AGSHIM_HEAP_INTERVAL_MS=200 ags_run ev.jsonl node "$AGS_ROOT/tests/progs/heap_node_cache.js" \
	> out.txt || fail "node exited $?"
[ "$(cat out.txt)" = 800 ] || fail "cache program: $(cat out.txt)"
ags_report ev.jsonl > report.json
# The cache really is large and sampled: the snapshots show it.
assert_jq ev.jsonl 'select(.kind == "heap" and (.final | not)) | .live_bytes' "snapshots written"
n=$(jq -s '[.[] | select(.kind == "heap" and (.final | not))] | length' ev.jsonl)
[ "$n" -ge 4 ] || fail "expected at least 4 interval snapshots, got $n"
big=$(jq -s '[.[] | select(.kind == "heap" and (.final | not)) | .live_bytes] | max' ev.jsonl)
[ "$big" -gt 40000000 ] || fail "the cache's 50 MiB should be visible, max live $big"
assert_jq report.json '[.findings[] | select(.id == "heap.leak" or .id == "heap.growth_outside_malloc")] |
	length == 0' "a steady cache is neither a leak nor growth"
