#!/usr/bin/env bash
# Installs the Debian 12 packages usmbd builds and tests with (only the
# missing ones; apt-get only runs when something is missing).
# Usage: tests/deps.sh [build|test]
set -euo pipefail
build_pkgs=(build-essential meson ninja-build pkg-config libtalloc-dev
	libtevent-dev libssl-dev uuid-dev libcmocka-dev librdmacm-dev
	libibverbs-dev)
test_pkgs=(smbclient samba samba-testsuite python3-impacket attr clang
	libclang-rt-14-dev)
pkgs=("${build_pkgs[@]}")
[ "${1:-test}" = test ] && pkgs+=("${test_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "# installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# samba's postinst must not start daemons on the host
	policy=/usr/sbin/policy-rc.d
	made_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod +x "$policy"
		made_policy=1
	fi
	apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
	[ -n "$made_policy" ] && rm -f "$policy"
fi
exit 0
