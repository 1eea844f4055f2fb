#!/bin/sh
# SPDX-License-Identifier: MIT
# The bundled demo agent under agshim run: each of its faults is named, its status kept.
. "$AGS_ROOT/tests/lib.sh"

command -v node >/dev/null || skip "node not installed"
command -v perl >/dev/null || skip "perl not installed"
export OUTPUT="$AGS_OUTPUT"
mkdir work
sh "$AGS_ROOT/scripts/agshim" run --json --report r.json --out ev.jsonl -- \
	node "$AGS_ROOT/examples/demo/agent.js" "$AGS_TMP/work" >agent.out 2>agent.err
rc=$?
[ $rc -eq 0 ] || fail "the demo agent exited $rc: $(cat agent.err)"
grep -q 'spawn claude-code-cli failed: ENOENT' agent.out || fail "Node did not see ENOENT"
grep -q 'ECONNREFUSED' agent.out || fail "Node did not see ECONNREFUSED"
for id in spawn.not_on_path spawn.crlf_interpreter child.zombie child.left_running; do
	[ "$(finding_count r.json $id)" = 1 ] || fail "demo: no single $id finding"
done
assert_jq r.json '.findings[] | select(.id == "spawn.not_on_path") | .evidence.command == "claude-code-cli"' \
	"the missing CLI is named"
assert_jq r.json '.findings[] | select(.id == "spawn.crlf_interpreter") | .evidence.script | test("lint-tool.js$")' \
	"the CRLF script is named"
if jq -e '.[] | select(.id == "net.connect_refused")' "$AGS_OUTPUT/playbook.json" >/dev/null; then
	[ "$(finding_count r.json net.connect_refused)" = 1 ] || fail "demo: no net.connect_refused"
fi
assert_jq r.json '[.processes[] | select(.observed | not)] | length == 0' "every process observed"
exit 0
