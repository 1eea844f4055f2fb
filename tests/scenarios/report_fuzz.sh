#!/bin/sh
# SPDX-License-Identifier: MIT
# The reporter on a hostile corpus (under ASan/UBSan with make test SAN=1): no crash, no
# sanitizer report, every output format written, malformed lines counted.
. "$AGS_ROOT/tests/lib.sh"

command -v node >/dev/null || skip "node not installed"
mkdir corpus
node "$AGS_ROOT/tests/fuzz/gen_corpus.js" corpus 7 || fail "corpus generator failed"
n=0
for f in corpus/*; do
	for fmt in --json --text --prometheus; do
		"$AGS_REPORT" "$fmt" "$f" >out 2>err
		rc=$?
		[ $rc -eq 0 ] || { head -c 2000 err; fail "$f $fmt: status $rc"; }
		if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' err; then
			head -c 4000 err
			fail "$f $fmt: sanitizer report"
		fi
		[ -s out ] || fail "$f $fmt: no output"
		n=$((n + 1))
	done
	"$AGS_REPORT" --json "$f" | jq -e '.agshim_report == 1' >/dev/null ||
		fail "$f: --json output is not the report document"
done
note "$n reports over $(ls corpus | wc -l) files"

# The cut file: every cut line is malformed or a whole event, nothing else.
"$AGS_REPORT" --json corpus/cut.jsonl >cut.json
assert_jq cut.json '.inputs[0].malformed > 100' "cut lines counted as malformed"
# Many distinct failures: one finding per command, counts add up.
"$AGS_REPORT" --json corpus/many.jsonl >many.json
assert_jq many.json '[.findings[] | select(.id == "spawn.not_on_path")] | length == 3000' \
	"one finding per distinct command"
assert_jq many.json '[.findings[] | select(.id == "spawn.not_on_path") | .count] | add == 20000' \
	"every occurrence counted"
exit 0
