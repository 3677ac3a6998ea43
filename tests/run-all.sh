#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs the cmocka
# unit tests (plain and under ASan+UBSan+LSan), then the integration suites
# against the real server on loopback with real clients. Ends with one line
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tests/deps.sh test || exit 1

passed=0
failed=0
add_counts() { # parses "N passed, N failed" or meson's Ok:/Fail: lines
	local out=$1 p f
	p=$(grep -E '^ *Ok: +[0-9]+' "$out" | tail -1 | awk '{print $2}')
	f=$(grep -E '^ *Fail: +[0-9]+' "$out" | tail -1 | awk '{print $2}')
	if [ -z "$p" ]; then
		p=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1 | awk '{print $1}')
		f=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1 | awk '{print $3}')
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-1}))
}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

step() { echo; echo "=== $*"; }

step "build (debugoptimized)"
if [ ! -d build ]; then meson setup build >/dev/null || exit 1; fi
ninja -C build || exit 1

step "unit tests"
meson test -C build --suite unit --print-errorlogs 2>&1 | tee "$log/unit"
add_counts "$log/unit"

step "build, unit tests and fuzz corpus replay under ASan + UBSan + LeakSanitizer"
if [ ! -d build-asan ]; then
	meson setup build-asan -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug >/dev/null || exit 1
fi
ninja -C build-asan || exit 1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1 \
	meson test -C build-asan --suite unit --suite fuzz --print-errorlogs 2>&1 |
	tee "$log/unit-asan"
add_counts "$log/unit-asan"

step "integration: real server (ASan build) with smbclient, impacket, smbtorture"
SERVER=usmbd BUILD_DIR=build-asan tests/integration/run-all.sh 2>&1 |
	tee "$log/integration"
add_counts "$log/integration"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
