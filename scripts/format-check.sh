#!/bin/sh
# SPDX-License-Identifier: MIT
# Style gates from style.md: clang-format clean, no line over 100 columns, no bare TODO.
set -eu
files=$(git ls-files 'shim/*.[ch]' 'reporter/*.[ch]' 'ebpf/*.[ch]' 'include/agshim/*.h' \
	'tests/unit/*.c' 'tests/progs/*.c' 'tests/bench/*.c' | grep -v 'vmlinux.h' || true)
bad=0
[ -n "$files" ] || exit 0
# shellcheck disable=SC2086
if ! clang-format --dry-run -Werror $files 2>/dev/null; then
	echo "format-check: run 'make format' (clang-format) on:" >&2
	# shellcheck disable=SC2086
	clang-format --dry-run $files 2>&1 | grep -o '^[^:]*\.[ch]' | sort -u >&2
	bad=1
fi
# shellcheck disable=SC2086
wide=$(for f in $files; do expand -t 8 "$f" | awk -v f="$f" 'length > 100 {print f": "FNR}'; done)
if [ -n "$wide" ]; then
	echo "format-check: lines over 100 columns:" >&2
	echo "$wide" >&2
	bad=1
fi
# shellcheck disable=SC2086
if grep -nE '(TODO|XXX|FIXME)' $files | grep -vE '(TODO|XXX)\(#[0-9]+\)'; then
	echo "format-check: a TODO or XXX must name its issue: TODO(#N)" >&2
	bad=1
fi
[ $bad -eq 0 ] && echo "format-check: ok"
exit $bad
