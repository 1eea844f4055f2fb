#!/bin/sh
# SPDX-License-Identifier: MIT
# A bounded libFuzzer run (a fixed number of inputs) of the reporter under ASan and UBSan.
. "$AGS_ROOT/tests/lib.sh"

command -v clang >/dev/null || skip "clang not installed"
command -v node >/dev/null || skip "node not installed"
[ -f "$AGS_OUTPUT/playbook.json" ] || fail "no merged playbook in $AGS_OUTPUT (make all first)"
srcs=$(ls "$AGS_ROOT"/reporter/*.c | grep -v '/main\.c$')
# shellcheck disable=SC2086
clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I"$AGS_ROOT/include" -I"$AGS_ROOT/reporter" \
	-DAGS_PLAYBOOK_FILE="\"$AGS_OUTPUT/playbook.json\"" \
	-o fuzz_report "$AGS_ROOT/tests/fuzz/fuzz_report.c" $srcs -ljansson -lm 2>build.log ||
	{ cat build.log; skip "libFuzzer build failed here"; }

# Seeds: the hostile corpus, small files only.
mkdir corpus seeds
node "$AGS_ROOT/tests/fuzz/gen_corpus.js" corpus 11 || fail "corpus generator failed"
for f in corpus/*; do
	[ "$(wc -c <"$f")" -le 8192 ] && cp "$f" seeds/
done
./fuzz_report -runs=5000 -seed=1 -max_len=8192 -rss_limit_mb=1024 seeds >fuzz.log 2>&1
rc=$?
tail -5 fuzz.log
[ $rc -eq 0 ] || { grep -A30 -E 'ERROR|runtime error' fuzz.log | head -60; fail "fuzzer found a crash"; }
grep -q 'Done 5000 runs' fuzz.log || fail "the fuzzer did not finish its runs"
exit 0
