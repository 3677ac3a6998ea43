# shellcheck shell=bash
# Shared helpers for the integration suites: start a real SMB server on
# loopback with a throw-away share, count checks, clean up on exit.
#
# Source it from bash:  . "$(dirname "$0")/lib.sh"
#
# Environment:
#   SERVER=usmbd|smbd   which server to start (default usmbd)
#   BUILD_DIR           usmbd build directory (default build, relative to the
#                       repository root)
#   ITEST_KEEP=1        keep the temporary directory after the run
#
# After itest_server_start the following are exported for child processes
# (the python suites read them): ITEST_SERVER ITEST_PORT ITEST_USER
# ITEST_PASS ITEST_DIR ITEST_SHARE_DIR ITEST_RO_DIR ITEST_SERVER_PID
# ITEST_CLIENT_CONF ITEST_LOG.

ITEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ITEST_REPO_ROOT=$(cd "$ITEST_LIB_DIR/../.." && pwd)
SERVER=${SERVER:-usmbd}
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in
/*) ;;
*) BUILD_DIR="$ITEST_REPO_ROOT/$BUILD_DIR" ;;
esac
ITEST_PY=/usr/bin/python3 # Debian's interpreter, the one with impacket
ITEST_UNIX_USER=usmbdtest
ITEST_PASSED=0
ITEST_FAILED=0
ITEST_SERVER_PID=
ITEST_DIR=

itest_log() {
	echo "# $*"
}

ok() {
	ITEST_PASSED=$((ITEST_PASSED + 1))
	echo "ok - $*"
}

not_ok() {
	ITEST_FAILED=$((ITEST_FAILED + 1))
	echo "not ok - $*"
}

# check DESCRIPTION COMMAND...: runs COMMAND, ok when it exits 0.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

# usmbd only: stops the server with SIGTERM and checks that it exited with
# status 0 and that its log has no sanitizer report (the CI runs the suites
# against the ASan + UBSan + LeakSanitizer build, and any report fails).
itest_check_clean_exit() {
	local pid=$ITEST_SERVER_PID rc child
	[ "$SERVER" = usmbd ] && [ -n "$pid" ] || return 0
	ITEST_SERVER_PID=
	# signal usmbd itself, not the timeout(1) wrapping it: timeout relays
	# a signal to its whole process group and may then die of it too
	child=$(pgrep -P "$pid" | head -n 1)
	kill -TERM "${child:-$pid}" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "server exited cleanly on SIGTERM"
	else
		not_ok "server exited cleanly on SIGTERM (status $rc)"
	fi
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer' \
		"$ITEST_LOG" 2>/dev/null; then
		not_ok "no sanitizer report in the server log"
		grep -A12 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
			"$ITEST_LOG" | head -40 | sed 's/^/#   /'
	else
		ok "no sanitizer report in the server log"
	fi
}

# Prints the closing summary line and returns non-zero when a check failed.
itest_summary() {
	itest_check_clean_exit
	echo "$ITEST_PASSED passed, $ITEST_FAILED failed"
	[ "$ITEST_FAILED" -eq 0 ]
}

itest_free_port() {
	"$ITEST_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

itest_gen_password() {
	# Letters and digits only so it survives every client's -U parsing.
	printf 'Pw%s9' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

# Makes the temporary tree: share/ (writable), ro/ (read only), state/.
itest_setup_dirs() {
	ITEST_DIR=$(mktemp -d /tmp/usmbd-itest.XXXXXX)
	chmod 755 "$ITEST_DIR"
	mkdir -p "$ITEST_DIR/share" "$ITEST_DIR/ro" "$ITEST_DIR/state" \
		"$ITEST_DIR/enc"
	echo "read only content" >"$ITEST_DIR/ro/readme.txt"
	ITEST_PORT=$(itest_free_port)
	ITEST_USER=$ITEST_UNIX_USER
	ITEST_PASS=$(itest_gen_password)
	ITEST_LOG="$ITEST_DIR/server.log"
	ITEST_CLIENT_CONF="$ITEST_DIR/client.conf"
	# Clients must not read the system smb.conf.
	cat >"$ITEST_CLIENT_CONF" <<-EOF
		[global]
		  workgroup = WORKGROUP
		  client min protocol = SMB2_02
		  client max protocol = SMB3_11
		  lock directory = $ITEST_DIR/client-lock
		  state directory = $ITEST_DIR/client-state
		  cache directory = $ITEST_DIR/client-cache
		  private dir = $ITEST_DIR/client-private
		  log level = 0
	EOF
	mkdir -p "$ITEST_DIR/client-lock" "$ITEST_DIR/client-state" \
		"$ITEST_DIR/client-cache" "$ITEST_DIR/client-private"
}

# smbd maps every SMB user to a unix account; usmbd does not need one, but
# both servers use the same name so the suites do not care which runs.
itest_ensure_unix_user() {
	if ! id "$ITEST_UNIX_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin \
			"$ITEST_UNIX_USER" || return 1
	fi
}

itest_start_usmbd() {
	local bin="$BUILD_DIR/server/usmbd"
	local passwd="$BUILD_DIR/smb2/usmbd-passwd"
	if [ ! -x "$bin" ] || [ ! -x "$passwd" ]; then
		echo "# usmbd not built: $bin / $passwd missing" >&2
		return 1
	fi
	cat >"$ITEST_DIR/usmbd.conf" <<-EOF
		[global]
		  listen = 127.0.0.1:$ITEST_PORT
		  users file = $ITEST_DIR/users
		  state dir = $ITEST_DIR/state
		  server signing = ${ITEST_SIGNING:-auto}
		  log level = 2
		  # the suites try wrong passwords on purpose: keep their wait short
		  failed logon delay ms = 20
		  session lifetime = ${ITEST_SESSION_LIFETIME:-0}

		[share]
		  path = $ITEST_DIR/share

		[ro]
		  path = $ITEST_DIR/ro
		  read only = yes

		[enc]
		  path = $ITEST_DIR/enc
		  smb encrypt = required
	EOF
	if [ ! -s "$ITEST_DIR/users" ] &&
		! printf '%s\n' "$ITEST_PASS" | timeout 10 "$passwd" \
			--users "$ITEST_DIR/users" "$ITEST_USER" \
			>>"$ITEST_LOG" 2>&1; then
		echo "# usmbd-passwd failed" >&2
		return 1
	fi
	timeout --signal=TERM 1800 "$bin" --config "$ITEST_DIR/usmbd.conf" \
		</dev/null >>"$ITEST_LOG" 2>&1 &
	ITEST_SERVER_PID=$!
}

itest_start_smbd() {
	local d=$ITEST_DIR/smbd
	itest_ensure_unix_user || return 1
	mkdir -p "$d/private" "$d/lock" "$d/state" "$d/cache" "$d/pid" \
		"$d/ncalrpc" "$d/binddns"
	chmod 700 "$d/private"
	# smbd accesses the share as the unix user.
	chown "$ITEST_UNIX_USER" "$ITEST_DIR/share" "$ITEST_DIR/enc"
	cat >"$d/smb.conf" <<-EOF
		[global]
		  workgroup = WORKGROUP
		  netbios name = ITESTSMBD
		  server role = standalone server
		  smb ports = $ITEST_PORT
		  interfaces = 127.0.0.1
		  bind interfaces only = yes
		  disable netbios = yes
		  server min protocol = SMB2_02
		  server signing = ${ITEST_SIGNING:-auto}
		  map to guest = never
		  passdb backend = tdbsam:$d/passdb.tdb
		  private dir = $d/private
		  lock directory = $d/lock
		  state directory = $d/state
		  cache directory = $d/cache
		  pid directory = $d/pid
		  ncalrpc dir = $d/ncalrpc
		  binddns dir = $d/binddns
		  log file = $d/log.%m
		  log level = 1
		  load printers = no
		  printing = bsd
		  printcap name = /dev/null
		  disable spoolss = yes
		  obey pam restrictions = no
		  usershare path =
		  kernel oplocks = no
		  kernel change notify = no
		  ea support = yes
		  store dos attributes = yes

		[share]
		  path = $ITEST_DIR/share
		  read only = no
		  create mask = 0755
		  directory mask = 0755

		[ro]
		  path = $ITEST_DIR/ro
		  read only = yes

		[enc]
		  path = $ITEST_DIR/enc
		  read only = no
		  smb encrypt = required
	EOF
	if ! printf '%s\n%s\n' "$ITEST_PASS" "$ITEST_PASS" |
		timeout 20 smbpasswd -c "$d/smb.conf" -a -s "$ITEST_USER" \
			>>"$ITEST_LOG" 2>&1; then
		echo "# smbpasswd failed" >&2
		return 1
	fi
	timeout --signal=TERM 1800 smbd -F --no-process-group --debug-stdout \
		-s "$d/smb.conf" -d "${ITEST_SMBD_DEBUG:-1}" </dev/null >>"$ITEST_LOG" 2>&1 &
	ITEST_SERVER_PID=$!
}

# Waits until something accepts TCP connections on the port.
itest_wait_listen() {
	for _ in $(seq 1 100); do
		if ! kill -0 "$ITEST_SERVER_PID" 2>/dev/null; then
			echo "# server exited during start-up" >&2
			return 1
		fi
		if "$ITEST_PY" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.close()' "$ITEST_PORT" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "# server did not listen on port $ITEST_PORT" >&2
	return 1
}

itest_server_alive() {
	[ -n "$ITEST_SERVER_PID" ] && kill -0 "$ITEST_SERVER_PID" 2>/dev/null
}

itest_dump_log() {
	local f
	echo "# ---- server log ($SERVER, last 80 lines) ----"
	tail -n 80 "$ITEST_LOG" 2>/dev/null | sed 's/^/# /'
	for f in "$ITEST_DIR"/smbd/log.*; do
		[ -f "$f" ] || continue
		echo "# ---- $f (last 40 lines) ----"
		tail -n 40 "$f" | sed 's/^/# /'
	done
}

# PIDs of processes started with this run's private smb.conf. smbd starts
# samba-dcerpcd (and its rpcd_* workers) on demand for IPC$; they detach
# from smbd's process group and outlive it, so they are found by the unique
# config path in their command line.
itest_smbd_helper_pids() {
	local conf="$ITEST_DIR/smbd/smb.conf" p cmd
	[ -n "$ITEST_DIR" ] || return 0
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
		case "$cmd" in
		*"--configfile=$conf "*) echo "${p#/proc/}" ;;
		esac
	done
}

# Stops the server we started (by its recorded PID only), then the IPC
# helpers that smbd spawned for it.
itest_server_stop() {
	local pid=$ITEST_SERVER_PID helpers
	if [ -n "$pid" ]; then
		ITEST_SERVER_PID=
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	[ "$SERVER" = smbd ] || return 0
	helpers=$(itest_smbd_helper_pids)
	[ -n "$helpers" ] || return 0
	# shellcheck disable=SC2086 # one PID per word
	kill -TERM $helpers 2>/dev/null
	for _ in $(seq 1 30); do
		helpers=$(itest_smbd_helper_pids)
		[ -n "$helpers" ] || return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL $helpers 2>/dev/null
	return 0
}

itest_cleanup() {
	local rc=$?
	itest_server_stop
	if [ "$rc" -ne 0 ] || [ "$ITEST_FAILED" -ne 0 ]; then
		[ -n "$ITEST_DIR" ] && itest_dump_log
	fi
	if [ -n "$ITEST_DIR" ] && [ "${ITEST_KEEP:-0}" != 1 ]; then
		rm -rf "$ITEST_DIR"
	elif [ -n "$ITEST_DIR" ]; then
		echo "# kept $ITEST_DIR"
	fi
	return "$rc"
}

# Starts (or restarts, reusing the directory and port) the server process.
itest_server_launch() {
	case "$SERVER" in
	usmbd) itest_start_usmbd || return 1 ;;
	smbd) itest_start_smbd || return 1 ;;
	*)
		echo "# unknown SERVER=$SERVER (usmbd|smbd)" >&2
		return 1
		;;
	esac
	if ! itest_wait_listen; then
		itest_dump_log
		return 1
	fi
	export ITEST_SERVER_PID
}

# Starts the server selected by SERVER and installs the exit trap.
itest_server_start() {
	trap itest_cleanup EXIT
	trap 'exit 130' INT TERM
	itest_setup_dirs || return 1
	itest_server_launch || return 1
	export ITEST_SERVER=$SERVER ITEST_PORT ITEST_USER ITEST_PASS ITEST_DIR \
		ITEST_SERVER_PID ITEST_CLIENT_CONF ITEST_LOG
	export ITEST_SHARE_DIR=$ITEST_DIR/share ITEST_RO_DIR=$ITEST_DIR/ro
	itest_log "$SERVER pid $ITEST_SERVER_PID on 127.0.0.1:$ITEST_PORT," \
		"dir $ITEST_DIR"
}

# After a crash: keep the log, start a fresh process on the same port.
itest_server_restart() {
	itest_dump_log
	itest_server_stop
	echo "# ---- restarting $SERVER ----" >>"$ITEST_LOG"
	itest_server_launch
}

# smbclient against SHARE with extra options; stdin is closed.
# itest_smbclient SHARE [smbclient options...] -c 'commands'
itest_smbclient() {
	local share=$1
	shift
	timeout 120 smbclient "//127.0.0.1/$share" -p "$ITEST_PORT" \
		-s "$ITEST_CLIENT_CONF" -U "$ITEST_USER%$ITEST_PASS" "$@" \
		</dev/null
}
