#!/bin/bash
# Soft-RDMA smoke test, run inside the VM:
#   tests/rdma/run-in-vm.sh bash tests/rdma/smoke.sh
# Checks that the devices exist and that connections over rdma_cm really
# work: rping on rxe (and siw when it was built) and a short ib_write_bw on
# rxe.  Servers listen on the x.2 end, clients connect from x.1.
set -u

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }

# client_server DESC SERVER-CMD CLIENT-CMD: starts the server, gives it time
# to listen, runs the client; both must exit 0.  Output is shown indented.
client_server() {
	local desc=$1 server=$2 client=$3 spid crc src
	$server >/tmp/smoke-server.log 2>&1 &
	spid=$!
	sleep 2
	timeout 60 $client >/tmp/smoke-client.log 2>&1
	crc=$?
	# the server ends by itself once its client is done
	for _ in $(seq 50); do
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$spid" 2>/dev/null
	wait "$spid"
	src=$?
	sed 's/^/    client: /' /tmp/smoke-client.log | tail -n 8
	sed 's/^/    server: /' /tmp/smoke-server.log | tail -n 4
	if [ "$crc" = 0 ] && [ "$src" = 0 ]; then
		pass "$desc"
	else
		fail "$desc (client exit $crc, server exit $src)"
	fi
}

devices=$(ibv_devices 2>&1)
echo "$devices" | sed 's/^/    /'
want="rxe0 rxe1"
if [ -d /sys/module/siw ]; then
	want="$want siw0 siw1"
else
	echo "# siw not loaded (tests/rdma/build-modules.sh builds it): skipped"
fi
for dev in $want; do
	if echo "$devices" | grep -qw "$dev"; then
		pass "ibv_devices lists $dev"
	else
		fail "ibv_devices lists $dev"
	fi
done

for dev in $want; do
	case $dev in
	rxe1) client_server "rping over rxe" "rping -s -a $RXE1_IP -C 3 -v" \
		"rping -c -a $RXE1_IP -C 3 -v" ;;
	siw1) client_server "rping over siw" "rping -s -a $SIW1_IP -C 3 -v" \
		"rping -c -a $SIW1_IP -C 3 -v" ;;
	esac
done

# -R: connect through rdma_cm, as SMB Direct does.
client_server "ib_write_bw -R over rxe" \
	"ib_write_bw -d rxe1 -R -F -D 2 --report_gbits" \
	"ib_write_bw -d rxe0 -R -F -D 2 --report_gbits $RXE1_IP"
if ! grep -Eq '^ *65536 +[0-9]+' /tmp/smoke-client.log; then
	fail "ib_write_bw printed no result line"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
