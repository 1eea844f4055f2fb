#!/bin/sh
# SPDX-License-Identifier: MIT
# agshim-report's command line: bad files, stdin, --fail-on, malformed lines, --playbook.
. "$AGS_ROOT/tests/lib.sh"

R=$AGS_REPORT

# Events as the shim writes them: node whose fork child found no "claude" on PATH.
cat >ev.jsonl <<'JSONL'
{"v":1,"ts_ns":1000,"src":"preload","kind":"proc_start","pid":100,"ppid":1,"exe":"/usr/bin/node","argc":2,"argv":["node","agent.js"]}
{"v":1,"ts_ns":2000,"src":"preload","kind":"spawn","pid":100,"call":"fork","ret":101,"child":101}
{"v":1,"ts_ns":2100,"src":"preload","kind":"exec","pid":101,"ppid":100,"call":"execvp","ret":-1,"errno":2,"err":"ENOENT","path":"claude","forked":true,"cause":"not_on_path","detail":{"searched":["/usr/bin/claude","/bin/claude"]},"argc":1,"argv":["claude"]}
{"v":1,"ts_ns":2200,"src":"preload","kind":"wait","pid":100,"call":"waitpid","child":101,"status":127,"signal":0}
{"v":1,"ts_ns":9000,"src":"preload","kind":"proc_exit","pid":100,"status":0,"signal":0}
JSONL

# An unreadable input: a clear message naming it, status 2, nothing on stdout.
"$R" ev.jsonl /nonexistent/events.jsonl >out.txt 2>err.txt
rc=$?
[ $rc -eq 2 ] || fail "missing file: status $rc, want 2"
grep -q "/nonexistent/events.jsonl" err.txt || fail "the error does not name the file: $(cat err.txt)"
[ ! -s out.txt ] || fail "a report was written although an input was unreadable"
"$R" . >/dev/null 2>err.txt
[ $? -eq 2 ] || fail "a directory as input must fail"
grep -q "failed to read \." err.txt || fail "directory: unclear error: $(cat err.txt)"

# Standard input, implicit and as '-'.
"$R" --json <ev.jsonl >a.json || fail "stdin report failed"
assert_jq a.json '.inputs[0].file == "<stdin>" and .inputs[0].events == 5' "stdin read"
[ "$(finding_count a.json spawn.not_on_path)" = 1 ] || fail "stdin: no spawn.not_on_path"
cat ev.jsonl | "$R" --json - >b.json || fail "'-' report failed"
assert_jq b.json '.findings[0].id == "spawn.not_on_path"' "'-' read"
assert_jq b.json '.findings[0].evidence.exit_status == 127 and .findings[0].evidence.command == "claude"' \
	"status 127 tied to the failed exec"
assert_jq b.json '.findings[0].playbook.fix | length > 0' "playbook words attached"
assert_jq b.json '.processes | map(select(.pid == 101)) | .[0].status == 127' "child status from the wait"

# --fail-on: 3 when a finding reaches the severity, 0 below it, 2 for a bad name.
"$R" --fail-on error ev.jsonl >/dev/null
[ $? -eq 3 ] || fail "--fail-on error with an error finding must exit 3"
"$R" --fail-on critical ev.jsonl >/dev/null
[ $? -eq 0 ] || fail "--fail-on critical with only errors must exit 0"
"$R" --fail-on warning ev.jsonl >/dev/null
[ $? -eq 3 ] || fail "--fail-on warning must count errors too"
"$R" --fail-on bogus ev.jsonl >/dev/null 2>err.txt
[ $? -eq 2 ] || fail "--fail-on bogus must exit 2"
grep -q "unknown severity" err.txt || fail "bad severity: unclear error"
head -1 ev.jsonl >clean.jsonl
tail -1 ev.jsonl >>clean.jsonl
"$R" --fail-on info clean.jsonl >clean.txt
[ $? -eq 0 ] || fail "a clean run must exit 0 even with --fail-on info"
grep -q "No findings: 1 processes observed, 2 events" clean.txt || fail "clean run: $(cat clean.txt)"

# Malformed lines: counted, listed with file:line:col, never fatal.
{
	head -2 ev.jsonl
	printf '{"kind":"exec","pid":\n'
	printf '\001\002\377garbage\n'
	tail -3 ev.jsonl
} >bad.jsonl
"$R" --json bad.jsonl >bad.json || fail "malformed lines must not fail the report"
assert_jq bad.json '.inputs[0].malformed == 2 and .inputs[0].events == 5' "malformed counted"
assert_jq bad.json '.malformed[0].line == 3 and .malformed[1].line == 4 and .malformed[0].col > 0' \
	"malformed lines located"
assert_jq bad.json '[.findings[].id] | index("observe.malformed_input") != null' "malformed finding"
assert_jq bad.json '[.findings[].id] | index("spawn.not_on_path") != null' "the rest still analyzed"
"$R" bad.jsonl >bad.txt
grep -q "bad.jsonl:3:" bad.txt || fail "text report does not name bad.jsonl:3"

# Formats and the playbook.
"$R" --prometheus ev.jsonl >m.prom || fail "--prometheus failed"
grep -q '^agshim_findings{id="spawn.not_on_path",area="process",severity="error"} 1$' m.prom ||
	fail "prometheus: no spawn.not_on_path sample"
"$R" --playbook >pb.json || fail "--playbook failed"
assert_jq pb.json 'type == "array" and (map(.id) | index("spawn.crlf_interpreter") != null)' \
	"--playbook prints the playbook"
"$R" --help | grep -q "fail-on" || fail "--help"
"$R" --no-such-option >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option must exit 2"

# Colour only when asked or on a terminal, and never with NO_COLOR.
"$R" ev.jsonl | grep -q "$(printf '\033')" && fail "colour on a pipe"
"$R" --color=always ev.jsonl | grep -q "$(printf '\033')" || fail "--color=always"
exit 0
