#!/bin/bash
# usmbd against the Linux kernel cifs client, inside the VM:
#   tests/rdma/run-in-vm.sh bash tests/rdma/cifs-usmbd.sh
# Starts usmbd (build/ of the repository, or BUILD_DIR) on 10.99.1.2, mounts
# //10.99.1.2/share with vers=3.1.1 over TCP, copies SIZE_MB MiB of random
# data in and out with a checksum check and does a few namespace operations.
# On failure (or with SHOW_LOG=1) the server log (log level 3) and the cifs
# messages are shown.
set -u

SIZE_MB=${SIZE_MB:-8}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
SERVER_IP=${RXE1_IP:-10.99.1.2}
PORT=${PORT:-4455}
USER_NAME=tester
USER_PASS=Secret123
MNT=/mnt/usmbd
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
check() { # DESC COMMAND...
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

D=$(mktemp -d /tmp/usmbd-vm.XXXXXX)
mkdir -p "$D/share" "$D/state" "$MNT"
cat >"$D/usmbd.conf" <<EOF
[global]
  listen = $SERVER_IP:$PORT
  users file = $D/users
  state dir = $D/state
  log level = 3

[share]
  path = $D/share
EOF
printf '%s\n' "$USER_PASS" |
	"$BUILD_DIR/smb2/usmbd-passwd" --users "$D/users" "$USER_NAME" ||
	{ echo "usmbd-passwd failed"; exit 2; }
"$BUILD_DIR/server/usmbd" --config "$D/usmbd.conf" >"$D/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
	grep -q . "$D/server.log" 2>/dev/null && ss -ltn | grep -q ":$PORT " &&
		break
	sleep 0.2
done

OPTS=vers=3.1.1,username=$USER_NAME,password=$USER_PASS,port=$PORT
mount_share() {
	timeout 60 mount -t cifs "//$SERVER_IP/share" "$MNT" -o "$OPTS${1:+,$1}"
}

# CIFS_FYI=1: the client logs every command and status (dmesg, -d FILE)
if [ "${CIFS_FYI:-0}" = 1 ]; then
	echo 1 >/proc/fs/cifs/cifsFYI
	echo "module cifs +p" >/sys/kernel/debug/dynamic_debug/control
fi

head -c $((SIZE_MB * 1048576)) /dev/urandom >"$D/payload"
want=$(sha256sum <"$D/payload" | cut -d' ' -f1)

if mount_share; then
	pass "mount -t cifs -o vers=3.1.1 (TCP)"
	grep -E '^[0-9]+\)|Dialect|Security|Signing|Encrypt' \
		/proc/fs/cifs/DebugData | head -n 6 | sed 's/^/    /'
	check "ls of the empty share" ls -la "$MNT"
	check "copy ${SIZE_MB} MiB in" cp "$D/payload" "$MNT/payload"
	check "server-side data matches" \
		cmp -s "$D/payload" "$D/share/payload"
	check "mkdir" mkdir "$MNT/dir"
	check "rename into the directory" mv "$MNT/payload" "$MNT/dir/moved"
	check "stat size" test "$(stat -c %s "$MNT/dir/moved")" = \
		$((SIZE_MB * 1048576))
	umount "$MNT"
	if mount_share; then
		got=$(sha256sum <"$MNT/dir/moved" | cut -d' ' -f1)
		check "read back after remount, checksum" test "$got" = "$want"
		check "unlink" rm "$MNT/dir/moved"
		check "rmdir" rmdir "$MNT/dir"
		umount "$MNT"
	else
		fail "remount"
	fi
	# uncached I/O, then signing and encryption (SMB 3.1.1 AES)
	for extra in cache=none sign seal; do
		if ! mount_share "$extra"; then
			fail "mount -o $extra"
			continue
		fi
		check "$extra: copy in" cp "$D/payload" "$MNT/f-$extra"
		got=$(sha256sum <"$MNT/f-$extra" | cut -d' ' -f1)
		check "$extra: read back, checksum" test "$got" = "$want"
		check "$extra: unlink" rm "$MNT/f-$extra"
		umount "$MNT"
	done
else
	fail "mount -t cifs -o vers=3.1.1 (TCP)"
fi

kill "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID" 2>/dev/null
if [ "$FAILED" != 0 ] || [ "${SHOW_LOG:-0}" = 1 ]; then
	echo "# ---- cifs kernel messages ----"
	dmesg | grep -iE 'cifs|smb' | tail -n 30 | sed 's/^/# /'
	echo "# ---- usmbd log (last ${LOG_LINES:-150} lines) ----"
	tail -n "${LOG_LINES:-150}" "$D/server.log" | sed 's/^/# /'
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
