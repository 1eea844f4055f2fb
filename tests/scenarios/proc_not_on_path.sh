#!/bin/sh
# SPDX-License-Identifier: MIT
# spawn of a command that is on no PATH directory: ENOENT, one event, one finding.
. "$AGS_ROOT/tests/scenarios/proc_common"

spawn_both missing '{"file":"agshim-no-such-tool","args":["--prompt","hi"]}'
seen_jq missing '.error.code == "ENOENT" and .error.syscall == "spawn agshim-no-such-tool"' \
	"node sees spawn ENOENT"

# One failed start is one event, whatever the number of PATH entries tried.
[ "$(ev_count '.kind == "exec"')" = 1 ] || fail "expected 1 exec event"
ndirs=$(echo "$PATH" | tr ':' '\n' | wc -l)
ev_assert '.kind == "exec"' ".call == \"execvp\" and .errno == 2 and .err == \"ENOENT\" and
	.cause == \"not_on_path\" and .forked == true and .path == \"agshim-no-such-tool\" and
	(.detail.searched | length) == $ndirs and .detail.path_env == \"$PATH\" and
	.argv == [\"agshim-no-such-tool\",\"--prompt\",\"hi\"]" \
	"the exec event names the cause and every directory searched"
ev_assert '.kind == "wait"' '.status == 127' "the parent reaped the child (127)"

report_json r.json
assert_jq r.json '[.findings[] | select(.id == "spawn.not_on_path")] | length == 1' \
	"one spawn.not_on_path finding"
assert_jq r.json '.findings[] | select(.id == "spawn.not_on_path") | .count == 1 and
	(.summary | test("agshim-no-such-tool"))' "the finding names the command"

# With env: {} the child gets the shim back, and glibc's default PATH is what was searched.
: > "$EV"
spawn_both empty '{"file":"agshim-no-such-tool","env":"empty"}'
ev_assert '.kind == "exec"' '.detail.path_env == "/bin:/usr/bin" and
	.detail.searched == ["/bin/agshim-no-such-tool","/usr/bin/agshim-no-such-tool"]' \
	"env {}: the search used the default PATH"
spawn_both true_empty '{"file":"true","env":"empty"}'
ev_assert '.kind == "proc_start" and .exe == "/usr/bin/true"' '.preload' \
	"env {}: the child was still traced (follow)"

# A search that succeeds after misses is no failure.
: > "$EV"
spawn_both found "{\"file\":\"true\",\"options\":{\"env\":{\"PATH\":\"$AGS_TMP/no:/nowhere:/usr/bin\"}}}"
[ "$(ev_count '.kind == "exec"')" = 0 ] || fail "a PATH search that found its command failed"
ev_assert '.kind == "proc_start" and .exe == "/usr/bin/true"' '.preload' "true ran traced"

# AGSHIM_FOLLOW=0 leaves the child's environment alone: env {} means an untraced child.
: > "$EV"
AGSHIM_FOLLOW=0 ags_run "$EV" node "$AGENT" '{"file":"true","env":"empty"}' > /dev/null
[ "$(ev_count '.kind == "proc_start" and .exe == "/usr/bin/true"')" = 0 ] ||
	fail "AGSHIM_FOLLOW=0 still traced the child"

# With the process family off, children still follow but no process event is written.
: > "$EV"
AGSHIM_TRACE=-proc ags_run "$EV" node "$AGENT" '{"file":"true","env":"empty"}' > /dev/null
[ "$(ev_count '.kind == "proc_start" and .exe == "/usr/bin/true"')" = 1 ] ||
	fail "AGSHIM_TRACE=-proc: the child lost the shim"
[ "$(ev_count '.kind == "spawn" or .kind == "wait" or .kind == "exec"')" = 0 ] ||
	fail "AGSHIM_TRACE=-proc still wrote process events"
# AGSHIM_DISABLE=1: nothing at all, and the same outcome.
: > "$EV"
AGSHIM_DISABLE=1 ags_run "$EV" node "$AGENT" '{"file":"agshim-no-such-tool"}' > off.shim 2>&1
node "$AGENT" '{"file":"agshim-no-such-tool"}' > off.bare 2>&1
diff off.bare off.shim >&2 || fail "AGSHIM_DISABLE=1 changed what the program saw"
[ ! -s "$EV" ] || fail "AGSHIM_DISABLE=1 wrote events"
