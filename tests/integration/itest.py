"""Helpers shared by the python integration suites.

A suite calls ensure_server() first: when the ITEST_* variables are not
set it re-runs itself under with-server.sh, which starts the server
selected by SERVER (usmbd or smbd) and exports them.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, desc):
        self.passed += 1
        print("ok - " + desc, flush=True)

    def not_ok(self, desc, why=None):
        self.failed += 1
        print("not ok - " + desc, flush=True)
        if why:
            for line in str(why).splitlines()[:8]:
                print("#   " + line, flush=True)

    def check(self, desc, cond, why=None):
        if cond:
            self.ok(desc)
        else:
            self.not_ok(desc, why)
        return cond

    def note(self, text):
        print("# " + text, flush=True)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        sys.exit(1 if self.failed else 0)


class Server:
    def __init__(self):
        env = os.environ
        self.kind = env["ITEST_SERVER"]
        self.port = int(env["ITEST_PORT"])
        self.user = env["ITEST_USER"]
        self.password = env["ITEST_PASS"]
        self.dir = env["ITEST_DIR"]
        self.share_dir = env["ITEST_SHARE_DIR"]
        self.ro_dir = env["ITEST_RO_DIR"]
        self.pid = int(env["ITEST_SERVER_PID"])
        self.client_conf = env["ITEST_CLIENT_CONF"]

    def alive(self):
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return True


def ensure_server():
    """Returns a Server, starting one through with-server.sh if needed."""
    if "ITEST_PORT" not in os.environ:
        script = os.path.abspath(sys.argv[0])
        wrapper = os.path.join(HERE, "with-server.sh")
        os.execv(wrapper, [wrapper, sys.executable, script] + sys.argv[1:])
    return Server()
