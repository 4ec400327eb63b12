#!/usr/bin/env python3
"""A gradd client in Python, on nothing but grpcio and the modules generated from proto/.

It builds the graph of f(x, w) = sum(tanh(x) * w) as a gradd.v1.Graph message, registers it, and asks the
server for the value and the gradient with respect to both inputs. The gradients are, by hand,
df/dx = (1 - tanh(x)^2) * w and df/dw = tanh(x).

    bash examples/python/gen.sh /tmp/gradd-py          # the gradd.v1 modules
    PYTHONPATH=/tmp/gradd-py python3 examples/python/grad.py --address 127.0.0.1:50051 [--token TOKEN]
"""
import argparse
import struct
import sys

import grpc
from gradd.v1 import gradient_pb2, gradient_pb2_grpc, graph_pb2, tensor_pb2

# The op catalog version the graph is written against. A server takes graphs of its own major version up to
# its own minor version, so "1.0.0" runs on every 1.x server.
CATALOG_VERSION = "1.0.0"


def spec(shape):
    return tensor_pb2.TensorSpec(datatype="FP64", shape=shape)


def tensor(values):
    """A float64 vector: raw little-endian bytes, exact to the bit."""
    return tensor_pb2.Tensor(datatype="FP64", shape=[len(values)], raw_contents=struct.pack(f"<{len(values)}d", *values))


def values(t):
    assert t.datatype == "FP64", t.datatype
    return struct.unpack(f"<{len(t.raw_contents) // 8}d", t.raw_contents)


def sum_tanh_times_w(n):
    """The graph of sum(tanh(x) * w) for x and w of shape [n]: catalog ops by NumPy's names, each with its result type."""
    vector, Ref = [spec([n])], graph_pb2.Ref
    return graph_pb2.Graph(
        catalog_version=CATALOG_VERSION,
        inputs=[spec([n]), spec([n])],
        nodes=[
            graph_pb2.Node(op="tanh", inputs=[Ref(input=0)], outputs=vector),
            graph_pb2.Node(op="multiply", inputs=[Ref(node=0), Ref(input=1)], outputs=vector),
            graph_pb2.Node(op="sum", inputs=[Ref(node=1)], outputs=[spec([])]),
        ],
        outputs=[Ref(node=2)],
    )


def numbers(text):
    return [float(v) for v in text.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--address", default="127.0.0.1:50051", help="the server's gRPC host:port")
    p.add_argument("--token", help="sent as 'authorization: Bearer TOKEN'")
    p.add_argument("--x", type=numbers, default=[0.5, -1.0, 2.0])
    p.add_argument("--w", type=numbers, default=[1.0, 2.0, 3.0])
    args = p.parse_args()

    metadata = [("authorization", f"Bearer {args.token}")] if args.token else []
    with grpc.insecure_channel(args.address) as channel:
        stub = gradient_pb2_grpc.GradientStub(channel)
        try:
            model = stub.RegisterModel(gradient_pb2.RegisterModelRequest(graph=sum_tanh_times_w(len(args.x)), name="sum tanh(x) w"),
                                       metadata=metadata, timeout=30).model
            r = stub.ValueAndGrad(gradient_pb2.ValueAndGradRequest(model_id=model.id, inputs=[tensor(args.x), tensor(args.w)], argnums=[0, 1]),
                                  metadata=metadata, timeout=30)
        except grpc.RpcError as e:
            # The server's own error code travels in the trailing metadata.
            code = dict(e.trailing_metadata() or ()).get("gradd-error-code", "")
            print(f"error {e.code().name} {code}: {e.details()}", file=sys.stderr)
            return 1
    print("model", model.id)
    print("value", repr(values(r.value)[0]))
    for name, g in zip(["x", "w"], r.grads):
        print("grad", name, *map(repr, values(g)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
