#!/bin/busybox sh
# Guest side of run-in-vm.sh; it runs twice as PID 1.
#
# "stage1" (busybox ash, from the initramfs): load the few modules needed to
# reach the host, put a tmpfs overlay over the read-only 9p host root, mount
# the run directory and the repository, switch_root to the new root and run
# this file again (the run directory's copy) as "stage2".
#
# "stage2" (bash, from the host root): create the soft-RDMA devices, run the
# command, record its exit status in the run directory and power off.
#
# Kernel command line: usmbdvm.trace turns on shell tracing (console log).

P9_OPTS=trans=virtio,version=9p2000.L,msize=512000

# Powers off at once (busybox calls reboot(2) itself, no init involved).
halt_now() {
	sync
	exec /bin/busybox poweroff -f
}

# mark WHAT: with -v, how long the guest has been up when WHAT happened
# (builtins only: every exec costs about 0.1 s under TCG).
mark() {
	local up
	[ "${USMBD_VM_VERBOSE:-0}" = 1 ] || return 0
	read -r up _ </proc/uptime
	echo "usmbd-vm: ${up}s $1"
}

stage1() {
	/bin/busybox --install -s /bin
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	grep -q usmbdvm.trace /proc/cmdline && set -x

	for ko in $(cat /modules/order); do
		insmod "/modules/$ko" || echo "usmbd-vm: insmod $ko failed"
	done
	mkdir -p /host /rw /new /run-dir
	# The host root does not change during a run: let 9p cache freely.
	mount -t 9p -o "$P9_OPTS,ro,cache=loose" hostroot /host &&
		mount -t tmpfs -o mode=0755 tmpfs /rw &&
		mkdir /rw/upper /rw/work &&
		mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work \
			overlay /new ||
		{ echo "usmbd-vm: cannot mount the host root"; halt_now; }
	mount -t tmpfs -o mode=0755 tmpfs /new/run
	mount -t tmpfs -o mode=1777 tmpfs /new/tmp
	mkdir -p /new/run/usmbd-vm
	mount -t 9p -o "$P9_OPTS,cache=none" rundir /new/run/usmbd-vm ||
		{ echo "usmbd-vm: cannot mount the run directory"; halt_now; }
	repo=$(cat /new/run/usmbd-vm/repo)
	mkdir -p "/new$repo"
	mount -t 9p -o "$P9_OPTS,cache=mmap" repo "/new$repo" ||
		{ echo "usmbd-vm: cannot mount $repo"; halt_now; }
	for fs in proc sys dev; do
		mount --move "/$fs" "/new/$fs"
	done
	exec switch_root /new /bin/bash /run/usmbd-vm/guest.sh stage2
	echo "usmbd-vm: switch_root failed"
	halt_now
}

# link_commands NAME PREFIX: "ip -batch" lines for a veth pair vNAME0
# (PREFIX.1) <-> vNAME1 (PREFIX.2) in the root netns (6.1's rxe only works
# there).
link_commands() {
	local a=v${1}0 b=v${1}1 mtu=${USMBD_VM_MTU:-9000}
	cat <<-EOF
	link add $a mtu $mtu type veth peer name $b mtu $mtu
	addr add $2.1/24 dev $a
	addr add $2.2/24 dev $b
	link set $a up
	link set $b up
	EOF
}

# route_commands NAME PREFIX: both addresses of the pair are local, so
# normally traffic between them is short-cut over lo, where neither rxe nor
# siw sees it.  Locally generated packets (iif lo) are routed by table 100
# instead, which sends each address out of the other end of the pair;
# arriving on the veth, the packet is delivered by the local table (moved
# behind rule 10).  Fixed neighbours: under TCG the ARP round trip can
# outlast rdma_resolve_addr's timeout on the first connection.
route_commands() {
	local a=v${1}0 b=v${1}1 mac_a mac_b
	read -r mac_a <"/sys/class/net/$a/address"
	read -r mac_b <"/sys/class/net/$b/address"
	cat <<-EOF
	route add $2.2 dev $a src $2.1 table 100
	route add $2.1 dev $b src $2.2 table 100
	neigh replace $2.2 dev $a nud permanent lladdr $mac_b
	neigh replace $2.1 dev $b nud permanent lladdr $mac_a
	EOF
}

