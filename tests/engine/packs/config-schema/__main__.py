"""One policy per JSON-schema keyword, for the config validation message tests."""

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy


def never(args, report_violation):
    pass


def policy(name, properties, required=None, level=None):
    return ResourceValidationPolicy(
        name=name,
        description=f"{name} description",
        validate=never,
        enforcement_level=level,
        config_schema=PolicyConfigSchema(properties=properties, required=required),
    )


PolicyPack(
    name="config-schema",
    policies=[
        policy(
            "validator", {"names": {"type": "array", "items": {"type": "string"}, "minItems": 1}}, ["names"]
        ),
        policy("typed", {"foo": {"type": "string"}}),
        policy("short", {"foo": {"type": "string", "maxLength": 3}}),
        policy("choice", {"foo": {"type": "string", "enum": ["bar", "baz"]}}),
        policy("fixed", {"foo": {"const": "bar"}}),
        policy(
            "ranged", {"n": {"type": "number", "minimum": 1, "maximum": 10}}, level=EnforcementLevel.MANDATORY
        ),
        policy("patterned", {"id": {"type": "string", "pattern": "^ab+$", "minLength": 2}}),
        policy(
            "defaults",
            {"limit": {"type": "integer", "default": 5}, "label": {"type": "string", "default": "x"}},
        ),
        ResourceValidationPolicy(name="no-schema", description="no schema", validate=never),
    ],
    initial_config={"defaults": {"label": "from-initial"}, "no-schema": EnforcementLevel.DISABLED},
)
