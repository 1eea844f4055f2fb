# SPDX-License-Identifier: MIT
# Node keeps Buffers in a growing array: heap.leak names the JavaScript function (perf map),
# with RSS and malloc heap figures and an estimate within its error of the truth.
. "$AGS_ROOT/tests/lib.sh"

command -v node >/dev/null || skip "node is not installed"
AGSHIM_HEAP_INTERVAL_MS=200 AGSHIM_HEAP_SEED=3 ags_run ev.jsonl node --perf-basic-prof \
	--interpreted-frames-native-stack "$AGS_ROOT/tests/progs/heap_node_leak.js" > truth.txt ||
	fail "node exited $?"
truth=$(cat truth.txt)
ags_report ev.jsonl > report.json
assert_jq report.json '[.findings[] | select(.id == "heap.leak")] | length >= 1' "a leak is named"
assert_jq report.json '[.findings[] | select(.id == "heap.leak")] | max_by(.evidence.live_bytes) |
	.evidence.site | test("^JS:rememberRequest .*heap_node_leak.js")' \
	"the largest leak is the JavaScript function that keeps the Buffers"
assert_jq report.json "$truth"' as $t | [.findings[] | select(.id == "heap.leak")] |
	max_by(.evidence.live_bytes) | .evidence |
	.rss_last_bytes > .rss_first_bytes + 0.5 * $t and .malloc_last_bytes > 0.5 * $t and
	.live_bytes > 0.5 * $t and .live_bytes < $t + 3 * .err_bytes' \
	"RSS and malloc heap grew with it; the estimate fits the $truth bytes kept"
