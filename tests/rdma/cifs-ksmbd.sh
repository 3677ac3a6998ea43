#!/bin/bash
# Reference run of the kernel cifs client against the kernel server (ksmbd)
# over SMB Direct, inside the VM:
#   tests/rdma/build-modules.sh --ksmbd-tools
#   tests/rdma/run-in-vm.sh bash tests/rdma/cifs-ksmbd.sh
# Mounts //10.99.1.2/share over TCP, then with -o rdma on rxe (and siw when
# built), writes SIZE_MB MiB of random data, remounts, reads it back and
# compares checksums.  For rdma mounts it also checks that cifs says it uses
# SMB Direct and that the rxe port counters moved.
set -u

SIZE_MB=${SIZE_MB:-16}
CACHE=${USMBD_RDMA_VM_CACHE:-$HOME/.cache/usmbd-rdma-vm}
TOOLS=${KSMBD_TOOLS:-$CACHE/ksmbd-tools}
USER_NAME=tester
USER_PASS=Secret123
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }

[ -x "$TOOLS/usr/sbin/ksmbd.mountd" ] || {
	echo "ksmbd-tools not in $TOOLS: run tests/rdma/build-modules.sh --ksmbd-tools"
	exit 2
}
[ -f "$USMBD_VM_KMOD_DIR/ksmbd.ko" ] || {
	echo "no ksmbd.ko in $USMBD_VM_KMOD_DIR: run tests/rdma/build-modules.sh"
	exit 2
}
export PATH=$TOOLS/usr/sbin:$PATH
export LD_LIBRARY_PATH=$TOOLS/lib/x86_64-linux-gnu

modprobe -a $(modinfo -F depends "$USMBD_VM_KMOD_DIR/ksmbd.ko" | tr , ' ')
insmod "$USMBD_VM_KMOD_DIR/ksmbd.ko" || exit 2
mkdir -p /srv/share /etc/ksmbd /mnt/smb
mount -t tmpfs -o size=$((SIZE_MB * 2 + 16))m tmpfs /srv/share
cat >/etc/ksmbd/ksmbd.conf <<EOF
[global]
	workgroup = WORKGROUP
[share]
	path = /srv/share
	read only = no
EOF
ksmbd.adduser -a "$USER_NAME" -p "$USER_PASS" >/dev/null || exit 2
ksmbd.mountd || exit 2
sleep 1

head -c $((SIZE_MB * 1048576)) /dev/urandom >/tmp/payload
want=$(sha256sum </tmp/payload | cut -d' ' -f1)

rxe_sent() {
	cat /sys/class/infiniband/rxe0/ports/1/hw_counters/sent_pkts
}

# roundtrip LABEL SERVER OPTIONS: write, remount, read back, compare.
roundtrip() {
	local label=$1 server=$2 opts=vers=3.1.1,username=$USER_NAME,password=$USER_PASS
	local before got secs
	[ -n "$3" ] && opts="$opts,$3"
	before=$(rxe_sent)
	if ! timeout 120 mount -t cifs "//$server/share" /mnt/smb -o "$opts"; then
		fail "$label: mount -o $3"
		dmesg | grep -iE 'cifs|smb|ksmbd' | tail -n 10
		return
	fi
	secs=$(date +%s.%N)
	cp /tmp/payload /mnt/smb/payload && sync /mnt/smb/payload
	echo "    write ${SIZE_MB} MiB: $(echo "$(date +%s.%N) - $secs" | bc) s"
	if grep -q '^SMBDirect' /proc/fs/cifs/DebugData; then
		grep -A2 '^SMBDirect' /proc/fs/cifs/DebugData | sed 's/^/    /' |
			head -n 3
	fi
	case $3 in
	*rdma*)
		# status 2: SMBD_CONNECTED
		grep -q '^SMBDirect.*transport status: 2$' /proc/fs/cifs/DebugData &&
			pass "$label: cifs reports an SMB Direct transport" ||
			fail "$label: cifs reports no SMB Direct transport"
		;;
	esac
	umount /mnt/smb
	timeout 120 mount -t cifs "//$server/share" /mnt/smb -o "$opts" ||
		{ fail "$label: remount"; return; }
	secs=$(date +%s.%N)
	got=$(sha256sum </mnt/smb/payload | cut -d' ' -f1)
	echo "    read ${SIZE_MB} MiB: $(echo "$(date +%s.%N) - $secs" | bc) s"
	[ "$server" != "$RXE1_IP" ] ||
		echo "    rxe0 sent_pkts +$(($(rxe_sent) - before)) since mounting"
	[ "$got" = "$want" ] && pass "$label: data read back intact" ||
		fail "$label: checksum mismatch"
	rm -f /mnt/smb/payload
	umount /mnt/smb
}

roundtrip "TCP" "$RXE1_IP" ""
roundtrip "SMB Direct over rxe" "$RXE1_IP" rdma
[ -e /sys/class/infiniband/siw1 ] &&
	roundtrip "SMB Direct over siw" "$SIW1_IP" rdma

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
