#!/bin/sh
# SPDX-License-Identifier: MIT
# The shim changes nothing the program can see: exit codes, signals, errno, fds 0-2,
# descriptors closed or replaced under it; and the events file survives all of that.
. "$AGS_ROOT/tests/lib.sh"

ev="$AGS_TMP/events.jsonl"
P="$AGS_PROGS"

# Exit codes through exit(), main's return and _exit, bare and under the shim.
for code in 0 1 2 42 126 127 128 255; do
	sh -c "exit $code"; bare=$?
	ags_run "$ev" sh -c "exit $code"; shim=$?
	[ "$bare" = "$shim" ] || fail "sh exit $code: bare $bare, shim $shim"
	ags_run "$ev" "$P/core_signal" _exit "$code"; shim=$?
	[ "$shim" = "$code" ] || fail "_exit($code) under the shim returned $shim"
done
n=$(jq -s '[.[] | select(.kind == "proc_exit" and .exe == "/usr/bin/dash")] | length' "$ev")
[ "$n" = 8 ] || fail "expected 8 proc_exit events from sh, got $n"
statuses=$(jq -r 'select(.kind == "proc_exit" and (.exe | endswith("core_signal"))) | .status' \
	"$ev" | tr '\n' ' ')
[ "$statuses" = "0 1 2 42 126 127 128 255 " ] || fail "_exit statuses recorded: $statuses"

# Death by signal keeps its status (128 + n as the shell reports it).
for sig in 9 11 15 6; do
	"$P/core_signal" "$sig" 2>/dev/null; bare=$?
	ags_run "$ev" "$P/core_signal" "$sig" 2>/dev/null; shim=$?
	[ "$bare" = "$shim" ] || fail "signal $sig: bare $bare, shim $shim"
done

# errno and return values; closing, dup2-ing over and close_range-ing every descriptor.
"$P/core_fds" "$AGS_TMP/bare.scratch" 7 > bare.out; bare=$?
: > "$ev"
ags_run "$ev" "$P/core_fds" "$AGS_TMP/shim.scratch" 7 > shim.out; shim=$?
[ "$bare" = 7 ] && [ "$shim" = 7 ] || fail "core_fds exit: bare $bare, shim $shim"
diff bare.out shim.out || fail "core_fds output differs under the shim"
cmp -s "$AGS_TMP/bare.scratch" "$AGS_TMP/shim.scratch" ||
	fail "the program's own file differs: an event went into it?"
assert_jq "$ev" 'select(.kind == "proc_exit" and (.exe | endswith("core_fds"))) | .status == 7' \
	"events survive close loops, dup2 over every slot and close_range"
assert_jq "$ev" 'select(.kind == "proc_exit" and (.exe | endswith("core_fds"))) | .dropped == 0' \
	"no event was dropped"

# A process started with fds 0-2 closed finds them closed under the shim too.
"$P/core_closestdio" "$AGS_TMP/low.bare" "$P/core_lowfds" "$AGS_TMP/low.bare"
ags_run "$ev" "$P/core_closestdio" "$AGS_TMP/low.shim" "$P/core_lowfds" "$AGS_TMP/low.shim"
diff "$AGS_TMP/low.bare" "$AGS_TMP/low.shim" || fail "fds 0-9 seen by a child without stdio differ"

# Every line in the events file is one whole JSON object, and per-process counts add up.
jq -e . "$ev" >/dev/null || fail "events file holds a malformed line"
jq -s -e 'group_by(.pid) | map(select(any(.kind == "proc_exit")))
	| all((map(select(.kind == "proc_exit"))[0].events) == length)' "$ev" >/dev/null ||
	fail "proc_exit.events does not match the lines each process wrote"

# A failing events file (every write ENOSPC) changes nothing for the program.
AGSHIM_OUT=/dev/full LD_PRELOAD="$AGS_LIB" "$P/core_fds" "$AGS_TMP/full.scratch" 5 > full.out
[ $? = 5 ] || fail "exit status changed when event writes fail"
diff bare.out full.out || fail "output changed when event writes fail"

# Another library's constructor calling wrapped functions before the shim initialised.
cat > pre.c <<'C'
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void early(void)
{
	errno = 0;
	int r = close(-1);
	fprintf(stderr, "early close=%d errno=%d\n", r, errno);
}
C
cc -shared -fPIC -o pre.so pre.c || fail "cannot build the constructor library"
LD_PRELOAD="$AGS_TMP/pre.so" /bin/true 2> early.bare
AGSHIM_OUT="$ev" LD_PRELOAD="$AGS_TMP/pre.so:$AGS_LIB" /bin/true 2> early.a
AGSHIM_OUT="$ev" LD_PRELOAD="$AGS_LIB:$AGS_TMP/pre.so" /bin/true 2> early.b
diff early.bare early.a && diff early.bare early.b || fail "a constructor's close(-1) changed"

# libunwind's own pipe (every sampled stack may open one) never shows among the
# program's descriptors, and never takes a number the program's opendir gets.
"$P/core_readdir" > rd.bare
AGSHIM_HEAP_SAMPLE=1 ags_run "$ev" "$P/core_readdir" > rd.shim || fail "core_readdir failed under the shim"
diff rd.bare rd.shim || fail "the program's descriptors differ while every allocation is sampled"
AGSHIM_HEAP_SAMPLE=1 ags_run "$ev" "$P/core_fds" "$AGS_TMP/s1.scratch" 7 > s1.out
diff bare.out s1.out || fail "core_fds output differs while every allocation is sampled"

# AGSHIM_DISABLE=1: loaded, silent.
: > "$ev"
AGSHIM_DISABLE=1 ags_run "$ev" /bin/true
[ ! -s "$ev" ] || fail "AGSHIM_DISABLE=1 still wrote events"
echo "ok"
