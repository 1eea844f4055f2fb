#!/bin/sh
# SPDX-License-Identifier: MIT
# child_process.exec() of a command that is not installed: the shell prints "not found"
# and exits 127 without any exec call; the shim names the command from the shell's exit.
. "$AGS_ROOT/tests/scenarios/proc_common"

cat > agent.js <<'EOS'
const cp = require('child_process');
const run = (cmd) => new Promise((resolve) => cp.exec(cmd, (e, so, se) =>
	resolve({ cmd, code: e ? e.code : 0, stdout: so, stderr: se })));
(async () => {
	for (const cmd of ['agshim-missing-cli --prompt "hi there"', 'true; exit 127',
			   'FOO=1 echo assigned', 'echo ok | cat'])
		console.log(JSON.stringify(await run(cmd)));
})();
EOS
node agent.js > bare.out 2>&1; echo "status=$?" >> bare.out
ags_run "$EV" node agent.js > shim.out 2>&1; echo "status=$?" >> shim.out
diff bare.out shim.out >&2 || fail "the program saw something different under the shim"
grep -q '"code":127,.*not found' shim.out || fail "node did not see the shell's 127"

[ "$(ev_count '.kind == "exec"')" = 1 ] ||
	fail "expected one exec event: the missing command, not the scripted exit 127"
ev_assert '.kind == "exec"' '.inferred and .exe == "/usr/bin/dash" and .ret == 127 and
	.path == "agshim-missing-cli" and .cause == "not_on_path" and
	(.detail.searched | length) > 0 and .argv[1] == "-c"' \
	"the inferred exec event names the command and the PATH searched"
report_json r.json
assert_jq r.json '[.findings[] | select(.id == "spawn.not_on_path" and
	.evidence.path == "agshim-missing-cli")] | length == 1' \
	"one spawn.not_on_path finding for the missing command"
assert_jq r.json '.findings[] | select(.id == "spawn.not_on_path" and
	.evidence.path == "agshim-missing-cli") | .summary | test("agshim-missing-cli")' \
	"the finding names the command"
