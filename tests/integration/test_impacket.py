#!/usr/bin/python3
"""Drives the server with impacket's SMBConnection for each SMB2/3 dialect
impacket 0.10 (Debian 12) speaks: 2.0.2, 2.1 and 3.0 fully; 3.1.1 only up
to SESSION_SETUP, because impacket 0.10 signs 3.1.1 requests after login
with a wrong key (impacket issue #1370: TREE_CONNECT then fails with
STATUS_ACCESS_DENIED against Samba and Windows alike). 3.0.2 is refused by
impacket 0.10 itself ("Unknown dialect").

Usage: SERVER=usmbd|smbd /usr/bin/python3 tests/integration/test_impacket.py
(run alone it starts its own server through with-server.sh).
"""

import hashlib
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import itest  # noqa: E402

SERVER = itest.ensure_server()

try:
    from impacket import smb3structs
    from impacket.nt_errors import (STATUS_ACCESS_DENIED,
                                    STATUS_LOGON_FAILURE,
                                    STATUS_MEDIA_WRITE_PROTECTED,
                                    STATUS_OBJECT_NAME_NOT_FOUND)
    from impacket.smbconnection import SMBConnection, SessionError
except ImportError:
    # python3 on PATH may be an interpreter without Debian's impacket.
    if sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

# (tag, dialect, whether impacket 0.10 can go past SESSION_SETUP)
DIALECTS = [
    ("2.0.2", smb3structs.SMB2_DIALECT_002, True),
    ("2.1", smb3structs.SMB2_DIALECT_21, True),
    ("3.0", smb3structs.SMB2_DIALECT_30, True),
    ("3.1.1", smb3structs.SMB2_DIALECT_311, False),
]
BIG_SIZE = int(os.environ.get("BIG_MIB", "64")) * 1024 * 1024
SHARE = "share"

T = itest.Checks()


def connect(dialect, password=None, login=True):
    conn = SMBConnection("ITESTSERVER", "127.0.0.1", sess_port=SERVER.port,
                         preferredDialect=dialect, timeout=30)
    if login:
        conn.login(SERVER.user,
                   SERVER.password if password is None else password)
    return conn


def status_of(exc):
    if isinstance(exc, SessionError):
        return exc.getErrorCode()
    return None


def names(conn, share, pattern):
    return sorted(f.get_longname() for f in conn.listPath(share, pattern))


def attempt(desc, fn):
    """Runs fn(); ok when it neither raises nor returns False."""
    try:
        res = fn()
    except Exception as e:  # report any client or protocol error
        T.not_ok(desc, "%s: %s" % (type(e).__name__, e))
        return False
    if res is False:
        T.not_ok(desc)
        return False
    T.ok(desc)
    return True


def expect_status(desc, fn, statuses):
    try:
        fn()
    except Exception as e:
        st = status_of(e)
        if st in statuses:
            T.ok(desc)
            return True
        T.not_ok(desc, "unexpected error %s: %s" % (type(e).__name__, e))
        return False
    T.not_ok(desc, "operation succeeded")
    return False


def big_transfer(conn, tag, dname, payload, digest):
    path = dname + "\\big.bin"
    src = io.BytesIO(payload)
    attempt("%s: putFile %d MiB" % (tag, BIG_SIZE >> 20),
            lambda: conn.putFile(SHARE, path, src.read))
    h = hashlib.sha256()
    got = [0]

    def sink(data):
        h.update(data)
        got[0] += len(data)

    ok = attempt("%s: getFile %d MiB" % (tag, BIG_SIZE >> 20),
                 lambda: conn.getFile(SHARE, path, sink))
    T.check("%s: sha256 of round trip matches" % tag,
            ok and got[0] == len(payload) and h.hexdigest() == digest,
            "got %d bytes" % got[0])
    on_disk = os.path.join(SERVER.share_dir, dname, "big.bin")
    T.check("%s: file on server disk has the right size" % tag,
            os.path.exists(on_disk) and os.path.getsize(on_disk) == BIG_SIZE)


def offset_io(conn, tag, dname):
    """Write and read at offsets through an open handle."""
    path = dname + "\\offsets.bin"

    def run():
        tid = conn.connectTree(SHARE)
        fid = conn.createFile(tid, path)
        try:
            conn.writeFile(tid, fid, b"A" * 100, 0)
            conn.writeFile(tid, fid, b"xyz", 4096)
            head = conn.readFile(tid, fid, 0, 10)
            mid = conn.readFile(tid, fid, 4095, 5)
        finally:
            conn.closeFile(tid, fid)
        conn.disconnectTree(tid)
        return head == b"A" * 10 and mid == b"\0xyz"

    attempt("%s: write/read at offsets through a handle" % tag, run)
    attempt("%s: delete offsets file" % tag,
            lambda: conn.deleteFile(SHARE, path))


