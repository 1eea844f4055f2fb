#!/bin/sh
# SPDX-License-Identifier: MIT
# docker-entrypoint.sh as a container's PID 1 (a fresh pid namespace): it execs the command,
# which keeps pid 1 and its status, with events in the mounted directory.
. "$AGS_ROOT/tests/lib.sh"

need_root
command -v unshare >/dev/null || skip "no unshare"
unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot create a pid namespace"
mkdir logs
AGSHIM_LIB="$AGS_LIB" AGSHIM_DIR="$AGS_TMP/logs" unshare --pid --fork --mount-proc \
	sh "$AGS_ROOT/scripts/docker-entrypoint.sh" node -e 'console.log(process.pid); process.exit(9)' \
	>out.txt 2>err.txt
rc=$?
[ $rc -eq 9 ] || fail "status $rc, want 9: $(cat err.txt)"
[ "$(cat out.txt)" = 1 ] || fail "the command is not pid 1: $(cat out.txt)"
[ -f logs/events.1.jsonl ] || fail "no logs/events.1.jsonl: $(ls logs)"
"$AGS_REPORT" --json logs/events.1.jsonl >r.json || fail "report failed"
assert_jq r.json '.processes | map(select(.pid == 1 and (.exe | test("node$")))) | length == 1' \
	"node observed as pid 1"
assert_jq r.json '.processes[] | select(.pid == 1) | .status == 9' "its exit status recorded"
exit 0
