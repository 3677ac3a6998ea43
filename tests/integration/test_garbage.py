#!/usr/bin/python3
"""Sends malformed traffic to the live server over raw sockets, one case per
fresh connection, and checks that it answers with an error or closes the
connection within a few seconds, and keeps serving other clients.

Outcomes per case (printed so the two servers can be compared):
  error STATUS  an SMB2 response with a non-success status
  success       an SMB2 response with STATUS_SUCCESS (wrong for garbage)
  smb1          an SMB1 response
  closed        orderly close or reset by the server
  silent        nothing within the wait; allowed only where the frame is
                incomplete, so a server may legitimately wait for the rest

Usage: SERVER=usmbd|smbd /usr/bin/python3 tests/integration/test_garbage.py
"""

import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import itest  # noqa: E402

SERVER = itest.ensure_server()
T = itest.Checks()
WAIT = float(os.environ.get("GARBAGE_WAIT", "4"))
RNG = random.Random(int(os.environ.get("GARBAGE_SEED", "20240611")))

SMB2_MAGIC = b"\xfeSMB"
SMB1_MAGIC = b"\xffSMB"
TRANSFORM_MAGIC = b"\xfdSMB"
CMD_NEGOTIATE = 0
CMD_SESSION_SETUP = 1
CMD_ECHO = 13
STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016


def nbss(payload, length=None):
    n = len(payload) if length is None else length
    return struct.pack(">I", n & 0xFFFFFF) + payload


def smb2_header(command, message_id=0, next_command=0, session_id=0,
                credits=1, structure_size=64):
    return (SMB2_MAGIC +
            struct.pack("<HHIHHIIQIIQ", structure_size, 0, 0, command,
                        credits, 0, next_command, message_id, 0xFEFF, 0,
                        session_id) +
            bytes(16))


def negotiate_body(dialects=(0x0202, 0x0210, 0x0300), count=None,
                   structure_size=36):
    n = len(dialects) if count is None else count
    body = struct.pack("<HHHHI", structure_size, n, 1, 0, 0)
    body += bytes(RNG.getrandbits(8) for _ in range(16))  # ClientGuid
    body += bytes(8)  # ClientStartTime
    body += b"".join(struct.pack("<H", d) for d in dialects)
    return body


def negotiate(**kw):
    return smb2_header(CMD_NEGOTIATE) + negotiate_body(**kw)


def session_setup(sec_offset, sec_length, blob, message_id=1):
    body = struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, sec_offset, sec_length,
                       0)
    return smb2_header(CMD_SESSION_SETUP, message_id=message_id) + body + blob


def connect():
    s = socket.create_connection(("127.0.0.1", SERVER.port), timeout=WAIT)
    s.settimeout(WAIT)
    return s


def recv_exact(s, n, deadline):
    buf = b""
    while len(buf) < n:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionResetError("closed")
        buf += chunk
    return buf


def read_frame(s, wait=WAIT):
    """Returns (outcome, detail). outcome: see the module docstring."""
    deadline = time.monotonic() + wait
    try:
        while True:
            head = recv_exact(s, 4, deadline)
            n = struct.unpack(">I", head)[0] & 0xFFFFFF
            if head[0] != 0:  # NBSS keep-alive or other session packet
                recv_exact(s, n, deadline)
                continue
            msg = recv_exact(s, n, deadline)
            break
    except socket.timeout:
        return "silent", ""
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        return "closed", ""
    except OSError as e:
        return "closed", str(e)
    if msg[:4] == SMB1_MAGIC:
        return "smb1", "SMB1 status 0x%08x" % struct.unpack_from("<I", msg, 5)
    if msg[:4] != SMB2_MAGIC or len(msg) < 64:
        return "junk", msg[:16].hex()
    status = struct.unpack_from("<I", msg, 8)[0]
    # A STATUS_PENDING interim is followed by the final response.
    if status == 0x00000103:
        return read_frame(s, max(0.1, deadline - time.monotonic()))
    if status == 0:
        return "success", "STATUS_SUCCESS"
    return "error", "0x%08x" % status


def send(s, data):
    try:
        s.sendall(data)
        return True
    except OSError:
        return False


def do_negotiate(s):
    """A valid NEGOTIATE (2.0.2..3.0) on s; True when the server accepts."""
    send(s, nbss(negotiate()))
    outcome, _ = read_frame(s)
    return outcome == "success"


def probe():
    """The server still answers a fresh, well-formed NEGOTIATE."""
    try:
        s = connect()
    except OSError:
        return False
    try:
        return do_negotiate(s)
    finally:
        s.close()


def run_case(name, payload_fn, allowed, setup=None):
    """payload_fn() -> bytes sent after the optional setup(s)."""
    try:
        s = connect()
    except OSError as e:
        T.not_ok("%s: connect" % name, e)
        return
    try:
        if setup is not None and not setup(s):
            T.not_ok("%s: setup exchange" % name)
            return
        start = time.monotonic()
        send(s, payload_fn())
        outcome, detail = read_frame(s)
        took = time.monotonic() - start
        T.note("%s: %s: %s %s (%.1fs)" % (SERVER.kind, name, outcome, detail,
                                          took))
        T.check("%s: answered with an error or closed (%s)" % (name, outcome),
                outcome in allowed, "allowed: %s" % ", ".join(allowed))
        # Probe while this connection is still open: a stalled connection
        # must not block others.
        T.check("%s: server still serves a new connection" % name, probe())
    finally:
        s.close()


