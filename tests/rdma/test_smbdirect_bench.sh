#!/bin/bash
# usmbd-bench over TCP and over SMB Direct, inside the VM:
#   tests/rdma/run-in-vm.sh bash tests/rdma/test_smbdirect_bench.sh
# usmbd listens on TCP and with `rdma listen` on the rxe (10.99.1.2) and
# siw (10.99.2.2) addresses; usmbd-bench (the project's own SMB Direct
# client) writes SIZE_MB MiB sequentially in 1 MiB blocks at QD 8 with a
# pattern and reads it back checking it (--verify), over TCP, over SMB
# Direct on rxe and on siw. Where ksmbd with SMB Direct can be loaded
# (tests/rdma/build-modules.sh --ksmbd-tools), the same runs go against it.
# Prints a side-by-side table with ratios to usmbd over TCP in this run
# (soft-RDMA under TCG: compare within a run, never across machines), and
# the server's counters that show the payload moved by RDMA READ/WRITE
# into and out of registered buffers, not inline in messages.
# Options (-e): SIZE_MB (default 64), BUILD_DIR, TRANSPORTS ("tcp rxe
# siw"), KSMBD=0 (skip ksmbd), MULTICHANNEL=0 (skip the two-channel run
# on rxe), BENCH (the usmbd-bench binary), BENCH_ARGS (extra options),
# SHOW_LOG=1.
set -u

SIZE_MB=${SIZE_MB:-64}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
TRANSPORTS=${TRANSPORTS:-tcp rxe siw}
CACHE=${USMBD_RDMA_VM_CACHE:-$HOME/.cache/usmbd-rdma-vm}
TOOLS=${KSMBD_TOOLS:-$CACHE/ksmbd-tools}
USER_NAME=tester
USER_PASS=Secret123
TCP_PORT=4455
RDMA_PORT=5445
RXE_IP=${RXE1_IP:-10.99.1.2}
SIW_IP=${SIW1_IP:-10.99.2.2}
BENCH=${BENCH:-$BUILD_DIR/bench/usmbd-bench}
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
check() { # DESC COMMAND...
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

D=$(mktemp -d /tmp/usmbd-bench.XXXXXX)
LOG=$D/server.log
declare -A MBS # "server transport rw" -> MB/s

# bench SERVER TRANSPORT RW IP PORT [OPTION...]: one usmbd-bench run, its
# total MB/s recorded; the data check is part of the read run.
bench() {
	local server=$1 t=$2 rw=$3 ip=$4 port=$5 out rc
	local args=(-H "$ip" -p "$port" -U "$USER_NAME%$USER_PASS" -s share
		--rw "$rw" -b 1M -d 8 --bytes "${SIZE_MB}M"
		--file-size "${SIZE_MB}M" --verify -q ${BENCH_ARGS:-} "${@:6}")
	[ "$t" = tcp ] || args+=(--transport rdma)
	out=$(timeout 300 "$BENCH" "${args[@]}" 2>&1)
	rc=$?
	echo "$out" >>"$D/bench-$server.log"
	MBS["$server $t $rw"]=$(echo "$out" | awk '$1 == "total" { print $2 }')
	if [ $rc != 0 ]; then
		fail "$server, $t: $rw ${SIZE_MB} MiB (exit $rc)"
		echo "$out" | tail -n 5 | sed 's/^/# /'
		return 1
	fi
	pass "$server, $t: $rw ${SIZE_MB} MiB, ${MBS["$server $t $rw"]} MB/s"
	case $rw in
	read) check "$server, $t: the data read back is the data written" \
		grep -q ', no mismatch$' <<<"$out" ;;
	esac
	case $t in
	tcp) ;;
	*) check "$server, $t: READ/WRITEs went with an RDMA channel" \
		grep -qE '^SMB Direct: [1-9][0-9]* READ/WRITE' <<<"$out" ;;
	esac
}

