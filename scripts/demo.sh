#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: run the bundled faulty Node agent under agshim and print the report.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
OUTPUT=${OUTPUT:-.output}
case "$OUTPUT" in /*) ;; *) OUTPUT="$root/$OUTPUT" ;; esac
export OUTPUT

work=$(mktemp -d "${TMPDIR:-/tmp}/agshim-demo.XXXXXX") || exit 1
events="$work/events.jsonl"

echo "== node examples/demo/agent.js, under agshim run"
echo
sh "$root/scripts/agshim" run --out "$events" --report "$work/report.txt" -- \
	node "$root/examples/demo/agent.js" "$work"
status=$?
echo
echo "== the agent exited with status $status; agshim's report:"
echo
cat "$work/report.txt"
echo
echo "== events: $events ($(wc -l <"$events") lines); again as JSON:"
echo "   $OUTPUT/agshim-report --json $events"
