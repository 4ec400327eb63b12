#!/usr/bin/env bash
# Generates gradd's Python modules (gradd/v1/*_pb2.py and *_pb2_grpc.py) from proto/ into DIR, with Debian's
# protoc (protobuf-compiler, libprotobuf-dev) and grpc_python_plugin (protobuf-compiler-grpc).
# Usage: bash examples/python/gen.sh DIR
set -euo pipefail
out=${1:?usage: gen.sh DIR}
proto="$(cd "$(dirname "$0")/../../proto" && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$proto"
protoc -I . --python_out="$out" --grpc_python_out="$out" --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" gradd/v1/*.proto
