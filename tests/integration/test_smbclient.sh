#!/bin/bash
# Drives the server with Samba's smbclient for each SMB2/3 dialect: listing,
# directories, a 64 MiB round trip with sha256 check, rename, delete, the
# read-only share and required signing.
#
# Usage: SERVER=usmbd|smbd tests/integration/test_smbclient.sh

. "$(dirname "$0")/lib.sh"

DIALECTS=${DIALECTS:-"SMB2_02 SMB2_10 SMB3_00 SMB3_11"}
BIG_MIB=${BIG_MIB:-64}

itest_server_start || {
	not_ok "server start ($SERVER)"
	itest_summary
	exit 1
}

LOCAL=$ITEST_DIR/local
mkdir -p "$LOCAL"
head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$LOCAL/big.bin"
BIG_SUM=$(sha256sum <"$LOCAL/big.bin" | cut -d' ' -f1)
for i in 1 2 3 4 5 6; do
	echo "small file $i" >"$LOCAL/small$i.txt"
done

OUT=$ITEST_DIR/smbclient.out

# sc SHARE DIALECT COMMANDS [extra options]: runs smbclient pinned to one
# dialect; output goes to $OUT; status is smbclient's, or 1 when it printed
# an NT_STATUS error (smbclient does not fail on every command error).
sc() {
	local share=$1 dialect=$2 cmds=$3
	shift 3
	itest_smbclient "$share" -m "$dialect" \
		--option="client min protocol=$dialect" "$@" -c "$cmds" \
		>"$OUT" 2>&1
	local rc=$?
	if [ $rc -eq 0 ] && grep -q 'NT_STATUS_' "$OUT"; then
		rc=1
	fi
	[ $rc -eq 0 ] || sed 's/^/#   /' "$OUT" | tail -n 8
	return $rc
}

out_has() {
	grep -q -- "$1" "$OUT"
}

run_dialect() {
	local d=$1 dir="dir_$1" sum

	check "$d: ls of share root" sc share "$d" 'ls'
	check "$d: mkdir" sc share "$d" "mkdir $dir"
	check "$d: mkdir visible in ls" \
		eval "sc share $d 'ls' && out_has ' $dir '"

	if sc share "$d" "lcd $LOCAL; cd $dir; put big.bin"; then
		ok "$d: put ${BIG_MIB} MiB file"
	else
		not_ok "$d: put ${BIG_MIB} MiB file"
	fi
	rm -f "$LOCAL/got.bin"
	if sc share "$d" "lcd $LOCAL; cd $dir; get big.bin got.bin" &&
		sum=$(sha256sum <"$LOCAL/got.bin" | cut -d' ' -f1) &&
		[ "$sum" = "$BIG_SUM" ]; then
		ok "$d: get ${BIG_MIB} MiB file, sha256 matches"
	else
		not_ok "$d: get ${BIG_MIB} MiB file, sha256 matches"
	fi
	rm -f "$LOCAL/got.bin"

	check "$d: rename" sc share "$d" "cd $dir; rename big.bin renamed.bin"
	check "$d: renamed file listed, old name gone" \
		eval "sc share $d 'cd $dir; ls' && out_has ' renamed.bin ' &&
			! out_has ' big.bin '"
	check "$d: delete" sc share "$d" "cd $dir; del renamed.bin"
	check "$d: deleted file gone" \
		eval "sc share $d 'cd $dir; ls' && ! out_has renamed.bin"

	check "$d: put several files" sc share "$d" \
		"lcd $LOCAL; cd $dir; prompt off; mput small*.txt"
	local missing=0 i
	if sc share "$d" "cd $dir; ls"; then
		for i in 1 2 3 4 5 6; do
			out_has " small$i.txt " || missing=$((missing + 1))
		done
	else
		missing=99
	fi
	check "$d: ls lists all 6 files" test $missing -eq 0
	check "$d: ls with wildcard" \
		eval "sc share $d 'cd $dir; ls small3*' && out_has ' small3.txt ' &&
			! out_has ' small4.txt '"
	check "$d: delete with wildcard" sc share "$d" "cd $dir; del small*.txt"
	check "$d: rmdir" sc share "$d" "rmdir $dir"
	check "$d: removed directory gone" \
		eval "sc share $d 'ls' && ! out_has ' $dir '"

	check "$d: read-only share lists" \
		eval "sc ro $d 'ls' && out_has readme.txt"
	check "$d: read-only share get" \
		eval "sc ro $d 'lcd $LOCAL; get readme.txt ro.txt' &&
			cmp -s $LOCAL/ro.txt $ITEST_RO_DIR/readme.txt"
	if sc ro "$d" "lcd $LOCAL; put small1.txt" >/dev/null; then
		not_ok "$d: read-only share refuses put"
	elif out_has 'NT_STATUS_ACCESS_DENIED\|NT_STATUS_MEDIA_WRITE_PROTECTED'; then
		ok "$d: read-only share refuses put"
	else
		sed 's/^/#   /' "$OUT" | tail -n 5
		not_ok "$d: read-only share refuses put (wrong error)"
	fi
	check "$d: read-only share unchanged" test ! -e "$ITEST_RO_DIR/small1.txt"

	check "$d: signed session (--client-protection=sign)" \
		eval "sc share $d 'ls' --client-protection=sign"
	check "$d: signed session put/get" \
		eval "sc share $d 'lcd $LOCAL; put small2.txt signed.txt;
			get signed.txt signed-back.txt; del signed.txt' \\
			--client-protection=sign &&
			cmp -s $LOCAL/small2.txt $LOCAL/signed-back.txt"
	rm -f "$LOCAL/signed-back.txt" "$LOCAL/ro.txt"
}

for d in $DIALECTS; do
	run_dialect "$d"
done

# Wrong password must be refused.
if timeout 60 smbclient //127.0.0.1/share -p "$ITEST_PORT" \
	-s "$ITEST_CLIENT_CONF" -U "$ITEST_USER%wrong-$ITEST_PASS" -c ls \
	</dev/null >"$OUT" 2>&1; then
	not_ok "wrong password refused"
else
	check "wrong password refused (NT_STATUS_LOGON_FAILURE)" \
		out_has NT_STATUS_LOGON_FAILURE
fi

# Unknown share.
if itest_smbclient nosuchshare -c ls >"$OUT" 2>&1; then
	not_ok "unknown share refused"
else
	check "unknown share refused (NT_STATUS_BAD_NETWORK_NAME)" \
		out_has NT_STATUS_BAD_NETWORK_NAME
fi

# Share enumeration through IPC$ (srvsvc NetShareEnumAll).
if timeout 60 smbclient -L 127.0.0.1 -p "$ITEST_PORT" -s "$ITEST_CLIENT_CONF" \
	-U "$ITEST_USER%$ITEST_PASS" </dev/null >"$OUT" 2>&1 &&
	grep -Eq '^[[:space:]]+share[[:space:]]+Disk' "$OUT" &&
	grep -Eq '^[[:space:]]+ro[[:space:]]+Disk' "$OUT"; then
	ok "share list (smbclient -L)"
else
	sed 's/^/#   /' "$OUT" | tail -n 8
	not_ok "share list (smbclient -L)"
fi

check "server still running" itest_server_alive
itest_summary
