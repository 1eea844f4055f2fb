#!/bin/sh
# SPDX-License-Identifier: MIT
# Container ENTRYPOINT wrapper: exec the CMD with libagshim.so preloaded, events to a volume.
#
#   AGSHIM_DIR   directory for the events (default /var/log/agshim, mount a volume there)
#   AGSHIM_OUT   events file (default $AGSHIM_DIR/events.PID.jsonl; PID is the CMD's, since
#                this script execs it and the pid stays the same)
#   AGSHIM_LIB   libagshim.so (default: found next to this script's install prefix)
#   AGSHIM_DISABLE=1 runs the CMD untouched
#
# The wrapper execs, so the CMD keeps the pid (1 in a container), receives the signals sent to
# the container and its exit status is the container's.  It does not reap orphans: run the
# container with an init (docker run --init, or tini) when the CMD starts children.
set -eu

warn() { echo "agshim-entrypoint: $*" >&2; }

[ $# -gt 0 ] || { warn "no command given"; exit 2; }

if [ "${AGSHIM_DISABLE:-0}" = 1 ]; then
	exec "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
lib=${AGSHIM_LIB:-}
if [ -z "$lib" ]; then
	for cand in "$here/../../lib/libagshim.so" /usr/local/lib/libagshim.so \
		/usr/lib/libagshim.so; do
		if [ -f "$cand" ]; then
			lib=$cand
			break
		fi
	done
fi

dir=${AGSHIM_DIR:-/var/log/agshim}
out=${AGSHIM_OUT:-$dir/events.$$.jsonl}

# Never keep the service from starting: without the library or a writable directory, run it
# as it is and say why.
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
	warn "libagshim.so not found (set AGSHIM_LIB); running without it"
	exec "$@"
fi
if ! mkdir -p "$(dirname "$out")" 2>/dev/null || ! (umask 077 && : >>"$out") 2>/dev/null; then
	warn "cannot write $out (mount a writable volume at $dir); running without agshim"
	exec "$@"
fi

LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
AGSHIM_OUT=$out
export LD_PRELOAD AGSHIM_OUT
exec "$@"
