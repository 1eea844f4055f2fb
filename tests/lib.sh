# SPDX-License-Identifier: MIT
# Helpers for scenario tests: run under the shim, report, assert on the report's JSON.
# A scenario exits 0 when it passes, 1 when it fails, 77 when it cannot run here.

set -u
: "${AGS_ROOT:?run scenarios through tests/run.sh (make test)}"
AGS_TMP=${AGS_TMP:-$(mktemp -d)}
cd "$AGS_TMP" || exit 1

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
note() { echo "# $*"; }

# ags_run EVENTS CMD...: run CMD under the shim, events appended to EVENTS; keeps CMD's status.
ags_run() {
	_ev=$1
	shift
	AGSHIM_OUT="$_ev" LD_PRELOAD="$AGS_LIB${LD_PRELOAD:+:$LD_PRELOAD}" "$@"
}

# ags_report EVENTS... > report.json
ags_report() {
	"$AGS_REPORT" --json "$@"
}

# assert_jq FILE 'jq expression' 'what it means': true when the expression yields a true
# value for at least one JSON value of FILE (one report, or any line of an events file).
assert_jq() {
	jq -e -s "[.[] | ($2)] | any" "$1" >/dev/null 2>&1 && return 0
	echo "--- $1:" >&2
	head -c 6000 "$1" >&2
	echo >&2
	fail "$3 (jq: $2)"
}

# finding_count FILE ID: how many findings with that playbook id.
finding_count() {
	jq --arg id "$2" '[.findings[] | select(.id == $id)] | length' "$1"
}

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
