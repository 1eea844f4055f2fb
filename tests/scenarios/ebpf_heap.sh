#!/bin/sh
# SPDX-License-Identifier: MIT
# agshim attach --heap: malloc/free uprobes on one process, cost measured and printed first,
# time-boxed; the blocks it leaks are found live, by allocation stack.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"

# A dynamic program (uprobes sit in its libc) that leaks 4 KiB per step and frees the rest.
cat >leak.c <<'C'
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
void *keep[1000];
void *(*volatile m)(size_t) = malloc;
void (*volatile f)(void *) = free;
__attribute__((noinline)) void leak_one(int i)
{
	keep[i] = m(4096);
	memset(keep[i], 1, 4096);
}
int main(void)
{
	for (int i = 0; i < 1000; i++) {
		leak_one(i);
		f(m(100));
		usleep(3000);
	}
	return 0;
}
C
cc -O1 -fno-omit-frame-pointer -o leak leak.c || fail "cannot build the leak program"

"$AGS_BPF" attach --heap --heap-s 2 --out ev.jsonl -- ./leak 2>err.txt || fail "attach failed"
cat err.txt
grep -q 'malloc+free costs [0-9.]* us with the probes' err.txt || fail "no measured cost printed"
grep -q 'preload shim' err.txt || fail "the preload shim is not recommended"
grep -q 'probes detached' err.txt || fail "the heap probes were not time-boxed"
jq -s . ev.jsonl >all.json || fail "ev.jsonl is not JSON Lines"
# 2 s of a 3 ms loop: hundreds of 4 KiB blocks live, each a multiple of 4096 from one stack.
assert_jq all.json '[.[] | select(.kind == "heap" and .final)][0] | .live_count >= 100
	and .live_count <= 1000' 'the leaked blocks are live at the end'
assert_jq all.json 'any(.[]; .kind == "heap_stack" and .live_bytes >= 409600
	and .live_bytes % 4096 == 0 and any(.frames[]?; test("leak\\)$")))' \
	'the leaking stack, with a frame in the program'
exit 0
