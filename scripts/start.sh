#!/usr/bin/env bash
# The first README command: install what is missing, then run shomei on its embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/shomei.js start
