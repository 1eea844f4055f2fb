#!/bin/sh
# SPDX-License-Identifier: MIT
# Volume mounts the process cannot use, in a private mount namespace: a tmpfs volume owned by
# root that an unprivileged Node process cannot write (EACCES), a read-only bind mount
# (EROFS), and a file missing from the volume (ENOENT); named with the mount and ownership.
. "$AGS_ROOT/tests/lib.sh"
need_root
command -v node >/dev/null || skip "node not installed"
unshare -m true 2>/dev/null || skip "cannot create a mount namespace here"
id nobody >/dev/null 2>&1 || skip "no user nobody"

# nobody must reach the events file and the volume: a world-searchable directory.
base=$(mktemp -d /tmp/agshim-vol.XXXXXX)
trap 'rm -rf "$base"' EXIT
chmod 755 "$base"
mkdir "$base/vol" "$base/ro"
ev="$base/events.jsonl"
: > "$ev"
chmod 666 "$ev"
unshare -m sh -c '
	set -e
	mount --make-rprivate /
	mount -t tmpfs -o size=1m,mode=0755 agshim-volume "$1/vol"
	mkdir "$1/vol/data"
	mount --bind -o ro "$1/vol" "$1/ro"
	# An unprivileged process writing into a root-owned volume, and reading a missing file.
	runuser -u nobody -- env AGSHIM_OUT="$2" LD_PRELOAD="$3" node -e "
		const fs = require(\"fs\");
		for (const [op, p] of [[\"w\", \"$1/vol/data/out.log\"], [\"r\", \"$1/vol/config/app.json\"]])
			try { op === \"w\" ? fs.writeFileSync(p, \"x\") : fs.readFileSync(p); }
			catch (e) { console.log(e.code); }"
	# Root writing through the read-only bind mount.
	AGSHIM_OUT="$2" LD_PRELOAD="$3" node -e "
		try { require(\"fs\").writeFileSync(\"$1/ro/data/x\", \"x\"); }
		catch (e) { console.log(e.code); }"
' sh "$base" "$ev" "$AGS_LIB" > out.txt || fail "namespace run failed"
cat out.txt
[ "$(tr '\n' ' ' < out.txt)" = "EACCES ENOENT EROFS " ] || fail "unexpected errors from Node"

ags_report "$ev" > report.json || fail "report failed"
assert_jq report.json '[.findings[] | select(.id == "volume.permission")] | length == 3' \
	"three volume.permission findings (EACCES, ENOENT, EROFS)"
assert_jq report.json '.findings[] | select(.id == "volume.permission" and .evidence.error == "EACCES") |
	.evidence.mount.fstype == "tmpfs" and .evidence.mode == "0755" and
	.evidence.owner_uid == 0 and .evidence.process_uid != 0 and
	(.evidence.at | endswith("/vol/data"))' "EACCES: the mount, owner and mode against the uid"
assert_jq report.json '.findings[] | select(.id == "volume.permission" and .evidence.error == "EROFS") |
	.evidence.mount.ro == true and (.summary | test("read-only"))' "EROFS: the read-only mount"
assert_jq report.json '.findings[] | select(.id == "volume.permission" and .evidence.error == "ENOENT") |
	(.summary | test("does not exist"))' "ENOENT under the volume"
