# SPDX-License-Identifier: MIT
# AGSHIM_HEAP_SAMPLE=1 records every allocation: 16 leaked blocks of 4 KiB come out exact.
. "$AGS_ROOT/tests/lib.sh"

AGSHIM_HEAP_SAMPLE=1 ags_run ev.jsonl "$AGS_PROGS/heap_exact" || fail "heap_exact exited $?"
jq -s '[.[] | select(.kind == "heap_stack" and (.frames // [] | .[0] | startswith("leak_block+")))]' \
	ev.jsonl > leak.json
assert_jq leak.json 'length == 1' "one heap_stack names leak_block as the allocating frame"
assert_jq leak.json '.[0].live_bytes == 65536 and .[0].live_count == 16 and .[0].err_bytes == 0' \
	"exact bytes and count: 16 x 4096, no sampling error"
jq -s '[.[] | select(.kind == "heap")] | last' ev.jsonl > heap.json
assert_jq heap.json '.final == true and .sample_bytes == 1 and .lost_samples == 0' \
	"the exit snapshot, every allocation, nothing lost"
assert_jq heap.json '.rss_bytes > 0 and .malloc_used_bytes >= 65536' "RSS and mallinfo2 figures"
