"""tagging: required tags/labels from config, unknown-safe validation and a secret-safe remediation."""

import pytest

from policy_host.errors import ConfigValidationError
from policy_host.wire import SIG_KEY, SIG_SECRET, make_secret

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"
VPC = "aws:ec2/vpc:Vpc"
CONFIG = {
    "required-tags": {"requiredTags": ["Owner", "Environment"], "defaultTagValues": {"Environment": "dev"}}
}


def details(verdict, policy="required-tags"):
    return [v.detail for v in verdict.of(policy)]


@pytest.mark.parametrize(
    "props, expected",
    [
        ({"tags": {"Owner": "team-a", "Environment": "prod"}}, []),
        ({"tags": {"Owner": "team-a"}}, ["Missing required tag(s): Environment."]),
        ({"cidrBlock": "10.0.0.0/16"}, ["Missing required tag(s): Owner, Environment."]),
        ({"tags": {"Owner": "", "Environment": "prod"}}, ["Missing required tag(s): Owner."]),
        # provider defaultTags arrive in tagsAll and count
        ({"tags": {"Owner": "team-a"}, "tagsAll": {"Owner": "team-a", "Environment": "prod"}}, []),
        # case matters on AWS
        ({"tags": {"owner": "a", "environment": "b"}}, ["Missing required tag(s): Owner, Environment."]),
        # a value computed at deploy time is present
        ({"tags": {"Owner": UNKNOWN_STRING, "Environment": "prod"}}, []),
        # secret values are tags like any other
        ({"tags": {"Owner": make_secret("sec-team"), "Environment": "prod"}}, []),
    ],
)
def test_required_tags(analyzer, props, expected):
    assert details(analyzer(config=CONFIG).analyze(VPC, props)) == expected


def test_defaults_apply_without_config(analyzer):
    # the schema's defaults: Owner and Environment
    assert details(analyzer().analyze(VPC, {"tags": {"Owner": "x"}})) == [
        "Missing required tag(s): Environment."
    ]


def test_unknown_tag_map_is_not_a_violation(analyzer):
    [d] = analyzer(config={"all": "mandatory"}).analyze(VPC, {"tags": UNKNOWN_OBJECT}).of("required-tags")
    assert d.level == "advisory"
    assert d.message.startswith(
        "can't run policy 'required-tags' from policy pack 'tagging@v1.0.0' during preview"
    )


def test_bad_config_is_rejected_like_the_engine_does(analyzer):
    with pytest.raises(ConfigValidationError) as info:
        analyzer(config={"required-tags": {"requiredTags": "Owner"}})
    assert info.value.lines[0].startswith(
        "validating policy config: tagging 1.0.0  required-tags: requiredTags:"
    )


def test_untaggable_types_are_not_applicable(analyzer):
    verdict = analyzer().analyze("aws:ec2/securityGroupRule:SecurityGroupRule", {"type": "ingress"})
    assert verdict.not_applicable["required-tags"].startswith("Policy only applies to resources of type")


# -- remediation ----------------------------------------------------------------------------------


def remediate(analyzer, props, config=CONFIG, type_=VPC):
    conf = {**config, "required-tags": {**config["required-tags"], "enforcementLevel": "remediate"}}
    return analyzer(config=conf).remediate(type_, props)


def test_remediation_adds_configured_defaults_only(analyzer):
    fixed = remediate(analyzer, {"cidrBlock": "10.0.0.0/16", "tags": {"Name": "main"}})
    # Environment has a default, Owner does not: only Environment is added
    assert fixed.properties == {"cidrBlock": "10.0.0.0/16", "tags": {"Name": "main", "Environment": "dev"}}


def test_remediated_inputs_still_report_what_could_not_be_fixed(analyzer):
    harness = analyzer(config={"required-tags": {**CONFIG["required-tags"], "enforcementLevel": "remediate"}})
    fixed = harness.remediate(VPC, {"tags": {}})
    # the engine analyzes the remediated inputs; at level remediate violations are reported mandatory
    assert [(v.level, v.detail) for v in harness.analyze(VPC, fixed.properties).of("required-tags")] == [
        ("mandatory", "Missing required tag(s): Owner.")
    ]


def test_remediation_keeps_secret_tag_values_secret(analyzer):
    fixed = remediate(analyzer, {"tags": {"Owner": make_secret("sec-team")}, "password": make_secret("p")})
    assert fixed.properties["tags"] == {
        "Owner": {SIG_KEY: SIG_SECRET, "value": "sec-team"},
        "Environment": "dev",
    }
    assert fixed.properties["password"] == {SIG_KEY: SIG_SECRET, "value": "p"}


def test_remediation_keeps_a_secret_tag_map_secret(analyzer):
    fixed = remediate(analyzer, {"tags": make_secret({"Owner": "sec-team"})})
    assert fixed.properties["tags"] == {
        SIG_KEY: SIG_SECRET,
        "value": {"Owner": "sec-team", "Environment": "dev"},
    }


def test_remediation_leaves_unknown_values_in_place(analyzer):
    fixed = remediate(
        analyzer, {"tags": {"Owner": UNKNOWN_STRING}, "vpcId": UNKNOWN_STRING, "__defaults": []}
    )
    assert fixed.properties == {
        "tags": {"Owner": UNKNOWN_STRING, "Environment": "dev"},
        "vpcId": UNKNOWN_STRING,
        "__defaults": [],
    }


def test_nothing_to_add_means_no_remediation(analyzer):
    assert remediate(analyzer, {"tags": {"Owner": "a", "Environment": "prod"}}).remediations == []
    no_defaults = {"required-tags": {"requiredTags": ["Owner"], "defaultTagValues": {}}}
    assert remediate(analyzer, {"tags": {}}, config=no_defaults).remediations == []


# -- GCP labels -----------------------------------------------------------------------------------


def test_gcp_labels(analyzer):
    bucket = "gcp:storage/bucket:Bucket"
    config = {"required-labels": {"requiredLabels": ["owner"], "defaultLabelValues": {"owner": "platform"}}}
    harness = analyzer(config=config)
    assert details(harness.analyze(bucket, {"labels": {"owner": "x"}}), "required-labels") == []
    assert details(harness.analyze(bucket, {"name": "b"}), "required-labels") == [
        "Missing required label(s): owner."
    ]
    remediating = analyzer(
        config={"required-labels": {**config["required-labels"], "enforcementLevel": "remediate"}}
    )
    assert remediating.remediate(bucket, {"name": "b"}).properties == {
        "name": "b",
        "labels": {"owner": "platform"},
    }
