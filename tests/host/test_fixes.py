"""Each deliberate fix over pulumi_policy 1.21.0: the reference shows the bug, policy-host does not."""

from __future__ import annotations

import time

import grpc
import pytest
from google.protobuf import empty_pb2, json_format
from pulumi.runtime import proto

from policy_host.model import EnforcementLevel, PolicyConfigEntry, Resource
from policy_host.wire import convert
from policy_host.wire.values import SIG_KEY, SIG_SECRET, UNKNOWN_STRING

PACK = "fixes"
HOST_ARGS = ("--policy-timeout", "2")
URN = "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b"


def request(props: dict) -> proto.AnalyzeRequest:
    return convert.analyze_request_from_resource(
        Resource(type="aws:s3/bucket:Bucket", urn=URN, name="b", properties=props)
    )


def configure(stub, **levels: str) -> None:
    stub.Configure(
        convert.configure_request(
            {k.replace("_", "-"): PolicyConfigEntry(EnforcementLevel(v)) for k, v in levels.items()}
        )
    )


def remediations(response) -> list[dict]:
    return [json_format.MessageToDict(r) for r in response.remediations]


def test_remediation_reading_unknown_gets_a_diagnostic(pair):
    ref, ours = pair
    for stub in pair:
        configure(stub, remediate_unknown="remediate", remediate_copy="disabled")
    req = request({"bucketName": UNKNOWN_STRING})
    # The reference hands the remediator the raw sentinel and "remediates" with it.
    ref_rem = remediations(ref.Remediate(req))
    assert ref_rem[0]["properties"]["bucket"] == f"fixed-{UNKNOWN_STRING}"
    ours_rem = remediations(ours.Remediate(req))
    assert ours_rem == [
        {
            "policyName": "remediate-unknown",
            "policyPackName": "fixes",
            "policyPackVersion": "2.3.4",
            "description": "Reads an unknown in a remediation.",
            "diagnostic": "can't run remediation 'remediate-unknown' from policy pack 'fixes@v2.3.4' during "
            "preview: string value at .bucketName can't be known during preview",
        }
    ]


def test_secretness_survives_dict_copies_in_remediations(pair):
    ref, ours = pair
    for stub in pair:
        configure(stub, remediate_unknown="disabled", remediate_copy="remediate")
    req = request(
        {"acl": "public-read", "password": {SIG_KEY: SIG_SECRET, "value": "hunter2"}, "__defaults": []}
    )
    ref_props = remediations(ref.Remediate(req))[0]["properties"]
    assert ref_props["password"] == "hunter2"  # the reference leaks the secret as plaintext
    ours_props = remediations(ours.Remediate(req))[0]["properties"]
    assert ours_props == {
        "acl": "private",
        "password": {SIG_KEY: SIG_SECRET, "value": "hunter2"},
        "__defaults": [],
    }


def test_string_levels_in_initial_config(pair):
    ref, ours = pair
    with pytest.raises(grpc.RpcError) as err:
        ref.GetAnalyzerInfo(empty_pb2.Empty())
    assert "unknown enforcement level" in err.value.details()
    info = ours.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.initialConfig["remediate-copy"].enforcementLevel == proto.REMEDIATE
    assert info.version == "2.3.4"  # the project file's version, not 0.0.1


def test_a_raising_policy_is_reported_and_fails_closed(pair):
    ref, ours = pair
    for stub in pair:
        configure(stub, crashes="mandatory")
    req = request({"crash": True, "loopCheck": True})
    with pytest.raises(grpc.RpcError) as err:
        ref.Analyze(req)
    assert err.value.code() == grpc.StatusCode.UNKNOWN
    response = ours.Analyze(req)
    failures = [d for d in response.diagnostics if d.policyName == "crashes"]
    assert len(failures) == 1
    assert failures[0].enforcementLevel == proto.MANDATORY  # still blocks the deployment
    assert failures[0].message == (
        "Crashes on demand.\npolicy 'crashes' from policy pack 'fixes@v2.3.4' raised ValueError: boom"
    )
    # The other policies of the pack still ran in the same call.
    assert [d.message for d in response.diagnostics if d.policyName == "event-loop"] == [
        "Uses the current event loop.\nloop ok=True"
    ]
    assert ours.Analyze(request({})).diagnostics == []  # and the server keeps serving


def test_a_hanging_policy_is_cut_off_and_later_policies_still_run(pair):
    _, ours = pair
    configure(ours, hangs="mandatory")
    start = time.monotonic()
    response = ours.Analyze(request({"hang": True, "loopCheck": True}))
    elapsed = time.monotonic() - start
    hung = [d for d in response.diagnostics if d.policyName == "hangs"]
    assert [d.message for d in hung] == [
        "Hangs on demand.\npolicy 'hangs' from policy pack 'fixes@v2.3.4' timed out after 2s"
    ]
    assert hung[0].enforcementLevel == proto.MANDATORY
    # event-loop comes after the hung policy in the pack and still reported.
    assert [d.message for d in response.diagnostics if d.policyName == "event-loop"] == [
        "Uses the current event loop.\nloop ok=True"
    ]
    assert elapsed < 30  # generous: only proves the call returned instead of hanging forever
    assert ours.Analyze(request({})).diagnostics == []


def test_async_validators_have_a_current_event_loop(pair):
    ref, ours = pair
    req = request({"loopCheck": True})
    with pytest.raises(grpc.RpcError) as err:
        ref.Analyze(req)
    assert "event loop" in err.value.details()
    messages = [d.message for d in ours.Analyze(req).diagnostics]
    assert messages == ["Uses the current event loop.\nloop ok=True"]
