#!/bin/sh
# SPDX-License-Identifier: MIT
# A private PostgreSQL and two Node agents: a busy healthy one (hundreds of spawns, fetches,
# queries, a WebSocket) must give no finding at all; one whose pg Clients never call end()
# leaves its connections open, named with the PostgreSQL endpoint; a server that closes new
# connections at once is still named as rejecting them.
. "$AGS_ROOT/tests/lib.sh"
need_root
command -v node >/dev/null || skip "node not installed"
[ -d "$AGS_ROOT/tests/node_modules/pg" ] || skip "pg not installed (scripts/deps.sh)"
[ -d "$AGS_ROOT/tests/node_modules/ws" ] || skip "ws not installed (scripts/deps.sh)"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/postgres" ] || skip "postgresql not installed"
JS="$AGS_ROOT/tests/scenarios/qa_agent.js"

user=agshim_pg
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" ||
	id "$user" >/dev/null 2>&1 || fail "cannot create user $user"
pgdir=$(mktemp -d /tmp/agshim-qapg.XXXXXX)
chown "$user" "$pgdir"
trap 'runuser -u "$user" -- "$PGBIN/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1;
	rm -rf "$pgdir"' EXIT
runuser -u "$user" -- "$PGBIN/initdb" -D "$pgdir/data" -A trust -U "$user" >"$pgdir/initdb.log" 2>&1 ||
	{ cat "$pgdir/initdb.log"; fail "initdb failed"; }
# A free loopback port; another suite on this machine may take it first, so try a few.
started=0
for try in 1 2 3 4 5; do
	port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => {
		console.log(s.address().port); s.close(); })")
	if runuser -u "$user" -- "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/pg.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir" start >/dev/null; then
		started=1
		break
	fi
done
[ $started = 1 ] || { cat "$pgdir/pg.log"; fail "postgres did not start"; }

A="$AGS_ROOT/scripts/agshim"
node "$JS" busy "$port" "$user" > busy.bare || fail "the busy agent failed bare"
OUTPUT="$AGS_OUTPUT" sh "$A" run --json --out busy.jsonl --report busy.json -- \
	node "$JS" busy "$port" "$user" > busy.shim || fail "the busy agent failed under agshim"
[ "$(cat busy.bare)" = "ok 60" ] || fail "busy agent bare: $(cat busy.bare)"
diff busy.bare busy.shim || fail "the busy agent's output differs under agshim"
assert_jq busy.json '.summary.processes > 200 and .summary.events > 500' \
	"every spawned child was observed"
assert_jq busy.json '.findings | length == 0' "a healthy busy agent has no finding"
"$AGS_REPORT" busy.jsonl > busy.txt || fail "text report failed"
grep -q '^No findings' busy.txt ||
	fail "the text report does not say the run was clean: $(head -c 600 busy.txt)"

node "$JS" noend "$port" "$user" > noend.bare || fail "the noend agent failed bare"
OUTPUT="$AGS_OUTPUT" sh "$A" run --json --report noend.json -- \
	node "$JS" noend "$port" "$user" > noend.shim || fail "the noend agent failed under agshim"
diff noend.bare noend.shim || fail "the noend agent's output differs under agshim"
assert_jq noend.json '[.findings[].id] == ["net.connection_leak"]' \
	"pg Clients never ended: one connection leak and nothing else"
assert_jq noend.json ".findings[0] | .evidence.open_at_exit == 8 and
	(.evidence.endpoint == \"127.0.0.1:$port\") and (.summary | test(\"PostgreSQL\"))" \
	"8 connections to the PostgreSQL endpoint still open at exit"

# A server that closes every new connection before a word is still turning them away.
ev="$AGS_TMP/slam.jsonl"
ags_run "$ev" node "$JS" slam "$port" "$user" > slam.out || fail "the slam agent failed"
[ "$(grep -c '^refused true$' slam.out)" = 3 ] || fail "slam: $(cat slam.out)"
ags_report "$ev" > slam.json || fail "report failed"
assert_jq slam.json '.findings[] | select(.id == "db.server_rejects_connections") |
	.evidence.rejected == 3' "3 connections closed by the server before it answered"
echo ok