def run_dialect(tag, dialect, full, payload, digest):
    try:
        conn = connect(dialect)
    except Exception as e:
        T.not_ok("%s: negotiate and login" % tag,
                 "%s: %s" % (type(e).__name__, e))
        return
    T.ok("%s: negotiate and login" % tag)
    T.check("%s: negotiated dialect is 0x%04x" % (tag, dialect),
            conn.getDialect() == dialect, "got 0x%04x" % conn.getDialect())
    if not full:
        T.note("%s: file operations skipped, impacket 0.10 cannot sign "
               "them for this dialect" % tag)
        conn.close()
        return

    dname = "imp_" + tag.replace(".", "")
    attempt("%s: listPath of share root" % tag,
            lambda: "." in names(conn, SHARE, "*"))
    attempt("%s: createDirectory" % tag,
            lambda: conn.createDirectory(SHARE, dname))
    attempt("%s: new directory listed" % tag,
            lambda: dname in names(conn, SHARE, "*"))

    big_transfer(conn, tag, dname, payload, digest)
    offset_io(conn, tag, dname)

    attempt("%s: rename" % tag,
            lambda: conn.rename(SHARE, dname + "\\big.bin",
                                dname + "\\moved.bin"))
    attempt("%s: listPath shows only the new name" % tag,
            lambda: names(conn, SHARE, dname + "\\*") ==
            [".", "..", "moved.bin"])
    def put_small():
        for i in range(5):
            conn.putFile(SHARE, "%s\\f%d.txt" % (dname, i),
                         io.BytesIO(b"x" * i).read)

    attempt("%s: putFile of several small files" % tag, put_small)
    attempt("%s: listPath of a directory with several files" % tag,
            lambda: names(conn, SHARE, dname + "\\*") ==
            [".", "..", "f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt",
             "moved.bin"])
    attempt("%s: listPath with a wildcard pattern" % tag,
            lambda: names(conn, SHARE, dname + "\\f3*") == ["f3.txt"])
    def delete_all():
        for i in range(5):
            conn.deleteFile(SHARE, "%s\\f%d.txt" % (dname, i))
        conn.deleteFile(SHARE, dname + "\\moved.bin")

    attempt("%s: deleteFile" % tag, delete_all)
    expect_status("%s: deleting a missing file fails" % tag,
                  lambda: conn.deleteFile(SHARE, dname + "\\moved.bin"),
                  (STATUS_OBJECT_NAME_NOT_FOUND,))
    attempt("%s: deleteDirectory" % tag,
            lambda: conn.deleteDirectory(SHARE, dname))
    attempt("%s: directory gone" % tag,
            lambda: dname not in names(conn, SHARE, "*"))

    expect_status("%s: read-only share refuses putFile" % tag,
                  lambda: conn.putFile("ro", "nope.txt",
                                       io.BytesIO(b"no").read),
                  (STATUS_ACCESS_DENIED, STATUS_MEDIA_WRITE_PROTECTED))
    T.check("%s: read-only share unchanged" % tag,
            not os.path.exists(os.path.join(SERVER.ro_dir, "nope.txt")))
    try:
        conn.logoff()
        conn.close()
    except Exception as e:
        T.note("%s: logoff: %s" % (tag, e))


def wrong_password():
    for tag, dialect in (("2.1", smb3structs.SMB2_DIALECT_21),
                         ("3.1.1", smb3structs.SMB2_DIALECT_311)):
        expect_status("%s: wrong password refused "
                      "(STATUS_LOGON_FAILURE)" % tag,
                      lambda: connect(dialect,
                                      password="wrong" + SERVER.password),
                      (STATUS_LOGON_FAILURE,))

    def unknown_user():
        conn = connect(smb3structs.SMB2_DIALECT_30, login=False)
        conn.login("nosuchuser", SERVER.password)

    expect_status("3.0: unknown user refused (STATUS_LOGON_FAILURE)",
                  unknown_user, (STATUS_LOGON_FAILURE,))


def share_list():
    def run():
        conn = connect(smb3structs.SMB2_DIALECT_30)
        got = {s["shi1_netname"][:-1].lower() for s in conn.listShares()}
        conn.close()
        return {"share", "ro"} <= got

    attempt("listShares (srvsvc over IPC$)", run)


def main():
    payload = os.urandom(BIG_SIZE)
    digest = hashlib.sha256(payload).hexdigest()
    for tag, dialect, full in DIALECTS:
        run_dialect(tag, dialect, full, payload, digest)
    wrong_password()
    share_list()
    T.check("server still running", SERVER.alive())
    T.finish()


main()
