"""A scriptable analyzer executable for executable-mode tests (``<exe> <engine-addr>``).

Behaviour comes from environment variables (executable mode passes the caller's environment through):

- ``FAKE_ANALYZER_LOG``: append one JSON line per event (start, every RPC) to this file;
- ``FAKE_PLUGIN_VERSION``: what GetPluginInfo reports (default ``1.0.0``);
- ``FAKE_HANDSHAKE_UNAVAILABLE``: answer Handshake with UNAVAILABLE this many times first;
- ``FAKE_DIAG_LEVEL``: Analyze returns one diagnostic with this enforcement level number;
- ``FAKE_REMEDIATION``: ``empty`` (no properties, no diagnostic) or ``diagnostic``;
- ``FAKE_CHATTY``: write a line to stdout after the port line and one to stderr.
"""

import json
import os
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

LOG = os.environ.get("FAKE_ANALYZER_LOG")
_lock = threading.Lock()


def log(event, **fields):
    if LOG:
        with _lock, open(LOG, "a") as f:
            f.write(json.dumps({"event": event, **fields}) + "\n")


class Fake(analyzer_pb2_grpc.AnalyzerServicer):
    def __init__(self):
        self.unavailable = int(os.environ.get("FAKE_HANDSHAKE_UNAVAILABLE", "0"))

    def Handshake(self, request, context):
        log(
            "Handshake",
            engine_address=request.engine_address,
            root_directory=request.root_directory,
            program_directory=request.program_directory,
        )
        if self.unavailable > 0:
            self.unavailable -= 1
            context.abort(grpc.StatusCode.UNAVAILABLE, "not yet")
        return proto.AnalyzerHandshakeResponse()

    def ConfigureStack(self, request, context):
        log("ConfigureStack", stack=request.stack, project=request.project, dry_run=request.dry_run)
        return proto.AnalyzerStackConfigureResponse()

    def GetPluginInfo(self, request, context):
        log("GetPluginInfo")
        return proto.PluginInfo(version=os.environ.get("FAKE_PLUGIN_VERSION", "1.0.0"))

    def GetAnalyzerInfo(self, request, context):
        log("GetAnalyzerInfo")
        info = proto.AnalyzerInfo(name="fake", version="0.0.7", supportsConfig=False)
        info.policies.append(
            proto.PolicyInfo(
                name="fake-policy",
                description="A fake policy.",
                enforcementLevel=proto.ADVISORY,
                policy_type=proto.PolicyType.POLICY_TYPE_RESOURCE,
                severity=proto.POLICY_SEVERITY_HIGH,
            )
        )
        return info

    def Configure(self, request, context):
        log("Configure")
        return empty_pb2.Empty()

    def Analyze(self, request, context):
        log("Analyze", urn=request.urn)
        resp = proto.AnalyzeResponse()
        level = os.environ.get("FAKE_DIAG_LEVEL")
        if level is not None:
            resp.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName="fake-policy",
                    policyPackName="fake",
                    policyPackVersion="0.0.7",
                    description="A fake policy.",
                    message="A fake policy.\nfake violation",
                    enforcementLevel=int(level),
                )
            )
        return resp

    def Remediate(self, request, context):
        log("Remediate", urn=request.urn)
        resp = proto.RemediateResponse()
        mode = os.environ.get("FAKE_REMEDIATION")
        if mode == "empty":
            resp.remediations.append(proto.Remediation(policyName="fake-policy", policyPackName="fake"))
        elif mode == "diagnostic":
            resp.remediations.append(
                proto.Remediation(
                    policyName="fake-policy",
                    policyPackName="fake",
                    description="A fake policy.",
                    diagnostic="could not remediate",
                )
            )
        return resp

    def AnalyzeStack(self, request, context):
        log("AnalyzeStack", count=len(request.resources))
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "no stack policies")

    def Cancel(self, request, context):
        log("Cancel")
        return empty_pb2.Empty()


def main():
    log(
        "start",
        argv=sys.argv[1:],
        cwd=os.getcwd(),
        env={k: v for k, v in os.environ.items() if k.startswith("PULUMI_") and k != "PULUMI_PYTHON_CMD"},
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(Fake(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    if os.environ.get("FAKE_CHATTY"):
        sys.stdout.write("hello after the port\n")
        sys.stderr.write("and on stderr\n")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        log("interrupted")
        server.stop(0)


if __name__ == "__main__":
    main()
