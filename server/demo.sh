#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs usmbd in the
# foreground on its built-in demo configuration: share [demo] at
# /srv/usmbd/demo on port 445, user "demo" with password "demo" (override
# with DEMO_USER / DEMO_PASSWORD). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/deps.sh build
[ -d build ] || meson setup build >/dev/null
ninja -C build
user=${DEMO_USER:-demo}
pass=${DEMO_PASSWORD:-demo}
printf '%s\n' "$pass" | build/smb2/usmbd-passwd "$user" >/dev/null
echo "usmbd: try  smbclient //127.0.0.1/demo -U $user%$pass -c ls"
exec build/server/usmbd "$@"