def random_payload(n):
    while True:
        b = bytes(RNG.getrandbits(8) for _ in range(n))
        if b[:4] not in (SMB2_MAGIC, SMB1_MAGIC, TRANSFORM_MAGIC):
            return b


def main():
    strict = ("error", "closed")
    incomplete = ("error", "closed", "silent")
    smb1_ok = ("error", "closed", "smb1")

    run_case("random garbage in one NBSS message",
             lambda: nbss(random_payload(1000)), strict)
    # RFC 1002 4.3.1: a receiver may drop session packets of a type it
    # does not know, so silence is allowed here (smbd ignores it).
    run_case("NBSS packet of unknown type 0x42",
             lambda: bytes([0x42]) + struct.pack(">I", 508)[1:] +
             random_payload(508), incomplete)
    run_case("NBSS length 0xFFFFFF then nothing",
             lambda: b"\x00\xff\xff\xff", incomplete)
    run_case("NBSS length 0xFFFFFF then 64 KiB of garbage",
             lambda: b"\x00\xff\xff\xff" + random_payload(65536), incomplete)
    for n in (4, 20, 63):
        run_case("SMB2 header truncated to %d bytes" % n,
                 lambda n=n: nbss(negotiate()[:n]), strict)
    run_case("SMB2 header with StructureSize 0",
             lambda: nbss(smb2_header(CMD_NEGOTIATE, structure_size=0) +
                          negotiate_body()), strict)
    run_case("NEGOTIATE with StructureSize 0x99",
             lambda: nbss(negotiate(structure_size=0x99)), strict)
    run_case("NEGOTIATE with DialectCount 0xFFFF",
             lambda: nbss(negotiate(count=0xFFFF)), strict)
    run_case("NEGOTIATE with DialectCount 0",
             lambda: nbss(negotiate(dialects=(), count=0)), strict)
    run_case("NEGOTIATE with only unknown dialects",
             lambda: nbss(negotiate(dialects=(0x0001, 0x9999))), strict)
    run_case("NEGOTIATE body cut short",
             lambda: nbss(negotiate()[:64 + 10]), strict)
    run_case("SESSION_SETUP before NEGOTIATE",
             lambda: nbss(session_setup(88, 4, b"abcd", message_id=0)),
             strict)
    for off, length, what in ((0xFFFF, 0x1000, "offset past the end"),
                              (88, 0xFFFF, "length past the end"),
                              (0, 200, "offset inside the header"),
                              (88, 16, "garbage token")):
        run_case("SESSION_SETUP security buffer %s" % what,
                 lambda off=off, length=length: nbss(session_setup(
                     off, length, random_payload(16))),
                 strict, setup=do_negotiate)
    run_case("SMB1 NEGOTIATE with garbage dialect strings",
             lambda: nbss(smb1_negotiate([b"\x02garbage\x00",
                                          b"\x02\xfe\xff\x80\x00",
                                          b"\x07no-nul"])),
             smb1_ok)
    run_case("compound with NextCommand past the end",
             lambda: nbss(smb2_header(CMD_ECHO, message_id=1,
                                      next_command=0x1000) +
                          struct.pack("<HH", 4, 0)),
             strict, setup=do_negotiate)
    run_case("compound with NextCommand not 8-byte aligned",
             lambda: nbss(smb2_header(CMD_ECHO, message_id=1,
                                      next_command=66) +
                          struct.pack("<HH", 4, 0) +
                          smb2_header(CMD_ECHO, message_id=2) +
                          struct.pack("<HH", 4, 0)),
             strict, setup=do_negotiate)
    run_case("transform header with garbage",
             lambda: nbss(TRANSFORM_MAGIC + random_payload(48) +
                          random_payload(100)), strict)
    run_case("transform header with garbage before NEGOTIATE",
             lambda: nbss(TRANSFORM_MAGIC + bytes(16) + bytes(16) +
                          struct.pack("<IHHQ", 64, 0, 1, 0x1234) +
                          random_payload(64)), strict)

    T.check("server process still running", SERVER.alive())
    res = subprocess.run(
        ["timeout", "60", "smbclient", "//127.0.0.1/share",
         "-p", str(SERVER.port), "-s", SERVER.client_conf,
         "-U", "%s%%%s" % (SERVER.user, SERVER.password), "-c", "ls"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True)
    T.check("smbclient listing works after the garbage",
            res.returncode == 0 and "NT_STATUS" not in res.stdout,
            res.stdout + res.stderr)
    T.finish()


def smb1_negotiate(dialects):
    header = (SMB1_MAGIC + bytes([0x72]) + bytes(4) + bytes([0x18]) +
              struct.pack("<H", 0xC853) + bytes(12) +
              struct.pack("<HHHH", 0, 0xFEFF, 0, 0))
    data = b"".join(dialects)
    return header + bytes([0]) + struct.pack("<H", len(data)) + data


main()
