#!/usr/bin/env bash
# The whole test suite, as CI runs it: build (services and the admin console), typecheck (the console, a browser app,
# has its own tsconfig), lint (module boundaries, floating promises), then every
# jest tier (unit, integration on real Postgres/NATS/sshd/SMTP, end-to-end with the five services as processes).
# Extra arguments go to jest, e.g. `npm test -- libs/messaging`.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true

echo "== build"; node tools/build.mjs
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit && npx tsc -p apps/admin-console/tsconfig.json --noEmit
echo "== lint"; npx nx show projects >/dev/null && npx eslint --max-warnings=0 apps libs tools e2e
echo "== jest"
mkdir -p reports
npx jest --ci --json --outputFile=reports/jest.json "$@"
