#!/bin/sh
# SPDX-License-Identifier: MIT
# A private PostgreSQL server (max_connections 5) and a pg Pool that leaks clients until the
# server refuses: named as pool exhaustion, with the connections never released.
. "$AGS_ROOT/tests/lib.sh"
need_root
command -v node >/dev/null || skip "node not installed"
[ -d "$AGS_ROOT/tests/node_modules/pg" ] || skip "pg not installed (scripts/deps.sh)"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/postgres" ] || skip "postgresql not installed"

# postgres refuses to run as root: an unprivileged user owns the cluster.
user=agshim_pg
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" ||
	fail "cannot create user $user"
pgdir=$(mktemp -d /tmp/agshim-pg.XXXXXX)
chown "$user" "$pgdir"
trap 'runuser -u "$user" -- "$PGBIN/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1;
	rm -rf "$pgdir"' EXIT
runuser -u "$user" -- "$PGBIN/initdb" -D "$pgdir/data" -A trust -U "$user" >"$pgdir/initdb.log" 2>&1 ||
	{ cat "$pgdir/initdb.log"; fail "initdb failed"; }
# A free loopback port (other test suites may run on this machine at the same time).
port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => {
	console.log(s.address().port); s.close(); })")
runuser -u "$user" -- "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/pg.log" -w -t 30 \
	-o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c max_connections=5 \
	-c superuser_reserved_connections=0" start >/dev/null ||
	{ cat "$pgdir/pg.log"; fail "postgres did not start"; }

ev="$AGS_TMP/events.jsonl"
ags_run "$ev" node "$AGS_ROOT/tests/scenarios/db_pool_leak.js" "$port" "$user" > out.json ||
	fail "node client failed"
cat out.json
assert_jq out.json '.held == 5 and .code == "53300"' "5 clients held, then 'too many clients'"

ags_report "$ev" > report.json || fail "report failed"
assert_jq report.json '[.findings[] | select(.id == "db.pool_exhaustion")] | length == 1' \
	"one db.pool_exhaustion finding"
assert_jq report.json '.findings[] | select(.id == "db.pool_exhaustion") |
	.evidence.never_released == 5 and .evidence.held_when_rejected == 5 and
	.evidence.rejected_after >= 1 and (.evidence.server_message | test("too many clients"))' \
	"never released 5, 5 held when refused, the server's message"
assert_jq report.json '.findings[] | select(.id == "db.server_rejects_connections") |
	(.evidence.sqlstates | index("53300")) != null' "the server's SQLSTATE 53300"
assert_jq report.json '[.findings[] | select(.id == "net.connection_leak")] | length == 0' \
	"not also a generic leak"
