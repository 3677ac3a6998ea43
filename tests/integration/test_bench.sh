#!/bin/bash
# usmbd-bench end to end: a sequential write then a sequential read of the
# same file, both with --verify (every byte read back is checked against
# the pattern written) over 2 channels, about 3 s each. Each run must exit
# 0 and report a non-zero MB/s in its JSON.
#
# Usage: SERVER=usmbd|smbd tests/integration/test_bench.sh

. "$(dirname "$0")/lib.sh"

BENCH=$BUILD_DIR/bench/usmbd-bench

if [ ! -x "$BENCH" ]; then
	not_ok "usmbd-bench built ($BENCH missing)"
	itest_summary
	exit 1
fi

itest_server_start || {
	not_ok "server start ($SERVER)"
	itest_summary
	exit 1
}

OUT=$ITEST_DIR/bench.out

# The MB/s of the JSON's total, or nothing when the run said failed.
bench_mbs() {
	sed -n '/^{"host"/,$p' "$1" | "$ITEST_PY" -c '
import json, sys
r = json.load(sys.stdin)
if not r["failed"] and r["channels"] == 2:
    print(r["total"]["mb_s"])'
}

for rw in write read; do
	USMBD_BENCH_PASSWORD=$ITEST_PASS timeout 60 "$BENCH" \
		-H 127.0.0.1 -p "$ITEST_PORT" -U "$ITEST_USER" -s share \
		--channels 2 -d 8 -b 1M --rw "$rw" -t 3 \
		--file-size 64M --verify -q --json - >"$OUT" 2>&1
	rc=$?
	mbs=$(bench_mbs "$OUT" 2>/dev/null)
	if [ $rc -eq 0 ] && [ -n "$mbs" ] &&
		"$ITEST_PY" -c 'import sys; sys.exit(float(sys.argv[1]) <= 0)' \
			"$mbs"; then
		ok "seq $rw 1M x2 channels, verified: $mbs MB/s"
	else
		not_ok "seq $rw 1M x2 channels, verified (exit $rc, MB/s '$mbs')"
		sed 's/^/#   /' "$OUT" | tail -8
	fi
done

# the file the runs used is there and as large as asked
size=$(stat -c %s "$ITEST_SHARE_DIR/usmbd-bench.0" 2>/dev/null)
if [ -n "$size" ] && [ "$size" -ge 67108864 ]; then
	ok "test file on the share is $size bytes"
else
	not_ok "test file on the share (size '$size')"
fi

itest_summary
