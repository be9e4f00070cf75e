#!/usr/bin/env bash
# Installs whatever shomei needs and is missing: Debian packages (SoftHSM2, OpenSC, poppler-utils,
# qpdf, PostgreSQL for the production-mode tests, Chromium for the UI tests, a Japanese font for seals)
# and the npm packages. Safe to run again: it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests="${1:-}"
# postgresql-client: pg_dump/psql for `shomei backup` on PostgreSQL; curl: TLS checks in docs and tests.
packages=(softhsm2 opensc poppler-utils qpdf openssl fonts-ipaexfont-mincho postgresql-client curl)
if [ "$want_tests" = "--for-tests" ]; then
  packages+=(postgresql chromium ghostscript libnss3-tools golang-cfssl mupdf-tools)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "shomei setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "shomei setup: installing npm packages"
  # npm install (not npm ci): npm 11 rejects this lock in ci for optional packages of platforms it
  # does not record (biome's android builds), while install honours the locked versions.
  npm install --no-audit --no-fund --loglevel=error
fi
# Native addons built from source on this machine (no prebuilt binaries are downloaded).
for addon in pkcs11js better-sqlite3; do
  node -e "require('$addon')" 2>/dev/null || npm rebuild "$addon" --loglevel=error
done

# The web UI (React + Vite) is built into web/dist when missing or older than its sources.
if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html web/vite.config.ts -newer web/dist/index.html -print -quit)" ]; then
  echo "shomei setup: building the web UI"
  npx --no-install vite build --config web/vite.config.ts --logLevel warn
fi

# The prebuilt JavaScript (dist/cli/, ADR 031, ADR 038: scripts/build-cli.mjs): the command (shomei.js,
# verify.js) and the worker threads' jobs
# (work-jobs.js), split into chunks so that each command loads only its own modules and packages, with
# source maps. Built beside (per run) and swapped in whole, stamped with the build's start so that an edit made
# during the build leaves it stale; bin/shomei.js and the work pool ignore it whenever a source is newer.
if [ ! -f dist/cli/work-jobs.js ] || [ -n "$(find src -newer dist/cli/work-jobs.js -print -quit)" ]; then
  started=$(date +%s)
  next="dist/cli.next.$$"
  rm -rf dist/shomei.mjs
  node scripts/build-cli.mjs "$next"
  touch -d "@$started" "$next/shomei.js" "$next/work-jobs.js"
  rm -rf dist/cli && mv -T "$next" dist/cli
  # The first code cache of the commands built apart, made where they now are (ADR 044).
  node -e "import('./dist/cli/bundle-loader.js').then(({ loadBundle }) => { for (const name of ['verify', 'sign']) loadBundle('dist/cli/' + name + '.cjs', 'now'); })"
fi
