"""remediate_props returns the complete inputs with secretness preserved, directly and through the
reference servicer's Remediate (whose own behaviour loses secrets when a fresh dict is returned)."""

import pytest
from pulumi_policy import Secret
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy
from pulumi_policy.secret import _DictSecretsProxy, secrets_preserving_proxy

from policy_host.sdk import props_get, remediate_props, resource_policy
from policy_host.sdk.reference_harness import ReferenceHarness
from policy_host.wire import SIG_KEY, SIG_SECRET, make_secret

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
BUCKET = "aws:s3/bucket:Bucket"


def raw(props):
    return props["__target"]


def test_keeps_every_other_property_including_internal_keys_and_unknowns():
    props = secrets_preserving_proxy({"__defaults": ["bucket"], "bucket": "b", "arn": UNKNOWN_STRING})
    result = remediate_props(props, {"versioning.enabled": True})
    assert raw(result) == {
        "__defaults": ["bucket"],
        "bucket": "b",
        "arn": UNKNOWN_STRING,
        "versioning": {"enabled": True},
    }


def test_returns_the_sdk_secrets_proxy_and_leaves_the_input_alone():
    source = {"tags": {"a": "1"}}
    props = secrets_preserving_proxy(source)
    result = remediate_props(props, {"tags.b": "2"})
    assert type(result) is _DictSecretsProxy
    assert source == {"tags": {"a": "1"}}
    assert result["tags"]["b"] == "2"


def test_a_value_replacing_a_secret_stays_secret():
    props = secrets_preserving_proxy({"password": Secret("old"), "config": {"token": Secret("t")}})
    result = raw(remediate_props(props, {"password": "new"}))
    assert isinstance(result["password"], Secret) and result["password"].value == "new"
    assert isinstance(result["config"]["token"], Secret)


def test_replacing_a_map_keeps_its_secret_entries_secret():
    props = secrets_preserving_proxy({"tags": {"team": "infra", "key": Secret("s3cr3t")}})
    current = dict(props["tags"])  # proxy reads give plaintext: {"team": ..., "key": "s3cr3t"}
    result = raw(remediate_props(props, {"tags": {**current, "owner": "me"}}))
    assert result["tags"]["team"] == "infra" and result["tags"]["owner"] == "me"
    assert isinstance(result["tags"]["key"], Secret) and result["tags"]["key"].value == "s3cr3t"


def test_writing_inside_a_secret_object_keeps_the_whole_object_secret():
    props = secrets_preserving_proxy({"settings": Secret({"a": 1})})
    result = raw(remediate_props(props, {"settings.b": 2}))
    assert isinstance(result["settings"], Secret)
    assert result["settings"].value == {"a": 1, "b": 2}


def test_explicit_secret_values_are_kept():
    result = raw(remediate_props({"x": 1}, {"password": Secret("p")}))
    assert isinstance(result["password"], Secret)


def test_setting_through_an_unknown_raises_the_sdk_error():
    with pytest.raises(UnknownValueError) as info:
        remediate_props({"versioning": "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"}, {"versioning.enabled": True})
    assert info.value.message == "Object value at .versioning can't be known during preview"


def test_setting_through_a_scalar_is_refused():
    with pytest.raises(TypeError, match="versioning is not an object"):
        remediate_props({"versioning": "on"}, {"versioning.enabled": True})


def test_works_on_validation_proxies_too():
    props = unknown_checking_proxy({"a": {"b": [1, 2]}})
    result = remediate_props(props, {"a.b.1": 3})
    assert raw(result) == {"a": {"b": [1, 3]}}


# -- through pulumi_policy's servicer: what reaches the engine -----------------------------------


def add_owner(args):
    return remediate_props(args, {"tags": {**props_get(args.props, "tags", {}), "owner": "platform"}})


def enable_versioning(args):
    return remediate_props(args, {"versioning.enabled": True})


def test_secrets_survive_the_wire_and_chained_remediations():
    policies = [
        resource_policy("owner", "Owner tag.", types=[BUCKET], remediate=add_owner),
        resource_policy("versioning", "Versioning.", types=[BUCKET], remediate=enable_versioning),
    ]
    harness = ReferenceHarness(policies, level="remediate")
    verdict = harness.remediate(
        BUCKET,
        {
            "__defaults": [],
            "bucket": "b",
            "tags": {"cost": make_secret("1234")},
            "policy": make_secret('{"Statement": []}'),
        },
    )
    assert [r.policy for r in verdict.remediations] == ["owner", "versioning"]
    final = verdict.properties
    assert final["tags"]["owner"] == "platform"
    assert final["tags"]["cost"] == {SIG_KEY: SIG_SECRET, "value": "1234"}
    assert final["policy"] == {SIG_KEY: SIG_SECRET, "value": '{"Statement": []}'}
    assert final["versioning"] == {"enabled": True}
    assert final["__defaults"] == []


def test_an_unknown_read_in_a_remediation_is_reported_not_applied():
    harness = ReferenceHarness(
        [resource_policy("owner", "Owner tag.", types=[BUCKET], remediate=add_owner)], level="remediate"
    )
    verdict = harness.remediate(BUCKET, {"tags": UNKNOWN_STRING})
    assert [(r.properties, r.diagnostic) for r in verdict.remediations] == [
        (
            None,
            "can't run remediation 'owner' from policy pack 'test-pack@v0.0.1' during preview: "
            "string value at .tags can't be known during preview",
        )
    ]
