#!/bin/sh
# SPDX-License-Identifier: MIT
# E2BIG: a prompt passed as one argument past the kernel's 128 KiB per-string limit, and
# arguments that together pass ARG_MAX.
. "$AGS_ROOT/tests/scenarios/proc_common"

cat > prompt.js <<'EOS'
const cp = require('child_process');
const mode = process.argv[2];
const args = mode === 'one' ? ['-p', 'x'.repeat(200000)]
	: Array.from({ length: 4000 }, () => 'y'.repeat(1000));
const r = cp.spawnSync('echo', args);
console.log(JSON.stringify({ code: r.error && r.error.code, status: r.status }));
EOS
node prompt.js one > one.bare 2>&1
ags_run "$EV" node prompt.js one > one.shim 2>&1
diff one.bare one.shim >&2 || fail "one: the program saw a difference"
grep -q '"code":"E2BIG"' one.shim || fail "node did not see E2BIG: $(cat one.shim)"
ev_assert '.kind == "exec"' '.err == "E2BIG" and .cause == "arg_too_long" and
	.detail.largest == 200001 and .detail.largest_idx == 2 and .detail.arg_limit == 131072 and
	.argc == 3 and (.argv[2] | test("\\[\\+[0-9]+ bytes\\]$"))' \
	"the exec event names the long argument, its size and the limit"
report_json r1.json
assert_jq r1.json '[.findings[] | select(.id == "spawn.arg_too_long")] | length == 1' \
	"spawn.arg_too_long"

: > "$EV"
node prompt.js many > many.bare 2>&1
ags_run "$EV" node prompt.js many > many.shim 2>&1
diff many.bare many.shim >&2 || fail "many: the program saw a difference"
grep -q '"code":"E2BIG"' many.shim || fail "node did not see E2BIG: $(cat many.shim)"
ev_assert '.kind == "exec"' '.cause == "args_too_big" and .detail.largest < 131072 and
	.detail.argv_bytes > .detail.arg_max and .argc == 4001' \
	"the exec event gives the total against ARG_MAX"
report_json r2.json
assert_jq r2.json '[.findings[] | select(.id == "spawn.args_too_big")] | length == 1' \
	"spawn.args_too_big"
