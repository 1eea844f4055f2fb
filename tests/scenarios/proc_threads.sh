#!/bin/sh
# SPDX-License-Identifier: MIT
# Four threads forking at once, children closing every fd before exec, a SIGCHLD handler
# reaping with waitpid: same outcome under the shim, every spawn and reap recorded, no zombie.
. "$AGS_ROOT/tests/scenarios/proc_common"
P="$AGS_PROGS/proc_threads"

"$P" > bare.out 2>&1; echo "status=$?" >> bare.out
AGSHIM_ZOMBIE_MS=50 ags_run "$EV" "$P" > shim.out 2>&1; echo "status=$?" >> shim.out
diff bare.out shim.out >&2 || fail "the program saw a difference under the shim"
grep -q 'reaped=100 bad=0' shim.out || fail "not every child was reaped: $(cat shim.out)"
me=$(jq -r 'select(.kind == "proc_start" and (.exe | endswith("proc_threads"))) | .pid' "$EV")
[ "$(ev_count ".kind == \"spawn\" and .pid == $me")" = 100 ] || fail "expected 100 spawns"
[ "$(ev_count ".kind == \"wait\" and .pid == $me")" = 100 ] || fail "expected 100 reaps"
[ "$(ev_count ".kind == \"proc_start\" and .ppid == $me")" = 100 ] ||
	fail "every child traced, though it closed all its descriptors"
[ "$(ev_count '.kind == "child" or .kind == "exec"')" = 0 ] ||
	fail "children reaped from a signal handler are no zombies"
ev_assert ".kind == \"spawn\" and .pid == $me" '.child > 0 and .tid != .pid' \
	"spawns came from the worker threads"
report_json r.json
assert_jq r.json '.summary.findings == 0' "no finding"
