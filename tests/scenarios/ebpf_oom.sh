#!/bin/sh
# SPDX-License-Identifier: MIT
# An OOM kill in a v1 memory cgroup with a 32 MiB limit: agshim attach reports the victim
# (pid, command, memory figures, cgroup) and its death by SIGKILL.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"
mem=/sys/fs/cgroup/memory
[ -f "$mem/cgroup.procs" ] || skip "no cgroup v1 memory controller"

cg="$mem/agshim-oom-$$"
cleanup() {
	for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	sleep 0.2
	rmdir "$cg" 2>/dev/null
}
trap cleanup EXIT
mkdir "$cg" || fail "cannot create $cg"
echo 33554432 >"$cg/memory.limit_in_bytes" || fail "cannot set the limit"

"$AGS_BPF" attach --out ev.jsonl -- \
	sh -c "echo \$\$ > $cg/cgroup.procs && exec $AGS_PROGS/static_hog" 2>err.txt
rc=$?
cat err.txt
[ $rc -eq 137 ] || fail "the hog was not killed by SIGKILL (status $rc)"
grep -q 'oom_kill 1' "$cg/memory.oom_control" || fail "the kernel recorded no OOM kill"

jq -s . ev.jsonl >all.json || fail "ev.jsonl is not JSON Lines"
victim=$(jq '[.[] | select(.kind == "proc_start" and .comm == "static_hog")][0].pid' all.json)
[ "$victim" != null ] || fail "no proc_start for the hog"
assert_jq all.json "any(.[]; .kind == \"oom_kill\" and .victim == $victim and .comm == \"static_hog\"
	and .anon_rss_kb > 16000 and .total_vm_kb > .anon_rss_kb and .memcg_id > 0)" \
	'the oom_kill event with the victim and its memory'
assert_jq all.json "any(.[]; .kind == \"oom_kill\" and .cgroup == \"/agshim-oom-$$\")" \
	'the victim memory cgroup'
assert_jq all.json "any(.[]; .kind == \"proc_exit\" and .pid == $victim and .signal == 9)" \
	'the victim died of SIGKILL'
ags_report ev.jsonl >report.json
assert_jq report.json ".findings | any(.id == \"oom.killed\" and .evidence.victim == $victim
	and .evidence.cgroup == \"/agshim-oom-$$\")" 'oom.killed names the victim and its cgroup'
exit 0
