# SPDX-License-Identifier: MIT
# A process grows inside a memory cgroup with a 48 MiB limit until the OOM killer ends it:
# oom.killed names the growth that led there.
. "$AGS_ROOT/tests/lib.sh"

need_root
# The memory controller: cgroup v1's memory hierarchy, or v2 with memory enabled.
rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)
if [ -n "$rel" ] && [ -d "/sys/fs/cgroup/memory$rel" ]; then
	cg="/sys/fs/cgroup/memory$rel/agshim-heap-$$"
	limit_file=memory.limit_in_bytes
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	cg="/sys/fs/cgroup$(awk -F: '$1 == 0 {print $3}' /proc/self/cgroup)/agshim-heap-$$"
	limit_file=memory.max
else
	skip "no memory cgroup controller here"
fi
mkdir "$cg" 2>/dev/null || skip "cannot create a memory cgroup under $(dirname "$cg")"
trap 'rmdir "$cg" 2>/dev/null' EXIT
echo $((48 * 1024 * 1024)) > "$cg/$limit_file" || skip "cannot set the memory limit"
[ -f "$cg/memory.swappiness" ] && echo 0 > "$cg/memory.swappiness" 2>/dev/null

# sh is traced too: its wait event says how the child ended.
AGSHIM_HEAP_INTERVAL_MS=50 ags_run ev.jsonl sh -c \
	'echo $$ > "$1/cgroup.procs" && "$2"' sh "$cg" "$AGS_PROGS/heap_oom"
rc=$?
[ $rc -eq 137 ] || fail "expected the OOM killer's SIGKILL (137), got $rc"
ags_report ev.jsonl > report.json
assert_jq report.json '[.findings[] | select(.id == "oom.killed")] | length == 1' \
	"the kill is named"
assert_jq report.json '.findings[] | select(.id == "oom.killed") | .evidence |
	.cg_limit_bytes == 50331648 and .cg_usage_bytes > 0.8 * .cg_limit_bytes and
	.growing_site == "grow_forever" and .growth_bytes_per_s > 0' \
	"limit, usage near it, and the growing function that filled it"
