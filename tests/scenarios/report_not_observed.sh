#!/bin/sh
# SPDX-License-Identifier: MIT
# Processes the preload shim cannot see (a static binary, a set-gid program) are reported as
# not observed, with the reason and the eBPF alternative, never as healthy.
. "$AGS_ROOT/tests/lib.sh"

command -v node >/dev/null || skip "node not installed"
static="$AGS_PROGS/static_faults"
[ -x "$static" ] || fail "$static was not built"

# A set-gid copy of a dynamic program: secure execution, so the loader drops LD_PRELOAD.
need_root
cp /usr/bin/true ./sgid_true || skip "no /usr/bin/true"
chgrp nogroup ./sgid_true 2>/dev/null || chgrp 65534 ./sgid_true || skip "no group to set-gid to"
chmod 2755 ./sgid_true

# Node forks and execs: through a shell the reporter learns the program (sh -c PROG execs it
# in the same pid); through a plain spawn only that a child of node wrote nothing.
cat >agent.js <<'JS'
const { spawnSync } = require('child_process');
const env = { ...process.env, STATIC_ZOMBIE_MS: '0', STATIC_EXIT: '0' };
const a = spawnSync(process.argv[2], [], { env, shell: true });
const b = spawnSync(process.argv[3], [], { shell: true });
const c = spawnSync(process.argv[2], [], { env });
console.log(a.status, b.status, c.status);
JS
ags_run ev.jsonl node agent.js "$static" "$AGS_TMP/sgid_true" >out.txt 2>&1 ||
	fail "the agent failed: $(cat out.txt)"
[ "$(cat out.txt)" = "0 0 0" ] || fail "unexpected statuses: $(cat out.txt)"
ags_report ev.jsonl >r.json || fail "report failed"
assert_jq r.json '[.findings[] | select(.id == "observe.not_observed")] | length == 3' \
	"three unobserved programs, three findings"
assert_jq r.json '.findings[] | select(.id == "observe.not_observed" and .key == "static_faults") |
	.evidence.reason | test("statically linked")' "the static binary's reason"
assert_jq r.json '.findings[] | select(.id == "observe.not_observed" and .key == "sgid_true") |
	.evidence.reason | test("set-gid")' "the set-gid program's reason"
assert_jq r.json '.findings[] | select(.id == "observe.not_observed" and .key == "a child of node") |
	.evidence.reason | test("static")' "the plain fork child"
assert_jq r.json '[.findings[] | select(.id == "observe.not_observed") | .evidence.alternative |
	test("agshim attach")] | all' "the eBPF alternative is named"

# Nothing at all (a static program run directly): not observed, never "no findings".
ags_run ev2.jsonl "$static" >/dev/null 2>&1
[ ! -s ev2.jsonl ] || note "the static program wrote events?"
: >>ev2.jsonl
ags_report ev2.jsonl >r2.json
assert_jq r2.json '[.findings[] | select(.id == "observe.not_observed")] | length == 1' \
	"an empty run is reported as not observed"
"$AGS_REPORT" ev2.jsonl | grep -q "No findings" && fail "an empty run printed 'No findings'"
exit 0
