#!/bin/bash
# Runs a command in a throw-away qemu (TCG) guest with soft-RDMA devices, for
# testing SMB Direct on a host whose kernel has neither RDMA nor a CIFS
# client (and no KVM).
#
# The guest boots the newest Debian kernel in /boot; its root is the host
# root over 9p, read-only, under a tmpfs overlay (so it may write anywhere),
# and the repository is shared read-write at its host path.  The guest has
# no network card; in its root netns it gets
#   rxe0 on vrxe0 10.99.1.1 <-> rxe1 on vrxe1 10.99.1.2   (soft-RoCE)
#   siw0 on vsiw0 10.99.2.1 <-> siw1 on vsiw1 10.99.2.2   (soft-iWARP)
# siw.ko and cifs.ko (with SMB Direct) come from build-modules.sh's cache.
#
# The command's output (stdout and stderr merged) is printed as it runs and
# its exit status becomes ours; 124 means the time limit was hit, 125 that
# the VM itself failed (the end of the kernel console is printed then).
set -u

usage() {
	cat <<-EOF
	usage: ${0##*/} [options] [--] command [args...]
	  One argument is run with bash -c, several as they are.
	  -t SECONDS  time limit for the whole run (default 600)
	  -m MEM      guest memory (default 2G)
	  -c CPUS     guest CPUs (default: host cores, at most 4)
	  -e NAME=VAL environment variable for the command (repeatable)
	  -l FILE     save the kernel console to FILE
	  -d FILE     save the guest's dmesg after the command to FILE
	  -n          no RDMA setup (plain boot, faster)
	  -v          print timings
	  The command runs in the current directory when it is inside the
	  repository, else in the repository root.  In the guest: \$RXE0_IP
	  \$RXE1_IP \$SIW0_IP \$SIW1_IP and \$USMBD_VM_KMOD_DIR (the module
	  cache, e.g. for ksmbd.ko).
	EOF
}

TIMEOUT=600 MEM=2G CPUS= CONSOLE_COPY= DMESG_COPY= RDMA=1 VERBOSE=0
ENVS=()
while getopts "t:m:c:e:l:d:nvh" opt; do
	case $opt in
	t) TIMEOUT=$OPTARG ;;
	m) MEM=$OPTARG ;;
	c) CPUS=$OPTARG ;;
	e) ENVS+=("$OPTARG") ;;
	l) CONSOLE_COPY=$OPTARG ;;
	d) DMESG_COPY=$OPTARG ;;
	n) RDMA=0 ;;
	v) VERBOSE=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 125 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { usage >&2; exit 125; }

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(cd "$HERE/../.." && pwd -P)
export PATH=$PATH:/usr/sbin:/sbin
die() { echo "run-in-vm: $*" >&2; exit 125; }
info() { [ "$VERBOSE" = 0 ] || echo "run-in-vm: $*" >&2; }

for tool in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static \
	cpio:cpio modprobe:kmod; do
	command -v "${tool%%:*}" >/dev/null ||
		die "${tool%%:*} missing: apt-get install -y ${tool#*:}" \
			"(or tests/rdma/build-modules.sh --install)"
