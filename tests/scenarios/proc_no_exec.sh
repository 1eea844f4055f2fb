#!/bin/sh
# SPDX-License-Identifier: MIT
# EACCES: a script without its execute bit, one on a noexec mount, one behind a directory
# the agent's user cannot search.
. "$AGS_ROOT/tests/scenarios/proc_common"

printf '#!/bin/sh\necho ran\n' > tool.sh
chmod 644 tool.sh
spawn_both nobit '{"file":"./tool.sh"}'
seen_jq nobit '.error.code == "EACCES"' "node sees spawn EACCES"
ev_assert '.kind == "exec"' '.err == "EACCES" and .cause == "no_exec_permission" and
	.detail.mode == "0644" and .detail.resolved == "./tool.sh" and
	.detail.euid == '"$(id -u)" "the exec event has the mode and ids"
report_json r1.json
assert_jq r1.json '[.findings[] | select(.id == "spawn.no_exec_permission")] | length == 1' \
	"spawn.no_exec_permission"

# Not failures: an EACCES candidate early on PATH before one that runs, and a script
# without #! that glibc's execvp hands to /bin/sh.
: > "$EV"
mkdir -p d1 d2
printf '#!/bin/sh\necho d1\n' > d1/tool
printf '#!/bin/sh\necho d2\n' > d2/tool
printf 'echo plain-script-ran\n' > plain
chmod 644 d1/tool
chmod 755 d2/tool plain
spawn_both later "{\"file\":\"tool\",\"options\":{\"env\":{\"PATH\":\"$AGS_TMP/d1:$AGS_TMP/d2\"}}}"
seen_jq later '.code == 0 and .stdout == "d2\n"' "the second PATH entry ran"
spawn_both plain '{"file":"./plain"}'
seen_jq plain '.code == 0 and .stdout == "plain-script-ran\n"' "a #!-less script ran via /bin/sh"
[ "$(ev_count '.kind == "exec"')" = 0 ] || fail "a start that succeeded wrote an exec event"

# noexec: a tmpfs mounted noexec in a private mount namespace (root only).
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	: > "$EV"
	mkdir -p mnt
	cat > noexec.sh <<EOS
mount -t tmpfs -o noexec,size=1m tmpfs "$AGS_TMP/mnt" || exit 77
printf '#!/bin/sh\necho ran\n' > "$AGS_TMP/mnt/tool.sh"
chmod 755 "$AGS_TMP/mnt/tool.sh"
node "$AGENT" '{"file":"$AGS_TMP/mnt/tool.sh"}' > "$AGS_TMP/noexec.bare" 2>&1
echo "status=\$?" >> "$AGS_TMP/noexec.bare"
AGSHIM_OUT="$EV" LD_PRELOAD="$AGS_LIB" node "$AGENT" '{"file":"$AGS_TMP/mnt/tool.sh"}' \
	> "$AGS_TMP/noexec.shim" 2>&1
echo "status=\$?" >> "$AGS_TMP/noexec.shim"
EOS
	unshare -m --propagation private sh noexec.sh
	rc=$?
	[ $rc -eq 77 ] && skip "cannot mount a tmpfs here"
	diff noexec.bare noexec.shim >&2 || fail "noexec: the program saw a difference"
	seen_jq noexec '.error.code == "EACCES"' "node sees EACCES on the noexec mount"
	ev_assert '.kind == "exec"' ".cause == \"noexec_mount\" and
		.detail.mount == \"$AGS_TMP/mnt\" and .detail.fstype == \"tmpfs\" and
		(.detail.mount_opts | split(\",\") | index(\"noexec\") != null)" \
		"the exec event names the noexec mount"
	report_json r2.json
	assert_jq r2.json '[.findings[] | select(.id == "spawn.noexec_mount")] | length == 1' \
		"spawn.noexec_mount"
fi

# A directory on the path that nobody (uid 65534) cannot search.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	: > "$EV"
	chmod 755 "$AGS_TMP"
	mkdir -p private/bin
	printf '#!/bin/sh\necho ran\n' > private/bin/tool
	chmod 755 private/bin/tool
	chmod 700 private
	chmod 666 "$EV"
	# The checkout may sit where nobody cannot read: give nobody its own copies.
	cp "$AGENT" "$AGS_LIB" "$AGS_TMP/"
	chmod 644 "$AGS_TMP/proc_agent.js" "$AGS_TMP/libagshim.so"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	as_nobody node "$AGS_TMP/proc_agent.js" "{\"file\":\"$AGS_TMP/private/bin/tool\"}" \
		> dir.bare 2>&1
	AGSHIM_OUT="$EV" LD_PRELOAD="$AGS_TMP/libagshim.so" as_nobody node "$AGS_TMP/proc_agent.js" \
		"{\"file\":\"$AGS_TMP/private/bin/tool\"}" > dir.shim 2>&1
	diff dir.bare dir.shim >&2 || fail "dir: the program saw a difference"
	seen_jq dir '.error.code == "EACCES"' "node (as nobody) sees EACCES"
	ev_assert '.kind == "exec"' ".cause == \"dir_not_searchable\" and
		.detail.dir == \"$AGS_TMP/private\" and .detail.mode == \"0700\" and
		.detail.euid == 65534" "the exec event names the directory"
	report_json r3.json
	assert_jq r3.json '[.findings[] | select(.id == "spawn.dir_not_searchable")] | length == 1' \
		"spawn.dir_not_searchable"
fi
