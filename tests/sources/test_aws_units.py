"""The pieces of AWS discovery that need no endpoint: shape converters, backoff, the registries."""

from __future__ import annotations

import importlib

import pytest
from botocore.exceptions import ClientError

from policy_host.errors import UsageError
from policy_host.sources.aws.ec2 import sg_rules
from policy_host.sources.aws.index import TOKEN_MODULES, all_tokens, load_specs
from policy_host.sources.aws.permissions import iam_action
from policy_host.sources.aws.props import compact, last_segment, partition_of, policy_json, tags
from policy_host.sources.aws.retry import Backoff, call_with_backoff, is_throttling
from policy_host.sources.aws.s3 import ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY, canned_acl
from policy_host.sources.aws.spec import AWS_DERIVED, AWS_SPECS


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"}}, "GetThing")


def acl(*grants: tuple[dict, str]) -> dict:
    owner = {"ID": "owner-id", "DisplayName": "me"}
    return {"Owner": owner, "Grants": [{"Grantee": g, "Permission": p} for g, p in grants]}


OWNER_FC = ({"Type": "CanonicalUser", "ID": "owner-id"}, "FULL_CONTROL")


@pytest.mark.parametrize(
    ("grants", "expected"),
    [
        ((OWNER_FC,), "private"),
        ((OWNER_FC, ({"Type": "Group", "URI": ALL_USERS}, "READ")), "public-read"),
        (
            (
                OWNER_FC,
                ({"Type": "Group", "URI": ALL_USERS}, "READ"),
                ({"Type": "Group", "URI": ALL_USERS}, "WRITE"),
            ),
            "public-read-write",
        ),
        ((OWNER_FC, ({"Type": "Group", "URI": AUTHENTICATED_USERS}, "READ")), "authenticated-read"),
        (
            (
                OWNER_FC,
                ({"Type": "Group", "URI": LOG_DELIVERY}, "WRITE"),
                ({"Type": "Group", "URI": LOG_DELIVERY}, "READ_ACP"),
            ),
            "log-delivery-write",
        ),
        ((OWNER_FC, ({"Type": "CanonicalUser", "ID": "someone-else"}, "READ")), None),
        ((({"Type": "Group", "URI": ALL_USERS}, "READ"),), None),
    ],
)
def test_canned_acl_inference(grants: tuple, expected: str | None) -> None:
    assert canned_acl(acl(*grants)) == expected


