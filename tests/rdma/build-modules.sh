#!/bin/bash
# Builds the kernel modules the soft-RDMA test VM needs but Debian's 6.1
# kernel does not ship: siw.ko (RDMA_SIW is not set), cifs.ko with
# CIFS_SMB_DIRECT and, optionally, ksmbd.ko with SMB_SERVER_SMBDIRECT (the
# kernel server, a known SMB Direct peer to compare usmbd against).
#
# They are built out of tree from the linux-source package against the
# installed linux-headers of the guest kernel and land in a cache directory
# that run-in-vm.sh loads them from.  Nothing is installed into the system.
# Running it again with the modules present does nothing.
set -euo pipefail

usage() {
	cat <<-EOF
	usage: ${0##*/} [options]
	  -k KVER        kernel release (default: newest /boot/vmlinuz-*)
	  -o DIR         output directory (default: \$USMBD_RDMA_VM_CACHE/KVER,
	                 cache default ~/.cache/usmbd-rdma-vm)
	  --no-ksmbd     skip ksmbd.ko
	  --ksmbd-tools  also fetch ksmbd-tools with apt-get download and unpack
	                 it into the cache (it conflicts with samba, so it is
	                 never installed)
	  --install      apt-get install the missing packages first
	  --check        only report missing packages
	  -q             quiet when there is nothing to do
	EOF
}

KVER= OUT= WITH_KSMBD=1 WANT_TOOLS=0 INSTALL=0 CHECK_ONLY=0 QUIET=0
while [ $# -gt 0 ]; do
	case $1 in
	-k) KVER=$2; shift ;;
	-o) OUT=$2; shift ;;
	--no-ksmbd) WITH_KSMBD=0 ;;
	--ksmbd-tools) WANT_TOOLS=1 ;;
	--install) INSTALL=1 ;;
	--check) CHECK_ONLY=1 ;;
	-q) QUIET=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

note() { [ "$QUIET" = 1 ] || echo "build-modules: $*" >&2; }
die() { echo "build-modules: $*" >&2; exit 1; }

