#!/bin/sh
# SPDX-License-Identifier: MIT
# Every wrapped process call from C: returns, errno and statuses unchanged under the shim
# (posix_spawn's returned error, vfork children), and the events each call writes.
. "$AGS_ROOT/tests/lib.sh"
EV="$AGS_TMP/events.jsonl"
P="$AGS_PROGS/proc_calls"
. "$AGS_ROOT/tests/scenarios/proc_common"

"$P" > bare.out 2>&1; echo "status=$?" >> bare.out
ags_run "$EV" "$P" > shim.out 2>&1; echo "status=$?" >> shim.out
diff bare.out shim.out >&2 || fail "proc_calls saw something different under the shim"
grep -q 'vfork-true status=0' shim.out || fail "vfork + exec did not work: $(cat shim.out)"

me=$(jq -r 'select(.kind == "proc_start" and (.exe | endswith("proc_calls"))) | .pid' "$EV")
for call in execvp execl execle execlp; do
	[ "$(ev_count ".kind == \"exec\" and .pid == $me and .call == \"$call\"")" = 1 ] ||
		fail "expected one exec event for $call"
done
[ "$(ev_count ".kind == \"exec\" and .pid == $me and .call == \"execv\"")" = 1 ] ||
	fail "expected one exec event for execv"
ev_assert ".kind == \"exec\" and .path == \"/etc/passwd\"" '.cause == "no_exec_permission"' \
	"execv of /etc/passwd: no execute bit"
ev_assert ".kind == \"exec\" and .call == \"posix_spawnp\"" '.ret == 2 and .err == "ENOENT" and
	.cause == "not_on_path"' "posix_spawnp's returned error is the event's"
ev_assert ".kind == \"spawn\" and .call == \"posix_spawnp\"" ".ret == 0 and .child > 0 and
	.argv == [\"true\"]" "a successful posix_spawnp is a spawn"
# A program's own PATH search (as Python and dash do): one event for the search that fails,
# none for the one that finds its command, with fork and with vfork.
ndirs=$(echo "$PATH" | tr ':' '\n' | wc -l)
# (the fork spawns start with these two; the vfork ones have two earlier vforks before them)
for s in 0 2; do
	call=fork
	[ $s = 2 ] && call=vfork
	child=$(jq -s -r "[.[] | select(.kind == \"spawn\" and .call == \"$call\")][$s].child" "$EV")
	[ "$(ev_count ".kind == \"exec\" and .pid == $child")" = 1 ] ||
		fail "$call: expected one exec event for the failed search"
	ev_assert ".kind == \"exec\" and .pid == $child" ".call == \"execv\" and
		.path == \"no-such-prog-agshim\" and .cause == \"not_on_path\" and
		(.detail.searched | length) == $ndirs" "$call: the folded search names every candidate"
	found=$(jq -s -r "[.[] | select(.kind == \"spawn\" and .call == \"$call\")][$((s + 1))].child" \
		"$EV")
	[ "$(ev_count ".kind == \"exec\" and .pid == $found")" = 0 ] ||
		fail "$call: a search that found true wrote exec events"
done

# vfork: two spawns; the failing child's exec event carries the child's own pid.
[ "$(ev_count ".kind == \"spawn\" and .call == \"vfork\" and .pid == $me")" = 4 ] ||
	fail "expected four vfork spawns"
vchild=$(jq -s -r "[.[] | select(.kind == \"spawn\" and .call == \"vfork\")][0].child" "$EV")
ev_assert ".kind == \"exec\" and .pid == $vchild" ".forked and .ppid == $me and
	.cause == \"not_on_path\"" "the vfork child's failed exec, under its own pid"
[ "$(ev_count ".kind == \"proc_exit\" and .pid == $me")" = 1 ] ||
	fail "the parent's proc_exit must survive its vfork children"
ev_assert ".kind == \"proc_exit\" and .pid == $me" '.status == 0 and .dropped == 0' \
	"the parent's own proc_exit"
ev_assert ".kind == \"spawn\" and .call == \"system\"" '.status == 5 and
	.argv == ["/bin/sh","-c","exit 5"]' "system records the shell's status"
ev_assert ".kind == \"wait\" and .call == \"pclose\"" '.status == 0' "pclose is a wait"
ev_assert ".kind == \"wait\" and .call == \"waitpid\" and .status == 7" '.signal == 0' \
	"fork + _exit(7) reaped with status 7"
ev_assert ".kind == \"spawn\" and .call == \"_Fork\"" ".child > 0 and .pid == $me" \
	"_Fork is a spawn too"
ev_assert ".kind == \"wait\" and .status == 9" '.signal == 0' "the _Fork child's status"
ev_assert ".kind == \"exec\" and .call == \"execveat\"" '.path == "/nonexistent/bin/z" and
	.cause == "no_such_file" and .detail.missing == "/nonexistent"' "execveat's failure"
# chdir in the parent is not a fork child's: no event.
[ "$(ev_count '.kind == "chdir"')" = 0 ] || fail "chdir outside a fork child was recorded"
# Our events name the calls; the lines from the vfork child do not count in the parent's.
lines=$(ev_count ".pid == $me")
ev_assert ".kind == \"proc_exit\" and .pid == $me" ".events == $lines" \
	"proc_exit counts exactly the parent's own lines"
