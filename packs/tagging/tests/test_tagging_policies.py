"""tagging: required tags/labels from config, unknown-safe validation and a secret-safe remediation,
through the test kit."""

import pytest

from policy_host.errors import ConfigValidationError
from policy_host.testing import resource, secret, unknown
from policy_host.wire import SIG_KEY, SIG_SECRET

UNKNOWN_STRING = unknown("string")
UNKNOWN_OBJECT = unknown("object")
VPC = "aws:ec2/vpc:Vpc"
CONFIG = {
    "required-tags": {"requiredTags": ["Owner", "Environment"], "defaultTagValues": {"Environment": "dev"}}
}


def details(verdict, policy="required-tags"):
    return [d.message.partition("\n")[2] for d in verdict.violations_of(policy)]


# (VPC inputs, the details required-tags reports under CONFIG)
TAG_CASES = [
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
    ({"tags": {"Owner": secret("sec-team"), "Environment": "prod"}}, []),
]


@pytest.mark.parametrize("props, expected", TAG_CASES)
def test_required_tags(runner, props, expected):
    assert details(runner(CONFIG).analyze(resource(VPC, props))) == expected


def test_defaults_apply_without_config(runner):
    # the schema's defaults: Owner and Environment
    assert details(runner().analyze(resource(VPC, {"tags": {"Owner": "x"}}))) == [
        "Missing required tag(s): Environment."
    ]


def test_unknown_tag_map_is_not_a_violation(runner):
    verdict = runner({"all": "mandatory"}).analyze(resource(VPC, {"tags": UNKNOWN_OBJECT}))
    [d] = verdict.violations_of("required-tags")
    assert d.level == "advisory"
    assert d.message.startswith(
        "can't run policy 'required-tags' from policy pack 'tagging@v1.0.0' during preview"
    )


def test_bad_config_is_rejected_like_the_engine_does(runner):
    with pytest.raises(ConfigValidationError) as info:
        runner({"required-tags": {"requiredTags": "Owner"}})
    assert info.value.lines[0].startswith(
        "validating policy config: tagging 1.0.0  required-tags: requiredTags:"
    )


def test_untaggable_types_are_not_applicable(runner):
    verdict = runner().analyze(resource("aws:ec2/securityGroupRule:SecurityGroupRule", {"type": "ingress"}))
    [reason] = [n.reason for n in verdict.not_applicable if n.policy_name == "required-tags"]
    assert reason.startswith("Policy only applies to resources of type")


# -- remediation ----------------------------------------------------------------------------------


REMEDIATING = {"required-tags": {**CONFIG["required-tags"], "enforcementLevel": "remediate"}}


def remediate(runner, props, config=CONFIG, type_=VPC):
    conf = {**config, "required-tags": {**config["required-tags"], "enforcementLevel": "remediate"}}
    return runner(conf).remediate(resource(type_, props))


def test_remediation_adds_configured_defaults_only(runner):
    fixed = remediate(runner, {"cidrBlock": "10.0.0.0/16", "tags": {"Name": "main"}})
    # Environment has a default, Owner does not: only Environment is added
    fixed.assert_remediated("required-tags", tags={"Name": "main", "Environment": "dev"})
    assert fixed.after == {"cidrBlock": "10.0.0.0/16", "tags": {"Name": "main", "Environment": "dev"}}


def test_remediated_inputs_still_report_what_could_not_be_fixed(runner):
    pack = runner(REMEDIATING)
    fixed = pack.remediate(resource(VPC, {"tags": {}}))
    fixed.assert_remediated("required-tags", tags={"Environment": "dev"})
    # the engine analyzes the remediated inputs; at level remediate violations are reported mandatory
    found = pack.analyze(resource(VPC, fixed.after)).violations_of("required-tags")
    assert [(d.level, d.message.partition("\n")[2]) for d in found] == [
        ("mandatory", "Missing required tag(s): Owner.")
    ]


def test_remediation_keeps_secret_tag_values_secret(runner):
    fixed = remediate(runner, {"tags": {"Owner": secret("sec-team")}, "password": secret("p")})
    assert fixed.after["tags"] == {
        "Owner": {SIG_KEY: SIG_SECRET, "value": "sec-team"},
        "Environment": "dev",
    }
    assert fixed.after["password"] == {SIG_KEY: SIG_SECRET, "value": "p"}


def test_remediation_keeps_a_secret_tag_map_secret(runner):
    fixed = remediate(runner, {"tags": secret({"Owner": "sec-team"})})
    assert fixed.after["tags"] == {
        SIG_KEY: SIG_SECRET,
        "value": {"Owner": "sec-team", "Environment": "dev"},
    }


def test_remediation_leaves_unknown_values_in_place(runner):
    fixed = remediate(runner, {"tags": {"Owner": UNKNOWN_STRING}, "vpcId": UNKNOWN_STRING, "__defaults": []})
    fixed.assert_remediated("required-tags")
    assert fixed.after == {
        "tags": {"Owner": UNKNOWN_STRING, "Environment": "dev"},
        "vpcId": UNKNOWN_STRING,
        "__defaults": [],
    }


def test_nothing_to_add_means_no_remediation(runner):
    remediate(runner, {"tags": {"Owner": "a", "Environment": "prod"}}).assert_not_remediated()
    no_defaults = {"required-tags": {"requiredTags": ["Owner"], "defaultTagValues": {}}}
    remediate(runner, {"tags": {}}, config=no_defaults).assert_not_remediated()


# -- GCP labels -----------------------------------------------------------------------------------


GCP_BUCKET = "gcp:storage/bucket:Bucket"
LABELS_CONFIG = {
    "required-labels": {"requiredLabels": ["owner"], "defaultLabelValues": {"owner": "platform"}}
}


def test_gcp_labels(runner):
    pack = runner(LABELS_CONFIG)
    assert details(pack.analyze(resource(GCP_BUCKET, {"labels": {"owner": "x"}})), "required-labels") == []
    assert details(pack.analyze(resource(GCP_BUCKET, {"name": "b"})), "required-labels") == [
        "Missing required label(s): owner."
    ]
    remediating = runner(
        {"required-labels": {**LABELS_CONFIG["required-labels"], "enforcementLevel": "remediate"}}
    )
    fixed = remediating.remediate(resource(GCP_BUCKET, {"name": "b"}))
    fixed.assert_remediated("required-labels", labels={"owner": "platform"})
    assert fixed.after == {"name": "b", "labels": {"owner": "platform"}}
