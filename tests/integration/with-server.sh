#!/bin/bash
# Starts the server selected by SERVER (see lib.sh), runs the given command
# with the ITEST_* variables exported, stops the server and returns the
# command's exit status. The python suites use it to run alone.
#
# Usage: SERVER=usmbd|smbd tests/integration/with-server.sh CMD [ARGS...]

. "$(dirname "$0")/lib.sh"

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi
if ! itest_server_start; then
	echo "not ok - server start ($SERVER)"
	echo "0 passed, 1 failed"
	exit 1
fi
"$@" </dev/null
rc=$?
itest_check_clean_exit
[ "$ITEST_FAILED" -eq 0 ] || rc=1
# The suite reports its own checks; dump the server log when it failed.
[ $rc -eq 0 ] || ITEST_FAILED=1
exit $rc
