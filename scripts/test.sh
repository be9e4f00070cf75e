#!/usr/bin/env bash
# The second README command: install what is missing, then lint, type-check and run every test
# against the real parts (SoftHSM2, SQLite and PostgreSQL, pdfsig/qpdf/openssl, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests
SHOMEI_TEST_POSTGRES_URL=$(bash scripts/postgres.sh | tail -n 1)
export SHOMEI_TEST_POSTGRES_URL
echo "== lint and format (biome)"
npx --no-install biome check .
echo "== type check (tsc)"
npx --no-install tsc -p tsconfig.json
npx --no-install tsc -p web/tsconfig.json
echo "== tests"
node scripts/run-tests.mjs "$@"
