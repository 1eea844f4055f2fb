#!/bin/sh
# SPDX-License-Identifier: MIT
# agshim run: the command's exit status, stdout and stderr are its own; the report follows.
. "$AGS_ROOT/tests/lib.sh"

A="$AGS_ROOT/scripts/agshim"
export OUTPUT="$AGS_OUTPUT"

for want in 0 3 42; do
	sh "$A" run -- sh -c "exit $want" >out.txt 2>err.txt
	rc=$?
	[ $rc -eq $want ] || fail "exit $want came back as $rc"
	grep -q "agshim report" err.txt || fail "no report on stderr: $(cat err.txt)"
done

# Killed by a signal: 128+N, as a shell reports it.
sh "$A" run -- sh -c 'kill -KILL $$' >/dev/null 2>&1
rc=$?
[ $rc -eq 137 ] || fail "SIGKILL came back as $rc, want 137"
sh "$A" run -- sh -c 'kill -TERM $$' >/dev/null 2>&1
rc=$?
[ $rc -eq 143 ] || fail "SIGTERM came back as $rc, want 143"

# The command's stdout is untouched; the report goes to stderr or --report.
sh "$A" run -- printf 'hello\n' >out.txt 2>/dev/null
[ "$(cat out.txt)" = hello ] || fail "stdout changed: $(cat out.txt)"
sh "$A" run --json --report rep.json --out ev.jsonl -- node -e 'process.exit(5)' 2>err.txt
rc=$?
[ $rc -eq 5 ] || fail "node exit 5 came back as $rc"
assert_jq rep.json '.agshim_report == 1 and .summary.events > 0' "--json --report"
assert_jq rep.json '[.processes[] | select(.exe == "'"$(command -v node)"'" or (.exe|test("node$")))] | length >= 1' \
	"node observed"
[ -s ev.jsonl ] || fail "--out did not keep the events"
grep -q '"kind":"proc_start"' ev.jsonl || fail "no proc_start in --out file"

# The default events file is private and removed afterwards (in a TMPDIR of this test's own:
# other runs of agshim on the machine create and remove theirs in /tmp meanwhile).
mkdir "$AGS_TMP/tmpd"
TMPDIR="$AGS_TMP/tmpd" sh "$A" run -- sh -c 'ls "$TMPDIR"' > during.txt 2>/dev/null
grep -q '^agshim\.' during.txt || fail "no temporary events file in TMPDIR during the run"
[ -z "$(ls "$AGS_TMP/tmpd")" ] || fail "temporary events file left behind: $(ls "$AGS_TMP/tmpd")"

# attach and detach are agshim-bpf's: the front command hands them over unchanged.
if [ -x "$AGS_BPF" ] && [ "$(id -u)" -eq 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	sh "$A" attach --out att.jsonl -- sh -c 'exit 5' >/dev/null 2>att.err
	rc=$?
	[ $rc -eq 5 ] || fail "agshim attach: status $rc, want 5: $(cat att.err)"
	grep -q '"src":"ebpf"' att.jsonl || fail "agshim attach wrote no eBPF events"
	"$AGS_REPORT" --json att.jsonl >att.json || fail "report of the attach events failed"
	assert_jq att.json '[.findings[] | select(.area == "process")] | length == 0' \
		"the PATH steps of the attached command are no spawn failure"
else
	note "agshim-bpf not usable here: attach not checked"
fi

# Usage errors.
sh "$A" run 2>err.txt
[ $? -eq 2 ] || fail "run without a command must exit 2"
sh "$A" bogus 2>/dev/null
[ $? -eq 2 ] || fail "unknown subcommand must exit 2"
sh "$A" version | grep -q '^agshim [0-9]' || fail "agshim version"
sh "$A" report --help | grep -q 'agshim-report' || fail "agshim report dispatch"
exit 0
