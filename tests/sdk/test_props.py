"""props_get / tags_of / to_plain on every shape a runtime hands a policy."""

import pytest
from pulumi_policy import Secret
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy
from pulumi_policy.secret import secrets_preserving_proxy

from policy_host.sdk import props_get, tags_of, to_plain

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"

RAW = {
    "vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["10.0.0.0/8", "0.0.0.0/0"]},
    "tags": {"team": "infra"},
    "tagsAll": {"team": "infra", "env": "prod"},
    "nothing": None,
    "name": "cluster",
    "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"},
}


# The three shapes: validation proxies, remediation proxies (secrets held as Secret), plain dicts.
@pytest.fixture(params=["validation-proxy", "remediation-proxy", "plain"])
def shape(request):
    def make(raw):
        if request.param == "validation-proxy":
            return unknown_checking_proxy(raw)
        if request.param == "remediation-proxy":
            return secrets_preserving_proxy(raw)
        return raw

    return make


def test_reads_nested_paths_and_indices(shape):
    props = shape(RAW)
    assert props_get(props, "vpcConfig.endpointPublicAccess") is True
    assert props_get(props, "vpcConfig.publicAccessCidrs.1") == "0.0.0.0/0"
    assert props_get(props, ("annotations", "eks.amazonaws.com/role-arn")) == "arn:aws:iam::1:role/x"


@pytest.mark.parametrize(
    "path",
    ["missing", "vpcConfig.missing", "vpcConfig.publicAccessCidrs.7", "name.length", "nothing", "nothing.x"],
)
def test_absent_null_and_scalar_paths_give_the_default(shape, path):
    assert props_get(shape(RAW), path, "dflt") == "dflt"


def test_unknown_leaf_raises_the_sdk_error_with_its_path(shape):
    props = shape({"vpcConfig": {"endpointPublicAccess": UNKNOWN_STRING}})
    with pytest.raises(UnknownValueError) as info:
        props_get(props, "vpcConfig.endpointPublicAccess", False)
    assert (
        info.value.message == "string value at .vpcConfig.endpointPublicAccess can't be known during preview"
    )


def test_unknown_in_the_middle_raises_instead_of_defaulting(shape):
    props = shape({"vpcConfig": UNKNOWN_OBJECT})
    with pytest.raises(UnknownValueError) as info:
        props_get(props, "vpcConfig.endpointPublicAccess", False)
    assert info.value.message == "Object value at .vpcConfig can't be known during preview"


def test_secrets_read_as_plaintext_in_remediation_inputs():
    props = secrets_preserving_proxy({"password": Secret("hunter2"), "nested": Secret({"k": "v"})})
    assert props_get(props, "password") == "hunter2"
    assert props_get(props, "nested.k") == "v"
    # and in a plain dict returned by an earlier remediation
    assert props_get({"password": Secret("hunter2")}, "password") == "hunter2"


def test_tags_merge_provider_default_tags(shape):
    assert tags_of(shape(RAW), merge=["tagsAll"]) == {"team": "infra", "env": "prod"}
    assert tags_of(shape(RAW)) == {"team": "infra"}
    assert tags_of(shape({}), "labels") == {}


def test_tags_with_an_unknown_value_raise(shape):
    with pytest.raises(UnknownValueError) as info:
        tags_of(shape({"tags": {"owner": UNKNOWN_STRING}}))
    assert info.value.message == "string value at .tags.owner can't be known during preview"


def test_to_plain_gives_real_containers(shape):
    plain = to_plain(shape(RAW))
    assert plain == RAW
    assert type(plain) is dict and type(plain["vpcConfig"]["publicAccessCidrs"]) is list


def test_to_plain_refuses_unknowns(shape):
    with pytest.raises(UnknownValueError) as info:
        to_plain(shape({"a": [UNKNOWN_STRING]}))
    assert info.value.message == "string value at .a.0 can't be known during preview"
