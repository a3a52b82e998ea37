"""Policy group use cases: defaults, aliases, membership, selectors, packs, refusals."""

from __future__ import annotations

import pytest

from policy_host.errors import ConfigValidationError, InputError, StoreError, UsageError
from policy_host.groups import (
    EntityRef,
    create_group,
    delete_group,
    edit_group,
    ensure_entity,
    get_group,
    list_groups,
)
from policy_host.groups.model import GroupEdit
from policy_host.registry import publish_dir
from tests._storekit import write_pack


@pytest.fixture
def schema_pack(store, tmp_path):
    d = write_pack(
        tmp_path,
        "limits",
        "1.0.0",
        [{"name": "max-size", "schema": {"size": {"type": "integer", "maximum": 10}}, "required": ["size"]}],
    )
    with store.transaction() as s:
        publish_dir(s, d)
    return "limits"


def test_default_groups_exist_with_aliases(store):
    with store.read() as s:
        summaries = list_groups(s)
        assert [(g.name, g.entity_type, g.mode, g.is_default) for g in summaries] == [
            ("default-accounts-policy-group", "accounts", "audit", True),
            ("default-policy-group", "stacks", "preventative", True),
        ]
        assert get_group(s, "default-preventative-policy-group").name == "default-policy-group"
        assert get_group(s, "default-audit-policy-group").name == "default-accounts-policy-group"
        assert get_group(s, "default-policy-group").aliases == ("default-preventative-policy-group",)


def test_default_groups_cannot_be_deleted_or_renamed(store):
    for name in ("default-policy-group", "default-audit-policy-group"):
        with pytest.raises(StoreError, match="cannot be deleted"):
            with store.transaction() as s:
                delete_group(s, name)
    with pytest.raises(StoreError, match="default policy group default-policy-group cannot be renamed"):
        with store.transaction() as s:
            edit_group(s, "default-policy-group", GroupEdit(new_name="mine", add_stacks=["a/b/c"]))
    with store.read() as s:
        g = get_group(s, "default-policy-group")
        assert g.stacks == () and g.revision == 0
        assert len(list_groups(s)) == 2


def test_reserved_and_duplicate_names(store):
    with store.transaction() as s:
        create_group(s, "team", "stacks")
    with pytest.raises(StoreError, match="policy group team already exists"):
        with store.transaction() as s:
            create_group(s, "team", "stacks")
    with pytest.raises(InputError, match="reserved"):
        with store.transaction() as s:
            create_group(s, "default-audit-policy-group", "accounts")
    with pytest.raises(InputError, match="invalid policy group name"):
        with store.transaction() as s:
            create_group(s, "bad name", "stacks")


def test_modes_and_entity_types(store):
    with store.transaction() as s:
        assert create_group(s, "st", "stacks").mode == "preventative"
        assert create_group(s, "ac", "accounts").mode == "audit"
        assert create_group(s, "st-audit", "stacks", "audit").mode == "audit"
    with pytest.raises(UsageError, match="must use audit mode"):
        with store.transaction() as s:
            create_group(s, "bad", "accounts", "preventative")
    with pytest.raises(UsageError, match="accounts can only join"):
        with store.transaction() as s:
            edit_group(s, "st", GroupEdit(add_accounts=["prod/us-west-2"]))
    # An audit group of accounts may also hold stacks (as in Pulumi).
    with store.transaction() as s:
        g = edit_group(s, "ac", GroupEdit(add_accounts=["prod/us-west-2"], add_stacks=["acme/web/prod"]))
    assert (g.accounts, g.stacks) == (("prod/us-west-2",), ("acme/web/prod",))


def test_edit_members_selectors_and_rename(store):
    with store.transaction() as s:
        create_group(s, "web", "stacks")
        edit_group(
            s,
            "web",
            GroupEdit(
                add_stacks=["acme/web/prod", "acme/web/dev"],
                add_stack_patterns=["acme/web/*"],
                add_tag_selectors=["env = prod"],
            ),
        )
        g = edit_group(s, "web", GroupEdit(new_name="web2", remove_stacks=["acme/web/dev"]))
    assert g.name == "web2" and g.stacks == ("acme/web/prod",)
    assert g.stack_patterns == ("acme/web/*",) and g.tag_selectors == ("env=prod",)
    assert g.revision == 2
    with store.read() as s:
        with pytest.raises(StoreError, match="policy group web does not exist"):
            get_group(s, "web")


def test_bad_selector_syntax_is_refused_and_nothing_changes(store):
    with store.transaction() as s:
        create_group(s, "sel", "stacks")
    with pytest.raises(InputError, match=r"invalid stack pattern 'acme/\*'"):
        with store.transaction() as s:
            edit_group(s, "sel", GroupEdit(add_stacks=["acme/web/prod"], add_stack_patterns=["acme/*"]))
    with pytest.raises(InputError, match="invalid tag selector"):
        with store.transaction() as s:
            edit_group(s, "sel", GroupEdit(add_tag_selectors=["env"]))
    with store.read() as s:
        g = get_group(s, "sel")
    assert (g.stacks, g.stack_patterns, g.revision) == ((), (), 0)


