#!/bin/sh
# SPDX-License-Identifier: MIT
# spawn with a cwd that does not exist: libuv's child fails its chdir, Node says ENOENT.
. "$AGS_ROOT/tests/scenarios/proc_common"

spawn_both cwd "{\"file\":\"ls\",\"options\":{\"cwd\":\"$AGS_TMP/gone/work\"}}"
seen_jq cwd '.error.code == "ENOENT"' "node sees spawn ls ENOENT"
ev_assert '.kind == "chdir"' ".call == \"chdir\" and .ret == -1 and .err == \"ENOENT\" and
	.forked and .path == \"$AGS_TMP/gone/work\" and .cause == \"missing_cwd\" and
	.detail.missing == \"$AGS_TMP/gone\"" "the chdir event names the missing directory"
[ "$(ev_count '.kind == "exec"')" = 0 ] || fail "no exec was attempted, yet an exec event"
report_json r.json
assert_jq r.json '[.findings[] | select(.id == "spawn.missing_cwd")] | length == 1' \
	"one spawn.missing_cwd finding"
assert_jq r.json '[.findings[] | select(.id == "spawn.not_on_path")] | length == 0' \
	"ls is on PATH: the cwd is what is missing"

# An existing cwd: a chdir event without error, and no finding.
: > "$EV"
mkdir -p here
spawn_both ok "{\"file\":\"ls\",\"options\":{\"cwd\":\"$AGS_TMP/here\"}}"
ev_assert '.kind == "chdir"' '.ret == 0 and (has("errno") | not) and (has("cause") | not)' \
	"a successful chdir is recorded without a cause"
report_json r2.json
assert_jq r2.json '[.findings[] | select(.area == "process")] | length == 0' \
	"no process finding for a good cwd"
