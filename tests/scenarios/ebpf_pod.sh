#!/bin/sh
# SPDX-License-Identifier: MIT
# Pod attach: a cgroup2 directory with two processes inside and one outside; agshim attach
# --cgroup reports the two and nothing of the third, and --container finds it by name.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"
root=/sys/fs/cgroup/unified
[ -f "$root/cgroup.procs" ] || root=/sys/fs/cgroup
[ -f "$root/cgroup.procs" ] || skip "no cgroup2 hierarchy"

name="agshim-pod-$$"
pod="$root/$name"
ctr="$pod/ctr-$$"
pids="" loader=""
cleanup() {
	for p in $pids $loader; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for p in $(cat "$ctr/cgroup.procs" "$pod/cgroup.procs" 2>/dev/null); do
		echo "$p" >"$root/cgroup.procs"
	done
	rmdir "$ctr" "$pod" 2>/dev/null
}
trap cleanup EXIT
mkdir "$pod" "$ctr" || fail "cannot create $ctr"

# Three paused copies of the static program: two in the pod (one a level deeper), one out.
for n in 1 2 3; do
	mkfifo "go$n"
	"$AGS_PROGS/static_faults" "go$n" >"out$n.txt" 2>&1 &
	eval "p$n=$!"
	pids="$pids $!"
done
echo "$p1" >"$pod/cgroup.procs" || fail "cannot move $p1 into the pod"
echo "$p2" >"$ctr/cgroup.procs" || fail "cannot move $p2 into the container"

attach_and_run() {	# events file, attach arguments...
	_ev=$1
	shift
	: >err.txt
	"$AGS_BPF" attach "$@" --duration 4 --out "$_ev" 2>err.txt &
	loader=$!
	i=0
	until grep -q 'attached:' err.txt; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "agshim-bpf did not attach: $(cat err.txt)"
		kill -0 $loader 2>/dev/null || fail "agshim-bpf exited: $(cat err.txt)"
		sleep 0.1
	done
}

attach_and_run ev.jsonl --cgroup "$pod"
for n in 1 2 3; do echo go >"go$n"; done
wait "$p1" "$p2" "$p3"
wait $loader || fail "agshim-bpf failed: $(cat err.txt)"
loader=""
cat err.txt

jq -s . ev.jsonl >all.json || fail "ev.jsonl is not JSON Lines"
assert_jq all.json "any(.[]; .kind == \"connect\" and .pid == $p1)" 'the pod process'
assert_jq all.json "any(.[]; .kind == \"connect\" and .pid == $p2)" 'the process one level down'
assert_jq all.json "all(.[]; .pid != $p3 and .ppid != $p3)" 'nothing from the process outside'
assert_jq all.json "[.[] | select(.kind == \"connect\")] | length == 2" \
	'exactly the two connects of the pod'
assert_jq all.json "[.[] | select(.kind == \"child\" and .state == \"zombie\")] | length == 2" \
	'the two zombies of the pod'

# --container: the same directory found by a part of its name.
mkfifo go4
"$AGS_PROGS/static_faults" go4 >out4.txt 2>&1 &
p4=$!
pids="$pids $p4"
echo "$p4" >"$ctr/cgroup.procs" || fail "cannot move $p4 into the container"
attach_and_run ev2.jsonl --container "ctr-$$"
echo go >go4
wait "$p4"
wait $loader || fail "agshim-bpf --container failed: $(cat err.txt)"
loader=""
jq -s . ev2.jsonl >all2.json || fail "ev2.jsonl is not JSON Lines"
assert_jq all2.json "any(.[]; .kind == \"connect\" and .pid == $p4)" '--container found the cgroup'
exit 0
