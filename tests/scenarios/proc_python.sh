#!/bin/sh
# SPDX-License-Identifier: MIT
# Python's subprocess searches PATH itself (vfork, then execv per directory): its misses
# before a hit are no failure, a search that fails is one event, a bad cwd is named.
. "$AGS_ROOT/tests/scenarios/proc_common"
command -v python3 >/dev/null || skip "python3 is not installed"

cat > tool.py <<'EOS'
import subprocess, sys
for args, kw in [(['agshim-no-such-tool'], {}), (['ls'], {'cwd': sys.argv[1] + '/gone'}),
                 (['true'], {})]:
    try:
        print('ran', subprocess.run(args, **kw).returncode)
    except OSError as e:
        print(type(e).__name__, e.errno)
EOS
python3 tool.py "$AGS_TMP" > bare.out 2>&1; echo "status=$?" >> bare.out
ags_run "$EV" python3 tool.py "$AGS_TMP" > shim.out 2>&1; echo "status=$?" >> shim.out
diff bare.out shim.out >&2 || fail "python saw something different under the shim"
grep -q 'ran 0' shim.out || fail "python did not run true: $(cat shim.out)"

[ "$(ev_count '.kind == "exec" and .path == "agshim-no-such-tool"')" = 1 ] ||
	fail "expected the failed search as one exec event"
ev_assert '.kind == "exec" and .path == "agshim-no-such-tool"' '.cause == "not_on_path" and
	.forked and (.detail.searched | length) > 1' "the search, folded, with its candidates"
[ "$(ev_count '.kind == "exec" and (.argv[0] == "true")')" = 0 ] ||
	fail "a search that found true wrote exec events"
ev_assert '.kind == "chdir" and .errno' ".cause == \"missing_cwd\" and
	.detail.missing == \"$AGS_TMP/gone\"" "the failed chdir names the directory"
report_json r.json
assert_jq r.json '[.findings[] | select(.id == "spawn.not_on_path")] | length == 1' \
	"spawn.not_on_path"
assert_jq r.json '[.findings[] | select(.id == "spawn.missing_cwd")] | length == 1' \
	"spawn.missing_cwd"
assert_jq r.json '[.findings[] | select(.area == "process")] | length == 2' \
	"no other process finding (the successful search is none)"
