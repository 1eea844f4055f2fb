#!/bin/sh
# SPDX-License-Identifier: MIT
# node exits while a child it started still runs: child event "running", one finding.
. "$AGS_ROOT/tests/scenarios/proc_common"

# The child outlives node by design; stop it by its own pid afterwards.
spec="{\"file\":\"sleep\",\"args\":[\"30\"],\"leave\":true,\"pidfile\":\"$AGS_TMP/pids\",
	\"options\":{\"stdio\":\"ignore\"}}"
node "$AGENT" "$spec" > l.bare 2>&1
ags_run "$EV" node "$AGENT" "$spec" > l.shim 2>&1
diff l.bare l.shim >&2 || fail "the program saw a difference"
for p in $(cat pids); do kill "$p" 2>/dev/null; done
ev_assert '.kind == "child"' '.state == "running" and .comm == "sleep" and .age_ns > 0' \
	"the child event says sleep was still running"
report_json r.json
assert_jq r.json '[.findings[] | select(.id == "child.left_running")] | length == 1' \
	"one child.left_running finding"
[ "$(wc -l < pids)" = 2 ] || fail "expected the two sleeps' pids"