endpoint() { # TRANSPORT -> "ip port" for usmbd
	case $1 in
	tcp) echo "$RXE_IP $TCP_PORT" ;;
	rxe) echo "$RXE_IP $RDMA_PORT" ;;
	siw) echo "$SIW_IP $RDMA_PORT" ;;
	esac
}

have_dev() { # TRANSPORT
	case $1 in
	tcp) return 0 ;;
	rxe) [ -d /sys/class/infiniband/rxe1 ] ;;
	siw) [ -d /sys/class/infiniband/siw1 ] ;;
	esac
}

# Sum of one counter over the "SMB Direct connection on DEV closed" lines.
counter() { # DEV "rdma read" | "rdma write" | "inline sent" | ...
	grep "SMB Direct connection on $1 closed" "$LOG" |
		sed -n "s/.*$2 \([0-9]*\) bytes.*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}

# ---- usmbd ----
mkdir -p "$D/share" "$D/state"
chmod 700 "$D/state"
cat >"$D/usmbd.conf" <<EOF
[global]
  listen = $RXE_IP:$TCP_PORT
  rdma listen = $RXE_IP:$RDMA_PORT, $SIW_IP:$RDMA_PORT
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
check "usmbd listens for SMB Direct on rxe and siw" \
	test "$(grep -c 'listening for SMB Direct' "$LOG")" = 2

for t in $TRANSPORTS; do
	have_dev "$t" || { echo "# $t: no device, skipped"; continue; }
	ep=$(endpoint "$t")
	ip=${ep% *} port=${ep#* }
	bench usmbd "$t" write "$ip" "$port" || continue
	check "usmbd, $t: server-side file is ${SIZE_MB} MiB" \
		test "$(stat -c %s "$D/share/usmbd-bench.0")" = \
		$((SIZE_MB * 1048576))
	if [ "$t" != tcp ]; then
		# usmbd-ctl status while the read runs: the live counters
		( for _ in $(seq 100); do
			"$BUILD_DIR/server/usmbd-ctl" --config "$D/usmbd.conf" \
				status >"$D/ctl.tmp" 2>&1
			grep -qE 'rdma_(read|write)_bytes=[1-9]' "$D/ctl.tmp" &&
				mv "$D/ctl.tmp" "$D/ctl-$t" && break
			sleep 0.1
		done ) &
		ctl_pid=$!
	fi
	bench usmbd "$t" read "$ip" "$port"
	[ "$t" != tcp ] && wait "$ctl_pid"
	rm -f "$D/share/usmbd-bench.0"
done

# Multichannel: two SMB Direct connections bound to one session
# (MS-SMB2 3.2.4.2.3), both moving payload by RDMA.
if have_dev rxe && [ "${MULTICHANNEL:-1}" = 1 ]; then
	if bench usmbd rxe-2ch write "$RXE_IP" "$RDMA_PORT" --channels 2; then
		check "usmbd, rxe-2ch: two connections bound to one session" \
			grep -q '2 connections bound to one session' \
			"$D/bench-usmbd.log"
		bench usmbd rxe-2ch read "$RXE_IP" "$RDMA_PORT" --channels 2
	fi
	rm -f "$D/share/usmbd-bench.0"
fi

kill "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID" 2>/dev/null
check "usmbd exits cleanly" \
	test -z "$(grep -iE 'AddressSanitizer|runtime error' "$LOG")"

size=$((SIZE_MB * 1048576))
for t in rxe siw; do
	case " $TRANSPORTS " in *" $t "*) ;; *) continue ;; esac
	have_dev "$t" || continue
	dev=${t}1
	rd=$(counter "$dev" "rdma read")
	wr=$(counter "$dev" "rdma write")
	sent=$(counter "$dev" "inline sent")
	recvd=$(sed -n "s/.*SMB Direct connection on $dev closed.*received \([0-9]*\) bytes.*/\1/p" "$LOG" |
		awk '{ s += $1 } END { print s + 0 }')
	check "usmbd, $t: WRITE payload came by RDMA READ ($rd bytes)" \
		test "$rd" -ge "$size"
	check "usmbd, $t: READ payload went by RDMA WRITE ($wr bytes)" \
		test "$wr" -ge "$size"
	check "usmbd, $t: inline bytes stayed small (sent $sent, received $recvd)" \
		test "$sent" -lt $((size / 64)) -a "$recvd" -lt $((size / 64))
