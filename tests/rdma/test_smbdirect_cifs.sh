#!/bin/bash
# usmbd's SMB Direct against the Linux kernel cifs client, inside the VM:
#   tests/rdma/run-in-vm.sh bash tests/rdma/test_smbdirect_cifs.sh
# For soft-RoCE (rxe) and soft-iWARP (siw): mounts //x.2/share with
# -o rdma, writes SIZE_MB MiB of random data, reads it back after a
# remount with a checksum compare, and checks from the server's
# per-connection counters (logged when a connection closes) that the
# payload moved by RDMA READ (writes) and RDMA WRITE (reads), not inline.
# Also sends READ/WRITE requests with an RDMA channel over TCP (impacket),
# which must fail with STATUS_INVALID_PARAMETER and leave the connection
# working.
# Options (-e): SIZE_MB (default 128), BUILD_DIR, TRANSPORTS ("rxe siw"),
# IO_TIMEOUT (seconds per copy), LOG_LEVEL, SERVER_LOG (where the server
# logs), CHECK_SIGN_SEAL=1 (see below), SHOW_LOG=1 (server log and cifs
# messages even on success).
set -u

SIZE_MB=${SIZE_MB:-128}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
TRANSPORTS=${TRANSPORTS:-rxe siw}
USER_NAME=tester
USER_PASS=Secret123
MNT=/mnt/usmbd-rdma
TCP_PORT=4455
IO_TIMEOUT=${IO_TIMEOUT:-300}
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
check() { # DESC COMMAND...
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

RXE_IP=${RXE1_IP:-10.99.1.2}
SIW_IP=${SIW1_IP:-10.99.2.2}
D=$(mktemp -d /tmp/usmbd-rdma.XXXXXX)
LOG=${SERVER_LOG:-$D/server.log}
mkdir -p "$D/share" "$D/state" "$MNT"
chmod 700 "$D/state"
cat >"$D/usmbd.conf" <<EOF
[global]
  listen = $RXE_IP:$TCP_PORT
  rdma listen = $RXE_IP:5445, $RXE_IP:445, $SIW_IP:5445, $SIW_IP:445
  users file = $D/users
  state dir = $D/state
  log level = ${LOG_LEVEL:-2}

[share]
  path = $D/share
EOF
printf '%s\n' "$USER_PASS" |
	"$BUILD_DIR/smb2/usmbd-passwd" --users "$D/users" "$USER_NAME" ||
	{ echo "usmbd-passwd failed"; exit 2; }
"$BUILD_DIR/server/usmbd" --config "$D/usmbd.conf" >"$LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
	grep -q 'usmbd ready' "$LOG" 2>/dev/null && break
	sleep 0.2
done
check "server listens for SMB Direct on rxe and siw" \
	test "$(grep -c 'listening for SMB Direct' "$LOG")" = 4

head -c $((SIZE_MB * 1048576)) /dev/urandom >"$D/payload"
want=$(sha256sum <"$D/payload" | cut -d' ' -f1)
size=$((SIZE_MB * 1048576))

# Sum of one counter over the "SMB Direct connection on DEV closed" lines.
counter() { # DEV "rdma read" | "rdma write" | "inline sent" | ...
	grep "SMB Direct connection on $1 closed" "$LOG" |
		sed -n "s/.*$2 \([0-9]*\) bytes.*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}

wait_closed() { # DEV COUNT: the server logs connection ends from its loop
	for _ in $(seq 50); do
		[ "$(grep -c "SMB Direct connection on $1 closed" \
			"$LOG")" -ge "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

for t in $TRANSPORTS; do
	case $t in
	rxe) ip=$RXE_IP dev=rxe1 ;;
	siw) ip=$SIW_IP dev=siw1 ;;
	*) echo "unknown transport $t"; exit 2 ;;
	esac
	if [ ! -d "/sys/class/infiniband/$dev" ]; then
		echo "# $dev missing: $t skipped"
		continue
	fi
	opts=vers=3.1.1,rdma,username=$USER_NAME,password=$USER_PASS
	if ! timeout 120 mount -t cifs "//$ip/share" "$MNT" -o "$opts"; then
		fail "$t: mount -o rdma"
		continue
	fi
	pass "$t: mount -o rdma"
	check "$t: the client's transport is SMB Direct" \
		grep -q SMBDirect /proc/fs/cifs/DebugData
	check "$t: write ${SIZE_MB} MiB" timeout "$IO_TIMEOUT" \
		dd if="$D/payload" of="$MNT/f-$t" bs=4M conv=fsync status=none
	check "$t: server-side data matches" cmp -s "$D/payload" "$D/share/f-$t"
	timeout 60 umount "$MNT" || umount -f "$MNT"
	check "$t: connection closed on unmount" wait_closed "$dev" 1
	rd=$(counter "$dev" "rdma read")
	check "$t: write payload came by RDMA READ ($rd bytes)" \
		test "$rd" -ge "$size"

	if ! timeout 120 mount -t cifs "//$ip/share" "$MNT" -o "$opts"; then
		fail "$t: remount -o rdma"
		continue
	fi
	got=$(timeout "$IO_TIMEOUT" dd if="$MNT/f-$t" bs=4M status=none |
		sha256sum | cut -d' ' -f1)
	check "$t: read back, checksum" test "$got" = "$want"
	check "$t: unlink" rm "$MNT/f-$t"
	timeout 60 umount "$MNT" || umount -f "$MNT"
	check "$t: second connection closed" wait_closed "$dev" 2
	wr=$(counter "$dev" "rdma write")
	check "$t: read payload went by RDMA WRITE ($wr bytes)" \
		test "$wr" -ge "$size"
	sent=$(counter "$dev" "inline sent")
	check "$t: inline sends stayed small ($sent bytes)" \
		test "$sent" -lt $((size / 16))
done

# Signing and encryption over SMB Direct (CHECK_SIGN_SEAL=1): the client
# then moves data inline, in signed or encrypted messages. Off by default:
# Debian's 6.1 client corrupts the pages of large signed inline writes
# (ksmbd rejects them just the same) and sends encrypted writes larger than
# the server's MaxFragmentedSize.
sign_seal=
[ "${CHECK_SIGN_SEAL:-0}" = 1 ] && sign_seal="sign seal"
small=$((8 * 1048576))
head -c "$small" "$D/payload" >"$D/small"
small_sum=$(sha256sum <"$D/small" | cut -d' ' -f1)
for extra in $sign_seal; do
	opts=vers=3.1.1,rdma,username=$USER_NAME,password=$USER_PASS,$extra
	if ! timeout 120 mount -t cifs "//$RXE_IP/share" "$MNT" -o "$opts"; then
		fail "rxe, $extra: mount -o rdma,$extra"
		continue
	fi
	check "rxe, $extra: write 8 MiB" timeout "$IO_TIMEOUT" \
		dd if="$D/small" of="$MNT/f-$extra" bs=1M conv=fsync status=none
	timeout 60 umount "$MNT" || umount -f "$MNT"
	if timeout 120 mount -t cifs "//$RXE_IP/share" "$MNT" -o "$opts"; then
		got=$(timeout "$IO_TIMEOUT" dd if="$MNT/f-$extra" bs=1M \
			status=none | sha256sum | cut -d' ' -f1)
		check "rxe, $extra: read back, checksum" test "$got" = "$small_sum"
		rm -f "$MNT/f-$extra"
		timeout 60 umount "$MNT" || umount -f "$MNT"
	else
		fail "rxe, $extra: remount"
	fi
done

# An RDMA channel on a TCP connection: STATUS_INVALID_PARAMETER, and the
# connection goes on working (MS-SMB2 3.3.5.12, 3.3.5.13).
tcp_channel_checks() {
	/usr/bin/python3 - "$RXE_IP" "$TCP_PORT" "$USER_NAME" "$USER_PASS" <<'PY'
import struct, sys
from impacket import smb3structs as s
from impacket.smbconnection import SMBConnection

ip, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
INVALID_PARAMETER = 0xC000000D
conn = SMBConnection(ip, ip, sess_port=port)
conn.login(user, password)
smb = conn.getSMBServer()
tid = conn.connectTree("share")
fid = conn.createFile(tid, "chan.txt")
conn.writeFile(tid, fid, b"hello")
desc = struct.pack("<QII", 0x10000, 0x1234, 4096)  # offset, token, length

def send(cmd, body):
    pkt = s.SMB2Packet()
    pkt["Command"] = cmd
    pkt["TreeID"] = tid
    pkt["Data"] = body
    return smb.recvSMB(smb.sendSMB(pkt))["Status"]

def read(channel, info):
    r = s.SMB2Read()
    r["FileID"] = fid
    r["Length"] = 5
    r["Channel"] = channel
    r["ReadChannelInfoOffset"] = 64 + 48 if info else 0
    r["ReadChannelInfoLength"] = len(info)
    r["Buffer"] = info or b"\0"
    return send(s.SMB2_READ, r)

def write(channel, info):
    w = s.SMB2Write()
    w["FileID"] = fid
    w["Length"] = 0
    w["Channel"] = channel
    w["RemainingBytes"] = 5
    w["WriteChannelInfoOffset"] = 64 + 48
    w["WriteChannelInfoLength"] = len(info)
    w["Buffer"] = info
    return send(s.SMB2_WRITE, w)

fails = 0
for desc_text, status in (
        ("READ, RDMA_V1 channel", read(1, desc)),
        ("READ, RDMA_V1 channel without descriptors", read(1, b"")),
        ("READ, unknown channel", read(7, desc)),
        ("WRITE, RDMA_V1 channel", write(1, desc))):
    ok = status == INVALID_PARAMETER
    fails += not ok
    print("%s - tcp: %s: STATUS_INVALID_PARAMETER (0x%08x)"
          % ("ok" if ok else "not ok", desc_text, status))
data = conn.readFile(tid, fid, 0, 5)
ok = data == b"hello"
fails += not ok
print("%s - tcp: the connection still reads after them" %
      ("ok" if ok else "not ok"))
conn.closeFile(tid, fid)
conn.deleteFile("share", "chan.txt")
sys.exit(1 if fails else 0)
PY
}
out=$(tcp_channel_checks 2>&1)
echo "$out" | grep -E '^(ok|not ok) ' || echo "$out" | sed 's/^/# /' | tail -n 8
PASSED=$((PASSED + $(echo "$out" | grep -c '^ok ')))
FAILED=$((FAILED + $(echo "$out" | grep -c '^not ok ')))
echo "$out" | grep -qE '^(ok|not ok) ' || FAILED=$((FAILED + 1))

kill "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID" 2>/dev/null
check "server exits cleanly" \
	test -z "$(grep -iE 'Sanitizer|runtime error' "$LOG")"
grep 'SMB Direct connection on .* closed' "$LOG" |
	sed 's/^.*usmbd\[info\] /# /'
if [ "$FAILED" != 0 ] || [ "${SHOW_LOG:-0}" = 1 ]; then
	echo "# ---- cifs kernel messages ----"
	dmesg | grep -iE 'cifs|smb' | tail -n 30 | sed 's/^/# /'
	echo "# ---- usmbd log (last ${LOG_LINES:-100} lines) ----"
	tail -n "${LOG_LINES:-100}" "$LOG" | sed 's/^/# /'
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