# insmod_cached NAME: load NAME.ko from the module cache with its in-tree
# dependencies; fails when it was not built.
insmod_cached() {
	local ko=$USMBD_VM_KMOD_DIR/$1.ko deps
	[ -f "$ko" ] || return 1
	deps=$(modinfo -F depends "$ko")
	[ -z "$deps" ] || modprobe -a ${deps//,/ }
	insmod "$ko"
}

# Every exec costs about 0.1 s under TCG: this avoids all it can.
setup_rdma() {
	local dev knob
	modprobe -a veth ib_uverbs rdma_ucm rdma_rxe
	mark "rxe loaded"
	# cifs is big and nothing here needs it: load it meanwhile, but before
	# the command runs, so the SMB Direct build is the one "mount" uses.
	{ insmod_cached cifs ||
		echo "usmbd-vm: no cifs.ko with SMB Direct in $USMBD_VM_KMOD_DIR"
	} &
	CIFS_LOADER=$!
	insmod_cached siw || echo "usmbd-vm: no siw.ko in $USMBD_VM_KMOD_DIR"
	mark "siw loaded"

	{
		link_commands rxe 10.99.1
		link_commands siw 10.99.2
	} | ip -batch - || echo "usmbd-vm: veth setup failed"
	for dev in all default vrxe0 vrxe1 vsiw0 vsiw1; do
		knob=/proc/sys/net/ipv4/conf/$dev
		echo 0 >"$knob/rp_filter"
		# the source address is local to this host: accept it anyway
		echo 1 >"$knob/accept_local"
	done
	{
		echo "rule add pref 100 lookup local"
		echo "rule del pref 0"
		echo "rule add pref 10 iif lo lookup 100"
		route_commands rxe 10.99.1
		route_commands siw 10.99.2
	} | ip -batch - || echo "usmbd-vm: routing setup failed"
	mark "network set up"
	{
		echo "link add rxe0 type rxe netdev vrxe0"
		echo "link add rxe1 type rxe netdev vrxe1"
		if [ -d /sys/module/siw ]; then
			echo "link add siw0 type siw netdev vsiw0"
			echo "link add siw1 type siw netdev vsiw1"
		fi
	} | rdma -b - || echo "usmbd-vm: rdma link setup failed"
	export RXE0_IP=10.99.1.1 RXE1_IP=10.99.1.2
	export SIW0_IP=10.99.2.1 SIW1_IP=10.99.2.2
	mark "rdma links added"
	wait "$CIFS_LOADER"
	mark "cifs loaded"
}

stage2() {
	local run=/run/usmbd-vm rc out
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export HOME=/root LANG=C.UTF-8 TERM=dumb
	grep -q usmbdvm.trace /proc/cmdline && set -x
	mount -t devpts devpts /dev/pts 2>/dev/null ||
		{ mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; }
	mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
	mount -t tmpfs -o mode=1777 tmpfs /var/tmp
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	hostname usmbd-vm

	# The command's stdout and stderr go to the second serial port,
	# which qemu writes to its own stdout.
	out=/dev/ttyS1
	stty -F "$out" raw -echo 2>/dev/null || out=/dev/console
	exec </dev/null >"$out" 2>&1

	. "$run/env"
	ulimit -l unlimited
	ulimit -n 65536
	mark "stage 2"
	ip link set lo up
	[ "${USMBD_VM_RDMA:-1}" = 1 ] && setup_rdma
	mark "ready"

	cd "$USMBD_VM_CWD" || { echo 125 >"$run/status"; halt_now; }
	bash "$run/cmd"
	rc=$?
	echo "$rc" >"$run/status"
	dmesg >"$run/dmesg" 2>/dev/null
	halt_now
}

case ${1:-stage1} in
stage2) stage2 ;;
*) stage1 ;;
esac
