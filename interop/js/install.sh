#!/bin/sh
# Installs the JS peers' dependencies exactly as package-lock.json pins them (run by the Maven build
# before the interop tests). Without Node.js or npm it fails at once with one line saying what to install.
cd "$(dirname "$0")" || exit 1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 \
    || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
  echo "interop tests need Node.js >= 18 and npm: install the Debian packages nodejs npm (sudo apt-get install nodejs npm, or run bin/test)" >&2
  exit 1
fi
exec npm ci --prefer-offline --no-audit --no-fund --loglevel=error
