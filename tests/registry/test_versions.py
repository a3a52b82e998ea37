"""Version ordering used for "newest wins" and ``latest``."""

from __future__ import annotations

import pytest

from policy_host.registry.versions import is_semver, newest, version_key


def test_semver_precedence():
    tags = ["1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
            "0.9.9", "1.10.0", "1.2.0", "2.0.0"]  # fmt: skip
    assert sorted(tags, key=version_key) == [
        "0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
        "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "2.0.0",
    ]  # fmt: skip


def test_partial_and_prefixed_versions():
    assert version_key("v1.2") > version_key("1.1.9")
    assert version_key("1.2") < version_key("1.2.1")
    assert newest(["v2", "1.9.9"]) == "v2"


def test_non_semver_tags_sort_below_semver_and_among_themselves_by_text():
    assert not is_semver("nightly")
    assert sorted(["nightly", "0.0.1", "abc"], key=version_key) == ["abc", "nightly", "0.0.1"]


@pytest.mark.parametrize("a,b", [("1.0.0+build1", "1.0.0+build2"), ("1.0", "1.0.0")])
def test_distinct_tags_never_compare_equal(a, b):
    assert version_key(a) != version_key(b)


def test_newest_of_nothing():
    assert newest([]) is None
