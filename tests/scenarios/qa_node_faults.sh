#!/bin/sh
# SPDX-License-Identifier: MIT
# Node agents failing the playbook's ways, run through `agshim run`: each names the right
# finding with its evidence, and the program's output and exit status are what they are bare.
. "$AGS_ROOT/tests/lib.sh"
command -v node >/dev/null || skip "node not installed"
[ -d "$AGS_ROOT/tests/node_modules/ws" ] || skip "ws not installed (scripts/deps.sh)"
JS="$AGS_ROOT/tests/scenarios/qa_faults.js"
d="$AGS_TMP/agent"
mkdir -p "$d/bin" "$d/tools"
printf '#!/bin/sh\necho hi\n' > "$d/bin/noexec.sh"
chmod 644 "$d/bin/noexec.sh"
printf '#!/bin/sh\necho tool\n' > "$d/bin/qa-tool"
chmod 755 "$d/bin/qa-tool"
printf '#!/usr/bin/agshim-qa-python9\nprint(1)\n' > "$d/tools/run.py"
chmod 755 "$d/tools/run.py"
export PATH="$d/bin:$PATH"

# check MODE: run bare and under agshim run; same stdout, stderr and status; report in MODE.json.
check() {
	node "$JS" "$1" "$d" > "$1.bare" 2> "$1.bare.err"
	bare=$?
	OUTPUT="$AGS_OUTPUT" sh "$AGS_ROOT/scripts/agshim" run --json --report "$1.json" \
		-- node "$JS" "$1" "$d" > "$1.shim" 2> "$1.shim.err"
	shim=$?
	[ "$bare" = "$shim" ] || fail "$1: exit status bare $bare, under agshim $shim"
	diff "$1.bare" "$1.shim" || fail "$1: the program's stdout differs under agshim"
	diff "$1.bare.err" "$1.shim.err" || fail "$1: the program's stderr differs under agshim"
	[ -s "$1.json" ] || fail "$1: no report"
}
# only MODE ID...: the findings of MODE.json are exactly these ids.
only() {
	m=$1
	shift
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	got=$(jq -r '.findings[].id' "$m.json" | sort | tr '\n' ' ')
	[ "$want" = "$got" ] || { cat "$m.json" >&2; fail "$m: findings '$got', want '$want'"; }
}

check shell_missing
grep -q '^exec 127 true$' shell_missing.bare || fail "exec did not see 127: $(cat shell_missing.bare)"
only shell_missing spawn.not_on_path
assert_jq shell_missing.json '.findings[0] | .count == 2 and .evidence.command ==
	"agshim-qa-no-such-tool" and (.summary | test("agshim-qa-no-such-tool"))' \
	"exec and spawn(shell: true) of a missing command: one finding, count 2, the command named"

check env_drops_path
[ "$bare" = 3 ] || fail "env_drops_path: the agent did not see ENOENT"
only env_drops_path spawn.not_on_path
assert_jq env_drops_path.json '.findings[0].evidence | .command == "qa-tool" and
	.detail.path_env == "/usr/bin:/bin" and (.detail.searched | index("/usr/bin/qa-tool")) != null' \
	"the PATH the child really had (the custom env's) is the evidence"

check no_exec
[ "$bare" = 4 ] || fail "no_exec: execFile did not fail"
only no_exec spawn.no_exec_permission
assert_jq no_exec.json '.findings[0].evidence | (.detail.mode | tostring | test("644")) and
	.err == "EACCES"' "EACCES with the file's mode"

check shell_no_exec
grep -q '^exec 126 true$' shell_no_exec.bare || fail "shell_no_exec: $(cat shell_no_exec.bare)"
only shell_no_exec spawn.no_exec_permission
assert_jq shell_no_exec.json '.findings[0] | .count == 1 and .evidence.exit_status == 126 and
	.evidence.err == "EACCES"' "one failure through the shell is one finding, with its 126"

check missing_interp
only missing_interp spawn.missing_interpreter
assert_jq missing_interp.json '.findings[0].evidence.detail.interp == "/usr/bin/agshim-qa-python9"' \
	"the missing #! interpreter is named"

check big_prompt
grep -q '^throws E2BIG$' big_prompt.bare || fail "big_prompt: $(cat big_prompt.bare)"
only big_prompt spawn.arg_too_long
assert_jq big_prompt.json '.findings[0].evidence.detail | .largest > 131072 and
	.arg_limit == 131072' "the argument over the 128 KiB limit, with its size"

check fetch_refused
[ "$(grep -c '^fetch ECONNREFUSED$' fetch_refused.bare)" = 3 ] || fail "fetch was not refused"
only fetch_refused net.connect_refused
assert_jq fetch_refused.json '.findings[0] | .count == 3 and
	(.evidence.endpoint | startswith("127.0.0.1:"))' "three refused connects to the endpoint"

check ws_dead
only ws_dead net.connect_refused net.reconnect_storm
assert_jq ws_dead.json '.findings[] | select(.id == "net.connect_refused") | .count == 30' \
	"30 refused connects"
assert_jq ws_dead.json '.findings[] | select(.id == "net.reconnect_storm") |
	.evidence.backoff == "none" and .evidence.reconnects >= 25' \
	"reconnecting every 100 ms to a dead port is a storm without backoff"

check emfile
grep -q '^open EMFILE$' emfile.bare || fail "emfile: $(cat emfile.bare)"
only emfile fd.exhaustion
assert_jq emfile.json '.findings[0].evidence | .err == "EMFILE" or .errno == 24 or
	(tostring | test("EMFILE"))' "EMFILE named"
echo ok
