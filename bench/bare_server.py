"""The floor: a gRPC Analyzer that does no policy work and answers every call with an empty response.

Launched like a pack (own process, the port alone on the first stdout line, ``ENGINE_ADDRESS`` as the
last argument), with the same thread pool size and message limits as pulumi_policy's server, so what it
costs per call is what gRPC and protobuf cost in Python: the lowest any Python analyzer can reach.

Run: ``python -u bench/bare_server.py ENGINE_ADDRESS``. Stops on SIGINT or SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2

MAX_MESSAGE_BYTES = 400 * 1024 * 1024  # what the engine and pulumi_policy allow
WORKERS = 4  # pulumi_policy's ThreadPoolExecutor(max_workers=4)


class BareAnalyzer(analyzer_pb2_grpc.AnalyzerServicer):
    """Every RPC returns the empty message of its response type."""

    def Handshake(self, request, context):
        return analyzer_pb2.AnalyzerHandshakeResponse()

    def ConfigureStack(self, request, context):
        return analyzer_pb2.AnalyzerStackConfigureResponse()

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version="0.0.1")

    def GetAnalyzerInfo(self, request, context):
        return analyzer_pb2.AnalyzerInfo(name="bare")

    def Configure(self, request, context):
        return empty_pb2.Empty()

    def Analyze(self, request, context):
        return analyzer_pb2.AnalyzeResponse()

    def AnalyzeStack(self, request, context):
        return analyzer_pb2.AnalyzeResponse()

    def Remediate(self, request, context):
        return analyzer_pb2.RemediateResponse()

    def Cancel(self, request, context):
        return empty_pb2.Empty()


def main() -> int:
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=WORKERS), options=options)
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(BareAnalyzer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    stopped.wait()
    server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