done

# ---- ksmbd, where it can be loaded ----
ksmbd_start() {
	[ "${KSMBD:-1}" = 1 ] || return 1
	[ -x "$TOOLS/usr/sbin/ksmbd.mountd" ] &&
		[ -f "${USMBD_VM_KMOD_DIR:-/nonexistent}/ksmbd.ko" ] || {
		echo "# ksmbd or ksmbd-tools not built: ksmbd runs skipped"
		return 1
	}
	export PATH=$TOOLS/usr/sbin:$PATH
	export LD_LIBRARY_PATH=$TOOLS/lib/x86_64-linux-gnu
	modprobe -a $(modinfo -F depends "$USMBD_VM_KMOD_DIR/ksmbd.ko" |
		tr , ' ') 2>/dev/null
	insmod "$USMBD_VM_KMOD_DIR/ksmbd.ko" || return 1
	mkdir -p /srv/share /etc/ksmbd
	mount -t tmpfs -o size=$((SIZE_MB + 64))m tmpfs /srv/share
	cat >/etc/ksmbd/ksmbd.conf <<-EOF
	[global]
		workgroup = WORKGROUP
	[share]
		path = /srv/share
		read only = no
	EOF
	ksmbd.adduser -a "$USER_NAME" -p "$USER_PASS" >/dev/null &&
		ksmbd.mountd || return 1
	sleep 1
}

if ksmbd_start; then
	for t in $TRANSPORTS; do
		have_dev "$t" || continue
		case $t in
		tcp) ip=$RXE_IP port=445 ;;
		rxe) ip=$RXE_IP port=5445 ;;
		siw) ip=$SIW_IP port=5445 ;;
		esac
		bench ksmbd "$t" write "$ip" "$port" &&
			bench ksmbd "$t" read "$ip" "$port"
		rm -f /srv/share/usmbd-bench.0
	done
	ksmbd.control -s >/dev/null 2>&1
fi

# ---- report ----
ratio() { # A B -> A/B with two decimals, "-" when either is missing
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || b + 0 == 0) print "-";
		else printf "%.2f", a / b }'
}
echo
echo "# seq 1 MiB QD 8, ${SIZE_MB} MiB, verified; MB/s (ratio to usmbd tcp)"
printf '# %-8s %-9s %20s %20s\n' server transport write read
for s in usmbd ksmbd; do
	for t in $TRANSPORTS rxe-2ch; do
		w=${MBS["$s $t write"]:-}
		r=${MBS["$s $t read"]:-}
		[ -n "$w$r" ] || continue
		printf '# %-8s %-9s %12s (%5s) %12s (%5s)\n' "$s" "$t" \
			"${w:--}" "$(ratio "$w" "${MBS["usmbd tcp write"]:-}")" \
			"${r:--}" "$(ratio "$r" "${MBS["usmbd tcp read"]:-}")"
	done
done
echo "# ---- usmbd per-connection SMB Direct counters (at close) ----"
grep 'SMB Direct connection on .* closed' "$LOG" |
	sed 's/^.*usmbd\[info\] /# /'
for f in "$D"/ctl-*; do
	[ -e "$f" ] || continue
	echo "# ---- usmbd-ctl status during the ${f##*ctl-} read ----"
	sed 's/^/# /' "$f"
done
if [ "$FAILED" != 0 ] || [ "${SHOW_LOG:-0}" = 1 ]; then
	echo "# ---- usmbd log (last ${LOG_LINES:-60} lines) ----"
	tail -n "${LOG_LINES:-60}" "$LOG" | sed 's/^/# /'
	echo "# ---- kernel messages ----"
	dmesg | grep -iE 'ksmbd|rxe|siw|smb' | tail -n 20 | sed 's/^/# /'
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
