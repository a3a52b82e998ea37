"""Selector syntax: stack/account globs and tag selectors."""

from __future__ import annotations

import pytest

from policy_host.entities.patterns import (
    compile_account_pattern,
    compile_stack_pattern,
    parse_stack_name,
    parse_tag_selector,
)
from policy_host.errors import InputError


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [
        ("acme/web/prod", ["acme/web/prod"], ["acme/web/prod2", "acme/web/dev"]),
        ("acme/*/prod", ["acme/web/prod", "acme/api/prod"], ["acme/web/dev", "other/web/prod"]),
        ("acme/web/prod-?", ["acme/web/prod-1"], ["acme/web/prod-10"]),
        ("acme/web/[ps]*", ["acme/web/prod", "acme/web/staging"], ["acme/web/dev"]),
        ("acme/web/[!d]*", ["acme/web/prod"], ["acme/web/dev"]),
        ("acme/**", ["acme/web/prod"], ["acme2/web/prod"]),
        ("**/prod", ["acme/web/prod", "x/y/prod"], ["acme/web/preprod"]),
        ("*/*/*", ["a/b/c"], []),
    ],
)
def test_stack_globs(pattern, matching, not_matching):
    rx = compile_stack_pattern(pattern)
    for name in matching:
        assert rx.match(name), name
    for name in not_matching:
        assert not rx.match(name), name


def test_star_never_crosses_a_segment():
    assert not compile_account_pattern("prod/*").match("prod/us-west-2/extra")
    assert compile_account_pattern("prod/**").match("prod/us-west-2/extra")
    assert compile_account_pattern("123456789012").match("123456789012")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("acme/*", "expected 3 segments"),
        ("acme/web/prod/x", "expected 3 segments"),
        ("acme//prod", "empty segment"),
        ("/web/prod", "empty segment"),
        ("acme/[web/prod", "'[' without a closing ']'"),
        ("acme/web]/prod", "']' without an opening '['"),
        ("acme/w**/prod", "'**' must be a whole segment"),
        ("acme/we b/prod", "not allowed"),
        ("", "empty"),
        (" acme/web/prod", "surrounded by spaces"),
    ],
)
def test_bad_stack_patterns_name_the_problem(pattern, message):
    with pytest.raises(InputError, match="invalid stack pattern") as info:
        compile_stack_pattern(pattern)
    assert message in str(info.value)


def test_tag_selectors():
    sel = parse_tag_selector("env=prod, team=web*")
    assert sel.expr == "env=prod,team=web*"
    assert sel.matches({"env": "prod", "team": "webapp", "x": "y"})
    assert not sel.matches({"env": "prod"})
    assert not sel.matches({"env": "dev", "team": "web"})
    for bad, msg in (("env", "expected key=value"), ("=x", "expected key=value"), ("a=1,a=2", "given twice")):
        with pytest.raises(InputError, match=msg):
            parse_tag_selector(bad)


def test_stack_names():
    assert parse_stack_name("acme/web/prod") == ("acme", "web", "prod")
    for bad in ("web/prod", "acme/web/prod/x", "acme/we b/prod", "acme/*/prod"):
        with pytest.raises(InputError, match="invalid stack name"):
            parse_stack_name(bad)
