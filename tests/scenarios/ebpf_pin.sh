#!/bin/sh
# SPDX-License-Identifier: MIT
# attach --pin: the loader exits, the programs stay attached (bpftool link show lists them),
# events are collected meanwhile, attach --read consumes them, detach removes everything.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"
command -v bpftool >/dev/null || fail "bpftool is missing"
# A place of its own, so that a concurrent run (or a user's pins) is not disturbed;
# /sys/fs/bpf/agshim is the default.
pins=/sys/fs/bpf/agshim-test-$$
export AGSHIM_PIN_DIR="$pins"
[ -e "$pins" ] && fail "$pins is already in use"

target="" reader=""
cleanup() {
	kill $target $reader 2>/dev/null
	"$AGS_BPF" detach >/dev/null 2>&1
}
trap cleanup EXIT

mkfifo go
"$AGS_PROGS/static_faults" go >out.txt 2>&1 &
target=$!
"$AGS_BPF" attach --pin --pid "$target" 2>err.txt || fail "attach --pin failed: $(cat err.txt)"
cat err.txt
# The loader is gone; the links are pinned and still attached.
[ -e "$pins/events" ] || fail "no pinned ring buffer"
ls "$pins" >pins.txt
grep -q '^link_ags_exec$' pins.txt || fail "the exec link is not pinned: $(cat pins.txt)"
bpftool link show >links.txt
grep -q "tp 'sched_process_exec'" links.txt || fail "bpftool link show does not list sched_process_exec"
# The pinned links by id, to check after detach that exactly these are gone.
for l in "$pins"/link_*; do
	bpftool -j link show pinned "$l" | jq -r .id
done >ids.txt
[ "$(wc -l <ids.txt)" -ge 10 ] || fail "fewer links pinned than expected: $(cat ids.txt)"
bpftool prog show name ags_connect_exit >/dev/null || fail "bpftool prog show misses a program"
bpftool map dump pinned "$pins/targets" >targets.txt || fail "cannot dump the targets map"
grep -q "$target" targets.txt || fail "the target pid is not in the pinned filter"

# The program runs with no loader around; its events wait in the pinned ring buffer.
echo go >go
wait $target
[ $? -eq 3 ] || fail "the program did not exit 3"
target=""
"$AGS_BPF" attach --read --duration 3 --out ev.jsonl 2>err2.txt ||
	fail "attach --read failed: $(cat err2.txt)"
jq -s . ev.jsonl >all.json || fail "ev.jsonl is not JSON Lines"
assert_jq all.json 'any(.[]; .kind == "exec" and .errno == 2)' 'the failed exec, read later'
assert_jq all.json 'any(.[]; .kind == "connect" and .err == "ECONNREFUSED")' 'the refused connect'
assert_jq all.json 'any(.[]; .kind == "proc_exit" and .status == 3)' 'the exit code'
assert_jq all.json 'any(.[]; .kind == "child" and .state == "zombie")' 'the zombie'

"$AGS_BPF" detach 2>err3.txt || fail "detach failed: $(cat err3.txt)"
[ -e "$pins" ] && fail "$pins is still there after detach"
# The kernel frees unpinned links after an RCU grace period: wait for it (bounded).
for id in $(cat ids.txt); do
	i=0
	while bpftool link show id "$id" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le 200 ] || fail "link $id is still attached 20 s after detach"
		sleep 0.1
	done
done
exit 0