def test_security_group_rules_group_by_description_and_normalise_protocols() -> None:
    rules = sg_rules(
        [
            {
                "IpProtocol": "6",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [
                    {"CidrIp": "10.1.0.0/16", "Description": "office"},
                    {"CidrIp": "10.0.0.0/16", "Description": "office"},
                    {"CidrIp": "0.0.0.0/0"},
                ],
                "PrefixListIds": [{"PrefixListId": "pl-1"}],
            },
            {"IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "UserIdGroupPairs": [{"GroupId": "sg-self"}]},
        ],
        "sg-self",
    )
    base = {"ipv6CidrBlocks": [], "securityGroups": [], "self": False}
    assert rules == [
        {
            "fromPort": 0,
            "toPort": 0,
            "protocol": "-1",
            "cidrBlocks": [],
            "prefixListIds": [],
            "description": "",
            **base,
        }
        | {"self": True},
        {
            "fromPort": 80,
            "toPort": 80,
            "protocol": "tcp",
            "cidrBlocks": ["0.0.0.0/0"],
            "prefixListIds": ["pl-1"],
            "description": "",
            **base,
        },
        {
            "fromPort": 80,
            "toPort": 80,
            "protocol": "tcp",
            "cidrBlocks": ["10.0.0.0/16", "10.1.0.0/16"],
            "prefixListIds": [],
            "description": "office",
            **base,
        },
    ]
    assert sg_rules(None, "sg-x") == []


def test_policy_documents_become_compact_json_strings() -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    expected = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    assert policy_json(doc) == expected
    # IAM's raw answer is URL-encoded JSON
    encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
    encoded += "%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"
    assert policy_json(encoded) == expected
    assert (
        policy_json(
            '{ "Version": "2012-10-17",\n "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}] }'
        )
        == expected
    )
    assert policy_json(None) is None and policy_json("") is None
    assert policy_json("not json") == "not json"


def test_small_converters() -> None:
    assert tags(
        [
            {"Key": "b", "Value": "2"},
            {"Key": "a", "Value": "1"},
            {"Key": "aws:cloudformation:x", "Value": "y"},
        ]
    ) == {
        "a": "1",
        "b": "2",
    }
    assert tags([{"TagKey": "k", "TagValue": "v"}], key="TagKey", val="TagValue") == {"k": "v"}
    assert tags({"z": 1}) == {"z": "1"}
    assert tags(None) == {}
    assert compact({"a": None, "b": {"c": None, "d": 1}, "e": [{"f": None}]}) == {"b": {"d": 1}, "e": [{}]}
    assert [partition_of(r) for r in ("us-east-1", "cn-north-1", "us-gov-west-1")] == [
        "aws",
        "aws-cn",
        "aws-us-gov",
    ]
    assert last_segment("arn:aws:iam::1:instance-profile/path/web") == "web"


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    backoff = Backoff(attempts=5, base=0.5, cap=3.0)
    assert [backoff.delay(n, rng=lambda: 1.0) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff.delay(4, rng=lambda: 0.25) == 0.75
    assert backoff.delay(2, rng=lambda: 0.0) == 0.0


def test_call_with_backoff_retries_only_throttling() -> None:
    slept: list[float] = []
    answers = [client_error("ThrottlingException"), client_error("RequestLimitExceeded"), "ok"]

    def flaky() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert (
        call_with_backoff(flaky, Backoff(attempts=3, base=1.0), sleep=slept.append, rng=lambda: 1.0) == "ok"
    )
    assert slept == [1.0, 2.0]

    def denied() -> str:
        raise client_error("AccessDenied")

    with pytest.raises(ClientError, match="AccessDenied"):
        call_with_backoff(denied, Backoff(attempts=5), sleep=slept.append)
    assert len(slept) == 2  # no retry for a non-throttling error

    def always_throttled() -> str:
        raise client_error("Throttling")

    with pytest.raises(ClientError, match="Throttling"):
        call_with_backoff(
            always_throttled, Backoff(attempts=3, base=0.1), sleep=slept.append, rng=lambda: 1.0
        )
    assert slept[2:] == [0.1, 0.2]
    assert is_throttling(client_error("SlowDown")) and not is_throttling(ValueError("x"))


def test_index_matches_the_registries() -> None:
    for module in sorted(set(TOKEN_MODULES.values())):
        importlib.import_module(f"policy_host.sources.aws.{module}")
    assert set(AWS_SPECS.names()) | set(AWS_DERIVED.names()) == set(TOKEN_MODULES)
    for token, module in TOKEN_MODULES.items():
        spec = AWS_SPECS.find(token) or AWS_DERIVED.find(token)
        assert spec is not None and spec.map_props.__module__ == f"policy_host.sources.aws.{module}"
    assert all_tokens() == list(TOKEN_MODULES)


def test_every_spec_is_well_formed() -> None:
    specs, derived = load_specs()
    for spec in specs:
        assert spec.type_token.startswith("aws:") and spec.type_token.count(":") == 2
        assert spec.scope in ("regional", "global", "global-list")
        assert (spec.scope == "global-list") == (spec.locate is not None) == (spec.region_of is not None)
        iam_action(spec.service, spec.list_call)  # raises for an operation the service lacks
        for call in spec.all_calls():
            iam_action(call.service or spec.service, call.operation)
            assert not call.paginate or call.result_path, (
                f"{spec.type_token}: paginated {call.key} needs a path"
            )
        assert spec.arn is not None, spec.type_token
    assert {d.parent for d in derived} == {"aws:s3/bucket:Bucket"}


def test_load_specs_runs_the_parent_of_a_derived_type() -> None:
    specs, derived = load_specs(["aws:s3/bucketLoggingV2:BucketLoggingV2"])
    assert [s.type_token for s in specs] == ["aws:s3/bucket:Bucket"]
    assert [d.type_token for d in derived] == ["aws:s3/bucketLoggingV2:BucketLoggingV2"]
    with pytest.raises(UsageError, match="unknown AWS resource type"):
        load_specs(["aws:s3/nothing:Nothing"])
