#!/usr/bin/env bash
# Quick start: installs what Roster needs, brings the five services up with a local SFTP server (OpenSSH) and a
# mail sink, drops examples/users.csv on the SFTP server, runs a real sync and shows what happened.
# The platform stays up until Ctrl-C (pass --exit to stop after the sync).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/ensure-services.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci"; npm ci --no-audit --no-fund --loglevel=error
fi
node tools/build.mjs >/dev/null
exec node --enable-source-maps dist/tools/quickstart/main.js "$@"
