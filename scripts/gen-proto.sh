#!/usr/bin/env bash
# Regenerates the TypeScript for proto/ into core/graph/gen with protobuf-es, using buf and
# protoc-gen-es from node_modules (pinned in package.json). CI runs this and fails on a diff.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH" buf generate --template proto/buf.gen.yaml
