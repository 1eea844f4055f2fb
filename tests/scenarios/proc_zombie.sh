#!/bin/sh
# SPDX-License-Identifier: MIT
# A supervisor (started by node) that forks workers and never waits: zombies; node itself
# reaps its children on SIGCHLD and has none.
. "$AGS_ROOT/tests/scenarios/proc_common"
Z="$AGS_PROGS/zombie_maker"
[ -x "$Z" ] || fail "missing $Z"

spec="{\"file\":\"$Z\",\"args\":[\"5\",\"300\"]}"
node "$AGENT" "$spec" > z.bare 2>&1
AGSHIM_ZOMBIE_MS=200 ags_run "$EV" node "$AGENT" "$spec" > z.shim 2>&1
diff z.bare z.shim >&2 || fail "the program saw a difference"
seen_jq z '.code == 0 and (.stdout | test("started 5"))' "the supervisor ran"
zpid=$(jq -r 'select(.kind == "proc_start" and (.exe | endswith("zombie_maker"))) | .pid' "$EV")
[ -n "$zpid" ] || fail "no proc_start for zombie_maker"
n=$(ev_count ".kind == \"child\" and .state == \"zombie\" and .pid == $zpid")
[ "$n" -ge 3 ] || fail "expected at least 3 zombie events from zombie_maker, got $n"
ev_assert '.kind == "child" and .state == "zombie"' ".pid == $zpid and .age_ns >= 200000000
	and .comm == \"zombie_maker\"" "each zombie event: its parent, age past the threshold"
# The same child is reported once.
dups=$(jq -s '[.[] | select(.kind == "child") | .child] | length - (unique | length)' "$EV")
[ "$dups" = 0 ] || fail "a zombie was reported $dups extra times"
# node reaped everything it started.
npid=$(jq -r 'select(.kind == "proc_start" and .exe == "/usr/bin/node") | .pid' "$EV")
[ "$(ev_count ".kind == \"child\" and .pid == $npid")" = 0 ] ||
	fail "node reaps on SIGCHLD: none of its children is a zombie"
report_json r.json
assert_jq r.json "[.findings[] | select(.id == \"child.zombie\")] | length == 1" \
	"one child.zombie finding"
assert_jq r.json ".findings[] | select(.id == \"child.zombie\") | .pids | index($zpid) != null" \
	"the finding names the supervisor"
