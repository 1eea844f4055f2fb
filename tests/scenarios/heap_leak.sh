# SPDX-License-Identifier: MIT
# cache_put leaks 64 KiB per call amid balanced churn: heap.leak names it, with the right size.
. "$AGS_ROOT/tests/lib.sh"

AGSHIM_HEAP_SEED=7 AGSHIM_HEAP_INTERVAL_MS=20 ags_run ev.jsonl "$AGS_PROGS/heap_leak" 1500 \
	> truth.txt || fail "heap_leak exited $?"
ags_report ev.jsonl > report.json
assert_jq report.json '[.findings[] | select(.id == "heap.leak")] | length == 1' \
	"one leak: the churn of mixed sizes is balanced and not named"
assert_jq report.json '.findings[] | select(.id == "heap.leak") | .evidence.site == "cache_put"
	and (.evidence.frames[0] | startswith("cache_put+"))' "the leak names cache_put"
# The estimate is the truth within three standard errors of its own.
truth=$(cat truth.txt)
assert_jq report.json "$truth"' as $truth | .findings[] |
	select(.id == "heap.leak") | .evidence | (.live_bytes - $truth | fabs) <= 3 * .err_bytes
	and .err_bytes > 0 and .err_bytes < 0.2 * $truth and .snapshots >= 3' \
	"estimated bytes within the sampling error of $truth"
assert_jq report.json '.findings[] | select(.id == "heap.leak") | .playbook.fix | length > 0' \
	"the playbook entry is attached"
# The same stacks as folded lines for FlameGraph/speedscope: root first, bytes last.
"$AGS_REPORT" --folded ev.jsonl > folded.txt || fail "--folded failed"
grep -Eq '^heap_leak;_start;.*;main;cache_put [0-9]+$' folded.txt ||
	fail "no folded line for cache_put: $(head -c 600 folded.txt)"
live=$(jq '.findings[] | select(.id == "heap.leak") | .evidence.live_bytes' report.json)
grep -q ";cache_put $live\$" folded.txt || fail "folded bytes differ from the finding's $live"