done
KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$KERNEL" ] || die "no kernel in /boot: apt-get install -y linux-image-amd64"
KVER=${KERNEL#/boot/vmlinuz-}
[ -d "/lib/modules/$KVER" ] || die "no /lib/modules/$KVER"
BUSYBOX=$(command -v busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked: apt-get install -y busybox-static"
fi
[ -n "$CPUS" ] || CPUS=$(nproc)
[ "$CPUS" -le 4 ] || CPUS=4

CACHE=${USMBD_RDMA_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/usmbd-rdma-vm}
KMOD_DIR=$CACHE/$KVER
if [ "$RDMA" = 1 ] && [ ! -f "$KMOD_DIR/siw.ko" ]; then
	echo "run-in-vm: no siw.ko/cifs.ko in $KMOD_DIR: rxe only" \
		"(run tests/rdma/build-modules.sh)" >&2
fi

case $PWD/ in
"$REPO"/*) WORKDIR=$(pwd -P) ;;
*) WORKDIR=$REPO ;;
esac

# The initramfs only has to reach the 9p root: busybox, this directory's
# guest script and the virtio/9p/overlay modules.  It is cached per kernel
# and guest script.
make_initramfs() {
	local out=$1 tree mod ko
	tree=$(mktemp -d "${TMPDIR:-/tmp}/usmbd-vm-initrd.XXXXXX") || return 1
	mkdir -p "$tree/bin" "$tree/modules" "$tree/proc" "$tree/sys" \
		"$tree/dev"
	cp "$BUSYBOX" "$tree/bin/busybox"
	cp "$HERE/vm-guest.sh" "$tree/init"
	chmod 755 "$tree/init"
	for mod in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -S "$KVER" --show-depends "$mod" ||
			{ rm -rf "$tree"; return 1; }
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$tree/list"
	while read -r ko; do
		cp "$ko" "$tree/modules/" && basename "$ko" >>"$tree/modules/order"
	done <"$tree/list"
	rm "$tree/list"
	(cd "$tree" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp" &&
		mv "$out.tmp" "$out"
	local rc=$?
	rm -rf "$tree"
	return $rc
}
mkdir -p "$KMOD_DIR" || die "cannot create $KMOD_DIR"
key=$( { echo "$KVER"; cat "$HERE/vm-guest.sh" "$BUSYBOX"; } | md5sum | cut -c1-12)
INITRD=$KMOD_DIR/initramfs-$key.gz
if [ ! -f "$INITRD" ]; then
	rm -f "$KMOD_DIR"/initramfs-*.gz
	make_initramfs "$INITRD" || die "cannot build the initramfs"
fi

RUN=$(mktemp -d "${TMPDIR:-/tmp}/usmbd-vm.XXXXXX") || die "mktemp failed"
QEMU_PID=
cleanup() {
	[ -z "$QEMU_PID" ] || kill "$QEMU_PID" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp "$HERE/vm-guest.sh" "$RUN/guest.sh"
echo "$REPO" >"$RUN/repo"
{
	printf 'export USMBD_VM_CWD=%q USMBD_VM_RDMA=%q USMBD_VM_VERBOSE=%q\n' \
		"$WORKDIR" "$RDMA" "$VERBOSE"
	printf 'export USMBD_VM_KMOD_DIR=%q\n' "$KMOD_DIR"
	for e in "${ENVS[@]}"; do
		printf 'export %q\n' "$e"
	done
} >"$RUN/env"
if [ $# -eq 1 ]; then
	printf '%s\n' "$1" >"$RUN/cmd"
else
	printf '%q ' "$@" >"$RUN/cmd"
	echo >>"$RUN/cmd"
fi

info "kernel $KVER, $CPUS CPUs, $MEM, limit ${TIMEOUT}s"
start=$(date +%s.%N)
# passthrough keeps file ownership and needs root; otherwise "none"
sec=passthrough
[ "$(id -u)" = 0 ] || sec=none
share() { # TAG PATH [readonly]
	echo "-fsdev local,id=$1,path=$2,security_model=$sec,multidevs=remap${3:+,readonly=on}"
	echo "-device virtio-9p-pci,fsdev=$1,mount_tag=$1"
}
# Paths may contain commas, which qemu option syntax doubles.
q() { printf '%s' "${1//,/,,}"; }
mapfile -t shares < <(share hostroot / ro; share rundir "$(q "$RUN")";
	share repo "$(q "$REPO")")
qemu_args=()
for line in "${shares[@]}"; do
	qemu_args+=("${line%% *}" "${line#* }")
done

# -nodefaults: no NIC, no VGA; ttyS0 is the kernel console (a file),
# ttyS1 carries the command's output to our stdout.
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
	-nodefaults -no-user-config -display none -no-reboot \
	-machine pc -accel tcg,thread=multi -cpu max -smp "$CPUS" -m "$MEM" \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 loglevel=4 quiet panic=-1 oops=panic ${USMBD_VM_APPEND:-}" \
	-serial "file:$RUN/console" -chardev stdio,id=out,signal=off \
	-serial chardev:out \
	"${qemu_args[@]}" </dev/null &
QEMU_PID=$!
wait "$QEMU_PID"
qemu_rc=$?
QEMU_PID=
info "VM ran $(echo "$(date +%s.%N) - $start" | bc)s"

[ -z "$CONSOLE_COPY" ] || cp "$RUN/console" "$CONSOLE_COPY"
[ -z "$DMESG_COPY" ] || [ ! -f "$RUN/dmesg" ] || cp "$RUN/dmesg" "$DMESG_COPY"
if [ -s "$RUN/status" ]; then
	exit "$(cat "$RUN/status")"
fi
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "run-in-vm: time limit of ${TIMEOUT}s reached" >&2
	exit 124
fi
echo "run-in-vm: the VM stopped without a result (qemu exit $qemu_rc);" \
	"end of its console:" >&2
tail -n 40 "$RUN/console" >&2
exit 125
