#!/bin/sh
# SPDX-License-Identifier: MIT
# The shim's event path must not allocate, lock or use stdio: check its objects' imports.
set -eu
out=$1
lib=$2
bad=0

# The emitter, the redaction rules and the log formatter run inside malloc,
# signal handlers and vfork children.
for o in emit redact log errnames ownfd state enrich children env exec spawn proc shell; do
	obj="$out/shim/$o.o"
	[ -f "$obj" ] || continue
	if nm -u "$obj" | grep -Ew 'malloc|calloc|realloc|free|printf|fprintf|snprintf|sprintf|fopen|strerror|pthread_mutex_lock|getenv'; then
		echo "check-shim: $obj imports a function the event path must not call" >&2
		bad=1
	fi
done

# Only the wrapped functions leave the library.
nm -D --defined-only "$lib" | awk '$2 ~ /^[TWiV]$/ {print $3}' | sed 's/@.*//' | sort -u > "$out/exports.actual"
sort -u shim/exports.txt > "$out/exports.expected"
if ! cmp -s "$out/exports.actual" "$out/exports.expected"; then
	echo "check-shim: exported symbols differ from shim/exports.txt:" >&2
	diff "$out/exports.expected" "$out/exports.actual" >&2 || true
	bad=1
fi
[ $bad -eq 0 ] && echo "check-shim: ok"
exit $bad
