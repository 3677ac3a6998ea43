#!/usr/bin/python3
"""Session lifetime (MS-SMB2 3.3.5.2.9): with 'session lifetime = 2', a
session's requests get STATUS_NETWORK_SESSION_EXPIRED after 2 s, LOGOFF
still works, and a new logon is served. usmbd only (the option is ours).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("ITEST_SESSION_LIFETIME", "2")
import itest  # noqa: E402

from impacket.smbconnection import SMBConnection, SessionError  # noqa: E402
from impacket.smb3structs import SMB2_DIALECT_30  # noqa: E402

SRV = itest.ensure_server()
C = itest.Checks()


def connect():
    c = SMBConnection("usmbd", "127.0.0.1", sess_port=SRV.port,
                      preferredDialect=SMB2_DIALECT_30, timeout=10)
    c.login(SRV.user, SRV.password)
    return c


def main():
    if SRV.kind != "usmbd":
        C.note("skip: 'session lifetime' is a usmbd option")
        C.finish()
    c = connect()
    C.check("listing works while the session is fresh",
            len(c.listPath("share", "*")) >= 2)
    time.sleep(3)
    try:
        c.listPath("share", "*")
        C.not_ok("expired session refused", "request succeeded")
    except SessionError as e:
        C.check("expired session refused with NETWORK_SESSION_EXPIRED",
                e.getErrorCode() == 0xC000035C, hex(e.getErrorCode()))
    try:
        c.logoff()
        C.ok("LOGOFF still accepted on the expired session")
    except SessionError as e:
        C.not_ok("LOGOFF still accepted on the expired session", e)
    c2 = connect()
    C.check("a new logon is served", len(c2.listPath("share", "*")) >= 2)
    C.finish()


if __name__ == "__main__":
    main()
