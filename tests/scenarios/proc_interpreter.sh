#!/bin/sh
# SPDX-License-Identifier: MIT
# Scripts whose #! line cannot work: CRLF through /usr/bin/env, CRLF on a direct
# interpreter, and an interpreter that is not installed.
. "$AGS_ROOT/tests/scenarios/proc_common"

printf '#!/usr/bin/env node\r\nconsole.log("ran")\r\n' > tool.js
printf '#!/bin/sh\r\necho ran\r\n' > tool.sh
printf '#!/usr/bin/python9 -u\nprint("ran")\n' > tool.py
chmod 755 tool.js tool.sh tool.py

# env: the exec of tool.js succeeds, env then fails on "node\r" and exits 127.
spawn_both crlf_env '{"file":"./tool.js"}'
seen_jq crlf_env '.error == null and .code == 127 and (.stderr | contains("node"))' \
	"node sees env exit 127 complaining about node\\r"
ev_assert '.kind == "exec"' '.exe == "/usr/bin/env" and .path == "node\r" and
	.cause == "crlf_interpreter" and .detail.script == "./tool.js" and
	.detail.interp == "/usr/bin/env" and .detail.interp_arg == "node\r" and .detail.crlf' \
	"the shim inside env names the CRLF line and the script"
report_json r1.json
assert_jq r1.json '[.findings[] | select(.id == "spawn.crlf_interpreter")] | length == 1' \
	"one spawn.crlf_interpreter finding for tool.js"
assert_jq r1.json '.findings[] | select(.id == "spawn.crlf_interpreter") | .summary |
	test("tool.js")' "the finding names the script"

# A direct interpreter with a CR: the kernel looks for "/bin/sh\r".
: > "$EV"
spawn_both crlf_sh '{"file":"./tool.sh"}'
seen_jq crlf_sh '.error.code == "ENOENT"' "node sees spawn ENOENT for tool.sh"
ev_assert '.kind == "exec"' '.cause == "crlf_interpreter" and .detail.interp == "/bin/sh\r" and
	.detail.resolved == "./tool.sh" and .forked' "the exec event names the CR in the #! line"
report_json r2.json
assert_jq r2.json '[.findings[] | select(.id == "spawn.crlf_interpreter")] | length == 1' \
	"spawn.crlf_interpreter for tool.sh"

# An interpreter that is not there.
: > "$EV"
spawn_both missing '{"file":"./tool.py"}'
seen_jq missing '.error.code == "ENOENT"' "node sees spawn ENOENT for tool.py"
ev_assert '.kind == "exec"' '.cause == "missing_interpreter" and
	.detail.interp == "/usr/bin/python9" and .detail.interp_arg == "-u" and
	.detail.crlf == false' "the exec event names the missing interpreter"
report_json r3.json
assert_jq r3.json '[.findings[] | select(.id == "spawn.missing_interpreter")] | length == 1' \
	"spawn.missing_interpreter for tool.py"
assert_jq r3.json '[.findings[] | select(.id == "spawn.not_on_path" or
	.id == "spawn.no_such_file")] | length == 0' "a missing interpreter is not a missing file"

# The same script found through PATH: still the interpreter, not "not on PATH".
: > "$EV"
mkdir bin && cp tool.py bin/agshim-tool
spawn_both viapath "{\"file\":\"agshim-tool\",\"options\":{\"env\":{\"PATH\":\"/nowhere:$AGS_TMP/bin\"}}}"
ev_assert '.kind == "exec"' ".cause == \"missing_interpreter\" and
	.detail.resolved == \"$AGS_TMP/bin/agshim-tool\" and (.detail.searched | length) == 2" \
	"found on the second PATH entry, with a missing interpreter"
