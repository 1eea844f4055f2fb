#!/bin/sh
# SPDX-License-Identifier: MIT
# make install PREFIX=... puts every part in place and the installed agshim works; uninstall.
. "$AGS_ROOT/tests/lib.sh"

prefix="$AGS_TMP/prefix"
# OUTPUT on make's command line wins over the Makefile's own "-san" suffix: pass the
# directory the suite built, with the matching SAN, so nothing is rebuilt elsewhere.
case "$AGS_OUTPUT" in
*-san) mk="SAN=1 OUTPUT=$AGS_OUTPUT" ;;
*) mk="SAN=0 OUTPUT=$AGS_OUTPUT" ;;
esac

# shellcheck disable=SC2086
make -s -C "$AGS_ROOT" $mk install PREFIX="$prefix" >install.log 2>&1 ||
	{ cat install.log; fail "make install failed"; }
for f in lib/libagshim.so bin/agshim-report bin/agshim include/agshim/event.h \
	lib/pkgconfig/agshim.pc share/agshim/docker-entrypoint.sh; do
	[ -f "$prefix/$f" ] || fail "not installed: $f"
done
[ -x "$prefix/bin/agshim" ] || fail "agshim is not executable"
grep -q '@LIBDIR@' "$prefix/bin/agshim" && fail "@LIBDIR@ left in the installed agshim"

# The installed command finds the installed library and reporter, from anywhere.
cd / || fail "cd /"
env -u OUTPUT "$prefix/bin/agshim" run --json --report "$AGS_TMP/r.json" -- sh -c 'exit 7' 2>/dev/null
rc=$?
cd "$AGS_TMP" || fail "cd back"
[ $rc -eq 7 ] || fail "installed agshim run: status $rc, want 7"
assert_jq r.json '.summary.events > 0 and (.processes | map(.observed) | all)' \
	"installed shim observed the command"

# pkg-config knows where things are.
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags agshim | grep -q -- "-I$prefix/include" ||
	fail "pkg-config --cflags"
[ "$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --variable=preload agshim)" = \
	"$prefix/lib/libagshim.so" ] || fail "pkg-config preload variable"

# The entrypoint wrapper: events in the directory it is given, the CMD's status kept.
AGSHIM_DIR="$AGS_TMP/logs" sh "$prefix/share/agshim/docker-entrypoint.sh" sh -c 'exit 4'
[ $? -eq 4 ] || fail "entrypoint did not keep the status"
ls "$AGS_TMP"/logs/events.*.jsonl >/dev/null 2>&1 || fail "entrypoint wrote no events file"
grep -q '"kind":"proc_start"' "$AGS_TMP"/logs/events.*.jsonl || fail "no events via the entrypoint"
# Without a writable directory it still runs the command, untouched.
AGSHIM_DIR=/proc/agshim-nowhere sh "$prefix/share/agshim/docker-entrypoint.sh" sh -c 'exit 0' \
	2>err.txt || fail "entrypoint must run the command without a writable directory"
grep -q "running without agshim" err.txt || fail "entrypoint did not say why it skipped"

# shellcheck disable=SC2086
make -s -C "$AGS_ROOT" $mk uninstall PREFIX="$prefix" >uninstall.log 2>&1 ||
	{ cat uninstall.log; fail "make uninstall failed"; }
left=$(find "$prefix" -type f | head -5)
[ -z "$left" ] || fail "left after uninstall: $left"
exit 0
