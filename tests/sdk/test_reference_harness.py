"""The reference harness configures pulumi_policy's servicer like the engine: schema defaults, levels
from "all" and per policy, schema validation with the engine's message format."""

import pytest

from policy_host.errors import ConfigValidationError, InputError
from policy_host.sdk import resource_policy, stack_policy
from policy_host.sdk.reference_harness import ReferenceHarness

BUCKET = "aws:s3/bucket:Bucket"


def echo_config(args, report_violation):
    report_violation(repr(sorted(args.get_config().items())))


def policies():
    return [
        resource_policy(
            "echo",
            "Echo config.",
            types=[BUCKET],
            validate=echo_config,
            config_schema={
                "properties": {
                    "limit": {"type": "integer", "default": 3},
                    "names": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                },
                "required": ["names"],
            },
        ),
        resource_policy("other", "Other.", types=[BUCKET], validate=lambda a, rv: rv("x"), level="mandatory"),
    ]


def test_defaults_are_filled_in_and_numbers_arrive_as_floats():
    harness = ReferenceHarness(policies(), config={"echo": {"names": ["a"]}})
    [v] = harness.analyze(BUCKET, {}).of("echo")
    assert v.detail == "[('limit', 3.0), ('names', ['a'])]"


def test_levels_come_from_policy_then_all_then_the_policy_entry():
    harness = ReferenceHarness(policies(), config={"echo": {"names": ["a"]}})
    assert {v.policy: v.level for v in harness.analyze(BUCKET, {}).violations} == {
        "echo": "advisory",
        "other": "mandatory",
    }
    harness = ReferenceHarness(
        policies(), config={"all": "disabled", "echo": {"names": ["a"], "enforcementLevel": "mandatory"}}
    )
    assert {v.policy: v.level for v in harness.analyze(BUCKET, {}).violations} == {"echo": "mandatory"}


def test_invalid_config_raises_the_engine_lines():
    with pytest.raises(ConfigValidationError) as info:
        ReferenceHarness(policies(), version="1.2.3", pack="p", config={"echo": {"names": []}})
    [line] = info.value.lines
    # the engine's format (two spaces before the policy); the wording after "names: " is jsonschema's
    assert line.startswith("validating policy config: p 1.2.3  echo: names: [] ")
    with pytest.raises(ConfigValidationError, match="'names' is a required property"):
        ReferenceHarness(policies())


def test_bad_levels_are_input_errors():
    with pytest.raises(InputError, match="invalid enforcement level 'loud'"):
        ReferenceHarness(policies(), config={"echo": {"names": ["a"], "enforcementLevel": "loud"}})
    with pytest.raises(InputError, match="invalid enforcement level 'loud'"):
        ReferenceHarness(policies(), level="loud")


def test_stack_tags_reach_policies():
    policy = stack_policy("tags", "Tags.", validate=lambda args, rv: rv(dict(args.stack_tags)["team"]))
    verdict = ReferenceHarness([policy], stack_tags={"team": "infra"}).analyze_stack([])
    assert [v.detail for v in verdict.violations] == ["infra"]
