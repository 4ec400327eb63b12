#!/usr/bin/env bash
# Installs everything gradd needs on a fresh Debian machine: system packages, npm packages,
# the C++ addon (cmake-js, against node-api-headers: nothing is downloaded but from Debian and npm) and the TypeScript build.
# Used by the README, by .ci/run and by docker/Dockerfile (which sets GRADD_RUNTIME_ONLY=1: no test-only packages).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
LISTS=scripts/apt-packages.txt
[ "${GRADD_RUNTIME_ONLY:-}" = 1 ] || LISTS="$LISTS scripts/apt-packages-test.txt"
# shellcheck disable=SC2046,SC2086
$SUDO apt-get install -y -qq --no-install-recommends $(cat $LISTS | grep -v '^#') >/dev/null
npm ci --no-audit --no-fund