if [ -z "$KVER" ]; then
	newest=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$newest" ] || die "no /boot/vmlinuz-*; install linux-image-amd64"
	KVER=${newest#/boot/vmlinuz-}
fi
CACHE=${USMBD_RDMA_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/usmbd-rdma-vm}
OUT=${OUT:-$CACHE/$KVER}
SERIES=$(echo "$KVER" | cut -d. -f1,2)
SRC_PKG=linux-source-$SERIES
TARBALL=/usr/src/$SRC_PKG.tar.xz
KBUILD=/lib/modules/$KVER/build

# Everything the VM and this build use; the first group is enough for an
# rxe-only VM, the second builds the modules.
VM_PKGS="qemu-system-x86 linux-image-amd64 busybox-static cpio kmod iproute2
	rdma-core ibverbs-providers ibverbs-utils rdmacm-utils perftest
	cifs-utils"
BUILD_PKGS="$SRC_PKG linux-headers-$KVER libelf-dev bc xz-utils
	build-essential"

missing_packages() {
	local p
	for p in $VM_PKGS $BUILD_PKGS; do
		dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null |
			grep -q '^ii' || echo "$p"
	done
}

missing=$(missing_packages | tr '\n' ' ')
if [ -n "$missing" ]; then
	if [ "$INSTALL" = 1 ]; then
		note "installing: $missing"
		apt-get install -y --no-install-recommends $missing
		missing=$(missing_packages | tr '\n' ' ')
	fi
	[ -z "$missing" ] ||
		die "missing packages: $missing(run with --install, or apt-get install -y --no-install-recommends $missing)"
fi
[ "$CHECK_ONLY" = 1 ] && { note "all packages present"; exit 0; }
[ -f "$TARBALL" ] || die "$TARBALL missing"
[ -f "$KBUILD/Makefile" ] || die "$KBUILD missing"

# Modules built from one source version must not be mixed with another
# kernel build: the source and header package versions are recorded.
src_ver=$(dpkg-query -W -f '${Version}' "$SRC_PKG")
hdr_ver=$(dpkg-query -W -f '${Version}' "linux-headers-$KVER")
[ "$src_ver" = "$hdr_ver" ] ||
	note "warning: $SRC_PKG $src_ver differs from linux-headers-$KVER $hdr_ver"
STAMP="$src_ver $hdr_ver"

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

if [ "$(cat "$OUT/.version" 2>/dev/null)" != "$STAMP" ]; then
	rm -f "$OUT"/*.ko
	echo "$STAMP" >"$OUT/.version"
fi

# ksmbd-tools and the one library it needs that samba does not pull in,
# unpacked side by side: run with LD_LIBRARY_PATH=DIR/lib/x86_64-linux-gnu.
fetch_ksmbd_tools() {
	local dir=$CACHE/ksmbd-tools deb
	[ -x "$dir/usr/sbin/ksmbd.mountd" ] &&
		ls "$dir"/lib/*/libnl-genl-3.so.* >/dev/null 2>&1 && return 0
	note "fetching ksmbd-tools into $dir"
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	(cd "$dir.tmp" && apt-get download ksmbd-tools libnl-genl-3-200) ||
		die "apt-get download ksmbd-tools libnl-genl-3-200 failed"
	for deb in "$dir.tmp"/*.deb; do
		dpkg-deb -x "$deb" "$dir.tmp/root"
	done
	rm -rf "$dir" && mv "$dir.tmp/root" "$dir" && rm -rf "$dir.tmp"
}
[ "$WANT_TOOLS" = 1 ] && fetch_ksmbd_tools

WANT="siw cifs"
[ "$WITH_KSMBD" = 1 ] && WANT="$WANT ksmbd"
todo=
for m in $WANT; do
	[ -f "$OUT/$m.ko" ] || todo="$todo $m"
done
if [ -z "$todo" ]; then
	note "up to date: $OUT ($WANT)"
	exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/usmbd-kmod.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "build-modules: building$todo for $KVER into $OUT" >&2
top=$SRC_PKG
tar -C "$WORK" -xJf "$TARBALL" --strip-components=1 \
	"$top/drivers/infiniband/sw/siw" "$top/fs/smb" "$top/fs/internal.h" \
	"$top/scripts/asn1_compiler.c" "$top/include/linux/asn1.h" \
	"$top/include/linux/asn1_ber_bytecode.h"

# The headers package has no scripts/asn1_compiler, which cifs and ksmbd
# need for their SPNEGO parsers: build it and generate the sources here.
gcc -O2 -I"$WORK/include" -o "$WORK/asn1_compiler" \
	"$WORK/scripts/asn1_compiler.c"
for grammar in "$WORK"/fs/smb/client/*.asn1 "$WORK"/fs/smb/server/*.asn1; do
	"$WORK/asn1_compiler" "$grammar" "$grammar.c" "$grammar.h"
done

# ksmbd fixes for 6.1.192 + bookworm's ksmbd-tools 3.4.7, see patches/.
for p in "$(dirname "$0")"/patches/ksmbd-*.patch; do
	[ -f "$p" ] || continue
	patch -s -d "$WORK" -p1 <"$p" || die "patch $p does not apply"
done

# build DIR MODULE KCONFIG...: each option is given to Kbuild (which objects
# to build) and to the compiler (the #ifdefs; autoconf.h lacks them).
build() {
	local dir=$1 mod=$2 defs= opt
	shift 2
	for opt in "$@"; do
		case $opt in *=y) defs="$defs -D${opt%=y}=1" ;; esac
	done
	note "make $mod ($*)"
	if ! make -C "$KBUILD" -j"$(nproc)" M="$WORK/$dir" "$@" \
		KCFLAGS="$defs" modules >"$WORK/$mod.log" 2>&1; then
		tail -n 40 "$WORK/$mod.log" >&2
		die "building $mod failed"
	fi
	strip --strip-debug "$WORK/$dir/$mod.ko"
	cp "$WORK/$dir/$mod.ko" "$OUT/$mod.ko.tmp"
	mv "$OUT/$mod.ko.tmp" "$OUT/$mod.ko"
}

for m in $todo; do
	case $m in
	siw) build drivers/infiniband/sw/siw siw CONFIG_RDMA_SIW=m ;;
	cifs) build fs/smb/client cifs CONFIG_CIFS=m CONFIG_CIFS_SMB_DIRECT=y ;;
	ksmbd) build fs/smb/server ksmbd CONFIG_SMB_SERVER=m \
		CONFIG_SMB_SERVER_SMBDIRECT=y ;;
	esac
done
echo "build-modules: done: $(cd "$OUT" && echo *.ko)" >&2