def test_removing_what_is_not_there_is_refused(store):
    with store.transaction() as s:
        create_group(s, "g", "stacks")
    for edit, msg in (
        (GroupEdit(remove_stacks=["a/b/c"]), "stack a/b/c is not a member of policy group g"),
        (GroupEdit(remove_stack_patterns=["a/*/c"]), "has no stack selector"),
        (GroupEdit(remove_packs=[("p", None)]), "policy pack p is not enabled in policy group g"),
    ):
        with pytest.raises(StoreError, match=msg):
            with store.transaction() as s:
                edit_group(s, "g", edit)


def test_pack_config_is_validated_against_the_schema(store, schema_pack):
    with store.transaction() as s:
        create_group(s, "cfg", "stacks")
    with pytest.raises(ConfigValidationError) as info:
        with store.transaction() as s:
            edit_group(
                s, "cfg", GroupEdit(add_packs=[("limits", "1.0.0", {"max-size": {"size": 50}}, "c.json")])
            )
    assert info.value.lines == [
        "validating policy config: limits 1.0.0  max-size: size: Must be less than or equal to 10"
    ]
    with pytest.raises(ConfigValidationError, match="max-size: size is required"):
        with store.transaction() as s:
            edit_group(s, "cfg", GroupEdit(add_packs=[("limits", "latest", {}, "c.json")]))
    with pytest.raises(InputError, match=r'c.json: parsing enforcement level for "all"'):
        with store.transaction() as s:
            edit_group(s, "cfg", GroupEdit(add_packs=[("limits", "1.0.0", {"all": "loud"}, "c.json")]))
    with pytest.raises(StoreError, match="policy pack limits has no version 2.0.0"):
        with store.transaction() as s:
            edit_group(
                s, "cfg", GroupEdit(add_packs=[("limits", "2.0.0", {"max-size": {"size": 1}}, "c.json")])
            )
    with store.read() as s:
        assert get_group(s, "cfg").packs == ()
    with store.transaction() as s:
        g = edit_group(
            s,
            "cfg",
            GroupEdit(add_packs=[("limits", "1.0.0", {"all": "mandatory", "max-size": {"size": 5}}, "c")]),
        )
    # Stored canonically: every entry an object.
    assert g.packs[0].config == {"all": {"enforcementLevel": "mandatory"}, "max-size": {"size": 5}}


def test_re_adding_an_unchanged_pin_keeps_its_modification_time(store, schema_pack):
    cfg = {"max-size": {"size": 5}}
    with store.transaction() as s:
        create_group(s, "pins", "stacks")
        first = edit_group(s, "pins", GroupEdit(add_packs=[("limits", "1.0.0", cfg, "c")])).packs[0]
    with store.transaction() as s:
        again = edit_group(s, "pins", GroupEdit(add_packs=[("limits", "1.0.0", cfg, "c")]))
    assert again.packs[0].modified_at == first.modified_at and again.revision == 1
    with store.transaction() as s:
        changed = edit_group(
            s, "pins", GroupEdit(add_packs=[("limits", "1.0.0", {"max-size": {"size": 6}}, "c")])
        )
    assert changed.packs[0].modified_at > first.modified_at


def test_new_entities_join_their_default_group_once(store):
    stack = EntityRef("stack", "acme/web/prod", {"env": "prod"})
    account = EntityRef("account", "prod/us-west-2")
    with store.transaction() as s:
        assert ensure_entity(s, stack) is True
        assert ensure_entity(s, account) is True
        assert ensure_entity(s, stack) is False
    with store.read() as s:
        g = get_group(s, "default-policy-group")
        assert [(m.name, m.source) for m in g.members] == [("acme/web/prod", "default")]
        assert get_group(s, "default-accounts-policy-group").accounts == ("prod/us-west-2",)
    # Removed by a user, it stays out: it is no longer new.
    with store.transaction() as s:
        edit_group(s, "default-policy-group", GroupEdit(remove_stacks=["acme/web/prod"]))
        assert ensure_entity(s, stack) is False
    with store.read() as s:
        assert get_group(s, "default-policy-group").stacks == ()


def test_explicit_member_of_default_before_first_sight(store):
    with store.transaction() as s:
        edit_group(s, "default-policy-group", GroupEdit(add_stacks=["acme/web/prod"]))
        assert ensure_entity(s, EntityRef("stack", "acme/web/prod")) is True
    with store.read() as s:
        assert [(m.name, m.source) for m in get_group(s, "default-policy-group").members] == [
            ("acme/web/prod", "explicit")
        ]


def test_delete_group(store, schema_pack):
    with store.transaction() as s:
        create_group(s, "tmp", "stacks")
        edit_group(
            s,
            "tmp",
            GroupEdit(add_stacks=["a/b/c"], add_packs=[("limits", "1.0.0", {"max-size": {"size": 1}}, "c")]),
        )
    with store.transaction() as s:
        delete_group(s, "tmp")
    with store.read() as s:
        assert [g.name for g in list_groups(s)] == ["default-accounts-policy-group", "default-policy-group"]
