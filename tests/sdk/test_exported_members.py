"""The public surface of policy_host.sdk is exactly its __all__ (httpx's test_exported_members)."""

import policy_host.sdk as sdk


def test_all_lists_exactly_the_public_names():
    public = {
        name
        for name in dir(sdk)
        if not name.startswith("_")
        # submodules are reachable as attributes but are not part of the API surface
        and type(getattr(sdk, name)).__name__ != "module"
    }
    assert set(sdk.__all__) == public


def test_exports_report_the_public_module():
    for name in sdk.__all__:
        obj = getattr(sdk, name)
        if callable(obj):
            assert obj.__module__ == "policy_host.sdk", name


def test_all_has_no_duplicates():
    assert len(sdk.__all__) == len(set(sdk.__all__))
