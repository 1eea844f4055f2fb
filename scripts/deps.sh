#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what agshim builds and tests with: Debian packages as root, npm packages for the tests.
set -eu

# Everything the build, the tests and the benchmarks use, by Debian package name.
PKGS="gcc make pkg-config clang llvm libjansson-dev libcmocka-dev libunwind-dev
libbpf-dev libelf-dev zlib1g-dev bpftool jq postgresql iproute2 nftables
util-linux procps file binutils"
# Node may come from another source than Debian (it does on this machine kind);
# only ask Debian for it when there is none.
command -v node >/dev/null || PKGS="$PKGS nodejs"
command -v npm >/dev/null || PKGS="$PKGS npm"
[ "${AGSHIM_BENCH_DEPS:-0}" = 1 ] && PKGS="$PKGS heaptrack libbpf-tools hyperfine"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "deps: installing$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq $missing >/dev/null
	else
		echo "deps: missing packages; run as root:" >&2
		echo "  apt-get install -y$missing" >&2
		exit 1
	fi
fi

# The scenario tests' Node packages, pinned by tests/package-lock.json.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$here/tests/node_modules/pg" ] || [ ! -d "$here/tests/node_modules/ws" ]; then
	echo "deps: npm ci in tests/"
	(cd "$here/tests" && npm ci --no-audit --no-fund --silent)
fi
