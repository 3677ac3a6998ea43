#!/bin/bash
# Runs every integration suite against SERVER (usmbd by default, or smbd)
# and ends with one line "N passed, N failed" summing all their checks.
# Each suite starts its own server, so each can also be run alone.
#
# Usage: SERVER=usmbd|smbd tests/integration/run-all.sh [SUITE...]
#   SUITE is one of: smbclient impacket encryption multichannel smbtorture
#   garbage attack bench

HERE=$(cd "$(dirname "$0")" && pwd)
export SERVER=${SERVER:-usmbd}
SUITES=${*:-"smbclient impacket encryption multichannel smbtorture signing
	expiry garbage attack bench"}
PY=/usr/bin/python3
passed=0
failed=0

for suite in $SUITES; do
	case "$suite" in
	smbclient) cmd=("$HERE/test_smbclient.sh") limit=300 ;;
	impacket) cmd=("$PY" "$HERE/test_impacket.py") limit=300 ;;
	encryption) cmd=("$HERE/test_encryption.sh") limit=300 ;;
	multichannel) cmd=("$HERE/test_multichannel.sh") limit=300 ;;
	smbtorture) cmd=("$HERE/test_smbtorture.sh") limit=900 ;;
	signing) cmd=(env ITEST_SIGNING=required "$HERE/test_smbtorture.sh"
		smb2.session-require-signing) limit=300 ;;
	garbage) cmd=("$PY" "$HERE/test_garbage.py") limit=300 ;;
	attack) cmd=("$PY" "$HERE/test_attack.py") limit=300 ;;
	expiry) cmd=("$PY" "$HERE/test_expiry.py") limit=120 ;;
	bench) cmd=("$HERE/test_bench.sh") limit=180 ;;
	*)
		echo "not ok - unknown suite $suite"
		failed=$((failed + 1))
		continue
		;;
	esac
	echo "# ==== $suite ($SERVER) ===="
	log=$(mktemp /tmp/usmbd-itest-run.XXXXXX)
	start=$(date +%s)
	# The suite's own summary line is dropped so that the last line of
	# this script is the only plain summary.
	timeout --kill-after=20 "$limit" "${cmd[@]}" </dev/null 2>&1 |
		tee "$log" |
		sed -E '/^[0-9]+ passed, [0-9]+ failed/d'
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	rm -f "$log"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Crashed, timed out or could not start: count it once.
		echo "not ok - $suite exited with status $rc"
		f=1
	fi
	echo "# $suite: $p passed, $f failed, $(($(date +%s) - start))s"
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
