#!/usr/bin/env bash
# Regenerates docs/console/*.png: builds, then drives the admin console in Debian's chromium against the five
# services started privately (see tools/console-screenshots/main.ts). Needs PostgreSQL and nats-server like the
# tests, and /usr/bin/chromium (apt-get install chromium; or ROSTER_CHROMIUM=/path/to/chrome).
# `--serve` keeps the platform up afterwards to try the console by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
node tools/build.mjs >/dev/null
exec node --enable-source-maps dist/tools/console-screenshots/main.js "$@"
