#!/usr/bin/env bash
# Installs everything gradd needs on a fresh Debian machine: system packages, npm packages,
# the C++ addon (cmake-js, against node-api-headers: nothing is downloaded but from Debian and npm) and the TypeScript build.
# Used by the README, by .ci/run and by docker/Dockerfile.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $(grep -v '^#' scripts/apt-packages.txt) >/dev/null
npm ci --no-audit --no-fund
