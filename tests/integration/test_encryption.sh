#!/bin/bash
# SMB3 encryption against share [enc] (smb encrypt = required): smbclient
# with --client-protection=encrypt for 3.0, 3.0.2 and 3.1.1 and impacket
# (3.0, AES-128-CCM) move 64 MiB each way with a sha256 check; clients
# that do not encrypt (SMB 2.1, or plain 3.x requests) are refused.
#
# Usage: SERVER=usmbd|smbd tests/integration/test_encryption.sh

. "$(dirname "$0")/lib.sh"

BIG_MIB=${BIG_MIB:-64}

itest_server_start || {
	not_ok "server start ($SERVER)"
	itest_summary
	exit 1
}

LOCAL=$ITEST_DIR/local-enc
mkdir -p "$LOCAL"
head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$LOCAL/big.bin"
BIG_SUM=$(sha256sum <"$LOCAL/big.bin" | cut -d' ' -f1)
OUT=$ITEST_DIR/enc.out

for dialect in SMB3_00 SMB3_02 SMB3_11; do
	rm -f "$LOCAL/back.bin"
	itest_smbclient enc -m "$dialect" \
		--option="client min protocol=$dialect" \
		--client-protection=encrypt \
		-c "put $LOCAL/big.bin big-$dialect.bin; get big-$dialect.bin $LOCAL/back.bin; del big-$dialect.bin" \
		>"$OUT" 2>&1
	rc=$?
	sum=$(sha256sum <"$LOCAL/back.bin" 2>/dev/null | cut -d' ' -f1)
	if [ $rc -eq 0 ] && [ "$sum" = "$BIG_SUM" ] &&
		! grep -q NT_STATUS_ "$OUT"; then
		ok "$dialect encrypted put/get ${BIG_MIB} MiB, sha256 matches"
	else
		not_ok "$dialect encrypted put/get ${BIG_MIB} MiB"
		sed 's/^/#   /' "$OUT" | tail -5
	fi
done

# a client that cannot encrypt is refused at tree connect
itest_smbclient enc -m SMB2_10 --option="client min protocol=SMB2_10" \
	-c ls >"$OUT" 2>&1
if grep -q NT_STATUS_ACCESS_DENIED "$OUT"; then
	ok "SMB 2.1 client refused on the encrypted share (ACCESS_DENIED)"
else
	not_ok "SMB 2.1 client refused on the encrypted share"
	sed 's/^/#   /' "$OUT" | tail -3
fi

# an SMB3 client that did not ask for encryption: the share's flag makes
# smbclient encrypt anyway, or the server refuses; plain data never flows
itest_smbclient enc -m SMB3_11 --client-protection=off -c ls >"$OUT" 2>&1
if ! grep -q NT_STATUS_ "$OUT" || grep -q NT_STATUS_ACCESS_DENIED "$OUT"; then
	ok "SMB 3.1.1 client without -e: encrypted by share flag or refused"
else
	not_ok "SMB 3.1.1 client without encryption"
	sed 's/^/#   /' "$OUT" | tail -3
fi

# the plain share stays usable without encryption
if itest_smbclient share -m SMB3_11 -c ls >"$OUT" 2>&1 &&
	! grep -q NT_STATUS_ "$OUT"; then
	ok "plain share needs no encryption"
else
	not_ok "plain share needs no encryption"
	sed 's/^/#   /' "$OUT" | tail -3
fi

# impacket: encrypts requests on a share flagged ENCRYPT_DATA (3.0, CCM)
"$ITEST_PY" - "$LOCAL/big.bin" "$BIG_SUM" <<'PYEOF' 2>&1 | tee "$OUT"
import hashlib, io, os, sys
from impacket.smbconnection import SMBConnection
from impacket.smb3structs import SMB2_DIALECT_30
path, want = sys.argv[1], sys.argv[2]
env = os.environ
c = SMBConnection("usmbd", "127.0.0.1", sess_port=int(env["ITEST_PORT"]),
                  preferredDialect=SMB2_DIALECT_30)
c.login(env["ITEST_USER"], env["ITEST_PASS"])
with open(path, "rb") as f:
    c.putFile("enc", "imp.bin", f.read)
buf = io.BytesIO()
c.getFile("enc", "imp.bin", buf.write)
c.deleteFile("enc", "imp.bin")
got = hashlib.sha256(buf.getvalue()).hexdigest()
print("IMPACKET_SHA " + ("match" if got == want else "mismatch " + got))
PYEOF
if grep -q "IMPACKET_SHA match" "$OUT"; then
	ok "impacket 3.0 encrypted putFile/getFile ${BIG_MIB} MiB, sha256 matches"
else
	not_ok "impacket 3.0 encrypted putFile/getFile"
	sed 's/^/#   /' "$OUT" | tail -5
fi

check "server still running" itest_server_alive
itest_summary
