# SPDX-License-Identifier: MIT
# Node grows JavaScript objects only: RSS rises while the malloc heap stays flat.
. "$AGS_ROOT/tests/lib.sh"

command -v node >/dev/null || skip "node is not installed"
AGSHIM_HEAP_INTERVAL_MS=200 ags_run ev.jsonl node "$AGS_ROOT/tests/progs/heap_node_v8.js" \
	> out.txt || fail "node exited $?"
ags_report ev.jsonl > report.json
assert_jq report.json '[.findings[] | select(.id == "heap.growth_outside_malloc")] | length == 1' \
	"growth outside malloc is named"
assert_jq report.json '.findings[] | select(.id == "heap.growth_outside_malloc") | .evidence |
	.rss_last_bytes - .rss_first_bytes > 50000000 and
	.outside_last_bytes - .outside_first_bytes > 40000000 and
	(.malloc_last_bytes - .malloc_first_bytes) < 0.25 * (.rss_last_bytes - .rss_first_bytes)' \
	"RSS and outside-malloc memory grew, the malloc heap did not"
assert_jq report.json '[.findings[] | select(.id == "heap.leak")] | length == 0' \
	"no malloc stack is blamed for V8's heap"
