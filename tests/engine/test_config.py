"""Policy config: file format, reconciliation precedence and engine-format validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_host.errors import InputError
from policy_host.model import (
    ConfigSchema,
    EnforcementLevel,
    PackInfo,
    PolicyConfigEntry,
    PolicyInfo,
    PolicyType,
)
from policy_host.packs.config import (
    ENFORCEMENT_LEVEL_SCHEMA,
    inject_enforcement_level_schema,
    parse_config_file,
    parse_config_object,
    reconcile,
    validate,
)

A = EnforcementLevel.ADVISORY
M = EnforcementLevel.MANDATORY
R = EnforcementLevel.REMEDIATE
D = EnforcementLevel.DISABLED


def write(tmp_path: Path, text: str, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def policy(name: str, level=A, properties=None, required=()) -> PolicyInfo:
    schema = ConfigSchema(properties=properties, required=tuple(required)) if properties is not None else None
    return PolicyInfo(name, f"{name} description", PolicyType.RESOURCE, level, config_schema=schema)


def pack_of(*policies: PolicyInfo, initial=None, name="pk", version="1.0.0") -> PackInfo:
    return inject_enforcement_level_schema(
        PackInfo(name, version, tuple(policies), initial_config=initial or {})
    )


# ---------------------------------------------------------------------------------------------
# parse_config_file
# ---------------------------------------------------------------------------------------------


class TestParse:
    def test_string_and_object_forms(self, tmp_path):
        path = write(
            tmp_path,
            '{"all": "mandatory", "a": {"enforcementLevel": "advisory", "maxSize": 5}, "b": "disabled",'
            ' "c": {"names": ["x"]}}',
        )
        assert parse_config_file(path) == {
            "all": PolicyConfigEntry(M, {}),
            "a": PolicyConfigEntry(A, {"maxSize": 5}),
            "b": PolicyConfigEntry(D, {}),
            "c": PolicyConfigEntry(None, {"names": ["x"]}),
        }

    @pytest.mark.parametrize("text", ["", "   \n\t  "])
    def test_empty_file_means_no_config(self, tmp_path, text):
        assert parse_config_file(write(tmp_path, text)) == {}

    def test_environments_key_is_accepted_and_ignored(self, tmp_path):
        path = write(tmp_path, '{"environments": ["proj/env"], "a": "mandatory"}')
        assert parse_config_file(path) == {"a": PolicyConfigEntry(M, {})}

    def test_entries_saying_nothing_are_dropped(self, tmp_path):
        assert parse_config_file(write(tmp_path, '{"a": {}, "b": {"enforcementLevel": "remediate"}}')) == {
            "b": PolicyConfigEntry(R, {})
        }

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"a": 3}', 'parsing "a": 3 is not a valid value; must be a string or object'),
            ('{"a": 1.5}', 'parsing "a": 1.5 is not a valid value; must be a string or object'),
            ('{"a": true}', 'parsing "a": true is not a valid value; must be a string or object'),
            ('{"a": null}', 'parsing "a": <nil> is not a valid value; must be a string or object'),
            ('{"a": [1, "x"]}', 'parsing "a": [1 x] is not a valid value; must be a string or object'),
            (
                '{"a": "sometimes"}',
                'parsing enforcement level for "a": "sometimes" is not a valid enforcement level',
            ),
            (
                '{"a": {"enforcementLevel": 2}}',
                'parsing enforcement level for "a": 2 is not a valid enforcement level; must be a string',
            ),
            (
                '{"a": {"enforcementLevel": "never"}}',
                'parsing enforcement level for "a": "never" is not a valid enforcement level',
            ),
            ("[1, 2]", "expected a JSON object, got array"),
        ],
    )
    def test_bad_entries_name_the_file(self, tmp_path, text, message):
        path = write(tmp_path, text)
        with pytest.raises(InputError) as e:
            parse_config_file(path)
        assert str(e.value) == f"{path}: {message}"

    def test_bad_json_names_the_file_and_place(self, tmp_path):
        path = write(tmp_path, '{"a": "mandatory",\n  oops}')
        with pytest.raises(InputError, match=r"config\.json: invalid JSON at line 2 column 3"):
            parse_config_file(path)

    def test_missing_file(self, tmp_path):
        with pytest.raises(InputError, match="nope.json: cannot read policy config file"):
            parse_config_file(tmp_path / "nope.json")

    def test_object_parser_is_usable_without_a_file(self):
        assert parse_config_object({"x": "advisory"}) == {"x": PolicyConfigEntry(A, {})}
        with pytest.raises(ValueError, match='parsing "x"'):
            parse_config_object({"x": 1})


# ---------------------------------------------------------------------------------------------
# reconcile
# ---------------------------------------------------------------------------------------------


class TestReconcile:
    def test_defaults_and_policy_levels_are_the_base(self):
        pk = pack_of(policy("p", M, {"size": {"type": "integer", "default": 3}, "tag": {"type": "string"}}))
        assert reconcile(pk, {})["p"] == PolicyConfigEntry(M, {"size": 3})

    def test_initial_config_beats_defaults_and_file_beats_initial_config(self):
        pk = pack_of(
            policy(
                "p",
                A,
                {"size": {"type": "integer", "default": 3}, "name": {"type": "string", "default": "d"}},
            ),
            initial={"p": PolicyConfigEntry(M, {"size": 4})},
        )
        assert reconcile(pk, {})["p"] == PolicyConfigEntry(M, {"size": 4, "name": "d"})
        resolved = reconcile(pk, {"p": PolicyConfigEntry(None, {"name": "file"})})
        # Properties merge shallowly; the file's entry without a level keeps the initialConfig level.
        assert resolved["p"] == PolicyConfigEntry(M, {"size": 4, "name": "file"})

    def test_all_sets_every_level_then_specific_keys_win(self):
        pk = pack_of(policy("p"), policy("q"), policy("r", D))
        resolved = reconcile(pk, {"all": PolicyConfigEntry(M, {}), "q": PolicyConfigEntry(A, {})})
        assert {k: v.enforcement_level for k, v in resolved.items()} == {"p": M, "q": A, "r": M, "all": M}

    def test_all_and_unknown_names_are_kept(self):
        pk = pack_of(policy("p"))
        resolved = reconcile(
            pk, {"ghost": PolicyConfigEntry(D, {"x": 1}), "all": PolicyConfigEntry(None, {"y": 2})}
        )
        assert resolved["ghost"] == PolicyConfigEntry(D, {"x": 1})
        # "all" without a level changes no level; it is still sent.
        assert resolved["all"] == PolicyConfigEntry(None, {"y": 2})
        assert resolved["p"] == PolicyConfigEntry(A, {})

    def test_all_in_initial_config_then_file_per_policy(self):
        pk = pack_of(policy("p"), policy("q"), initial={"all": PolicyConfigEntry(D, {})})
        resolved = reconcile(pk, {"p": PolicyConfigEntry(M, {})})
        assert resolved["p"].enforcement_level == M
        assert resolved["q"].enforcement_level == D

    def test_nested_objects_are_replaced_not_merged(self):
        pk = pack_of(policy("p", A, {"o": {"type": "object", "default": {"a": 1, "b": 2}}}))
        resolved = reconcile(pk, {"p": PolicyConfigEntry(None, {"o": {"c": 3}})})
        assert resolved["p"].properties == {"o": {"c": 3}}


# ---------------------------------------------------------------------------------------------
# schema injection and validation messages
# ---------------------------------------------------------------------------------------------


def test_injection_adds_enforcement_level_to_every_policy():
    pk = pack_of(policy("with", A, {"x": {"type": "string"}}), policy("without"))
    for p in pk.policies:
        assert p.config_schema.properties["enforcementLevel"] == ENFORCEMENT_LEVEL_SCHEMA
    assert pk.policy("with").config_schema.properties["x"] == {"type": "string"}


def test_injection_skips_packs_without_config_support():
    raw = PackInfo("pk", "1", (policy("p"),), supports_config=False)
    assert inject_enforcement_level_schema(raw) is raw


def lines_for(properties: dict, props: dict, required=()) -> list[str]:
    pk = pack_of(policy("pol", A, properties, required), name="config-schema", version="3.0.0")
    return validate(pk, reconcile(pk, {"pol": PolicyConfigEntry(None, props)}))


PREFIX = "validating policy config: config-schema 3.0.0  pol: "


@pytest.mark.parametrize(
    ("schema", "required", "props", "expected"),
    [
        ({"names": {"type": "array"}}, ["names"], {}, "names is required"),
        (
            {"names": {"type": "array", "minItems": 1.0}},
            [],
            {"names": []},
            "names: Array must have at least 1 items",
        ),
        (
            {"names": {"type": "array", "maxItems": 1}},
            [],
            {"names": [1, 2]},
            "names: Array must have at most 1 items",
        ),
        ({"foo": {"type": "string"}}, [], {"foo": 1}, "foo: Invalid type. Expected: string, given: integer"),
        ({"foo": {"type": "string"}}, [], {"foo": 1.5}, "foo: Invalid type. Expected: string, given: number"),
        (
            {"foo": {"type": "integer"}},
            [],
            {"foo": "x"},
            "foo: Invalid type. Expected: integer, given: string",
        ),
        (
            {"foo": {"type": ["string", "null"]}},
            [],
            {"foo": 1},
            "foo: Invalid type. Expected: [string,null], given: integer",
        ),
        (
            {"foo": {"type": "string", "maxLength": 3.0}},
            [],
            {"foo": "abcd"},
            "foo: String length must be less than or equal to 3",
        ),
        (
            {"foo": {"type": "string", "minLength": 2}},
            [],
            {"foo": "a"},
            "foo: String length must be greater than or equal to 2",
        ),
        (
            {"foo": {"enum": ["bar", "baz"]}},
            [],
            {"foo": "qux"},
            'foo: foo must be one of the following: "bar", "baz"',
        ),
        ({"foo": {"const": "bar"}}, [], {"foo": "qux"}, 'foo: foo does not match: "bar"'),
        ({"foo": {"pattern": "^a+$"}}, [], {"foo": "b"}, "foo: Does not match pattern '^a+$'"),
        ({"n": {"minimum": 1}}, [], {"n": 0}, "n: Must be greater than or equal to 1"),
        ({"n": {"maximum": 10.0}}, [], {"n": 11}, "n: Must be less than or equal to 10"),
        ({"n": {"exclusiveMinimum": 1}}, [], {"n": 1}, "n: Must be greater than 1"),
        ({"n": {"exclusiveMaximum": 1.5}}, [], {"n": 2}, "n: Must be less than 1.5"),
        ({"n": {"multipleOf": 3}}, [], {"n": 4}, "n: Must be a multiple of 3"),
        ({"l": {"uniqueItems": True}}, [], {"l": [1, 2, 1]}, "l: array items[0,2] must be unique"),
        (
            {"names": {"items": {"type": "string"}}},
            [],
            {"names": ["a", 2]},
            "names.1: Invalid type. Expected: string, given: integer",
        ),
        (
            {"o": {"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]}},
            [],
            {"o": {}},
            "o: k is required",
        ),
        (
            {"o": {"type": "object", "additionalProperties": False, "properties": {"a": {}}}},
            [],
            {"o": {"a": 1, "b": 2}},
            "o: Additional property b is not allowed",
        ),
        ({"o": {"minProperties": 1}}, [], {"o": {}}, "o: Must have at least 1 properties"),
        ({"foo": {"format": "email"}}, [], {"foo": "not-an-email"}, "foo: Does not match format 'email'"),
        ({"foo": {"not": {"type": "string"}}}, [], {"foo": "x"}, "foo: Must not validate the schema (not)"),
        (
            {"foo": {"anyOf": [{"type": "string"}, {"type": "number"}]}},
            [],
            {"foo": True},
            "foo: Must validate at least one schema (anyOf)",
        ),
    ],
)
def test_validation_messages(schema, required, props, expected):
    assert PREFIX + expected in lines_for(schema, props, required)


def test_type_error_hides_other_errors_of_the_same_value():
    # gojsonschema stops at a wrong type; enum and maxLength are not also reported.
    assert lines_for({"foo": {"type": "string", "maxLength": 1, "enum": ["a"]}}, {"foo": 12}) == [
        PREFIX + "foo: Invalid type. Expected: string, given: integer"
    ]


def test_several_errors_are_all_reported_sorted():
    lines = lines_for(
        {"foo": {"type": "string", "maxLength": 3, "enum": ["bar", "baz"]}, "names": {"type": "array"}},
        {"foo": "abcd"},
        ["names"],
    )
    assert lines == sorted(
        [
            PREFIX + "foo: String length must be less than or equal to 3",
            PREFIX + 'foo: foo must be one of the following: "bar", "baz"',
            PREFIX + "names is required",
        ]
    )


def test_valid_config_gives_no_lines_and_enforcement_level_is_not_a_property():
    pk = pack_of(policy("pol", A, {"foo": {"type": "string"}}, ["foo"]))
    resolved = reconcile(pk, {"pol": PolicyConfigEntry(M, {"foo": "x"})})
    assert validate(pk, resolved) == []


def test_policies_without_config_are_validated_against_required():
    pk = pack_of(policy("pol", A, {"foo": {"type": "string"}}, ["foo"]), name="p", version="2")
    assert validate(pk, reconcile(pk, {})) == ["validating policy config: p 2  pol: foo is required"]


def test_invalid_schema_is_reported_as_a_line_not_raised():
    lines = lines_for({"foo": {"type": "not-a-type"}}, {"foo": 1})
    assert len(lines) == 1 and lines[0].startswith(PREFIX + "invalid config schema")
