#!/bin/bash
# Multichannel failover: mc_failover binds four connections to one
# session, writes a file striped over all of them, shuts one connection's
# socket down mid-transfer, replays its unanswered writes on the others
# (SMB2_FLAGS_REPLAY_OPERATION, ChannelSequence bumped) and checks the
# sha256 of the file read back. A server without multichannel is a skip.
#
# Usage: SERVER=usmbd|smbd tests/integration/test_multichannel.sh
#   MC_MIB   size of the file in MiB (default 16)

. "$(dirname "$0")/lib.sh"

CLIENT=$BUILD_DIR/tests/mc_failover
if [ ! -x "$CLIENT" ]; then
	not_ok "mc_failover built ($CLIENT)"
	itest_summary
	exit 1
fi
itest_server_start || {
	not_ok "server start ($SERVER)"
	itest_summary
	exit 1
}

OUT=$ITEST_DIR/mc.out
timeout 120 "$CLIENT" 127.0.0.1 "$ITEST_PORT" share "$ITEST_USER" \
	"$ITEST_PASS" "${MC_MIB:-16}" >"$OUT" 2>&1
rc=$?
sed 's/^/#   /' "$OUT"
case $rc in
0) ok "multichannel: 4 channels, one killed mid-transfer, sha256 matches" ;;
77) echo "ok - multichannel failover # skip: $SERVER has no multichannel"
	ITEST_PASSED=$((ITEST_PASSED + 1)) ;;
*) not_ok "multichannel failover (exit $rc)" ;;
esac
rm -f "$ITEST_SHARE_DIR/mc_failover.bin"

itest_summary
