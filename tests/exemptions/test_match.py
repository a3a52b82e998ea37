"""Exemption matching: policy refs x URN glob, type, stack/account pattern, resource tags, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from policy_host.entities.ref import EntityRef
from policy_host.errors import InputError, StoreError
from policy_host.exemptions import Exemption, create, list_exemptions, match, parse_expiry, remove, urn_type
from policy_host.exemptions.match import resource_tags, validate
from policy_host.model import Resource
from policy_host.wire.values import make_secret

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STACK = EntityRef("stack", "acme/web/prod")
ACCOUNT = EntityRef("account", "prod/us-west-2")
URN = "urn:pulumi:prod::web::aws:s3/bucket:Bucket::logs"


def bucket(tags=None, urn=URN):
    props = {"acl": "private"}
    if tags is not None:
        props["tags"] = tags
    return Resource(type="aws:s3/bucket:Bucket", urn=urn, name="logs", properties=props)


def ex(id="e1", policies=("no-public",), **kw):
    kw.setdefault("reason", "because")
    kw.setdefault("owner", "team")
    return Exemption(id=id, policies=tuple(policies), **kw)


def test_policy_names_and_globs_and_pack_qualified_refs():
    exs = [ex(policies=("s3-*",)), ex("e2", policies=("other-pack:encrypt",))]
    assert match(exs, bucket(), STACK, "s3-public", NOW).id == "e1"
    assert match(exs, bucket(), STACK, "encrypt", NOW, pack_name="other-pack").id == "e2"
    assert match(exs, bucket(), STACK, "encrypt", NOW, pack_name="my-pack") is None
    assert match(exs, bucket(), STACK, "ec2-public", NOW) is None


def test_urn_glob_and_type():
    e = [ex(urn="urn:pulumi:prod::web::aws:s3/bucket:Bucket::log*", resource_type="aws:s3/*")]
    assert match(e, bucket(), STACK, "no-public", NOW)
    assert match(e, bucket(urn=URN.replace("logs", "data")), STACK, "no-public", NOW) is None
    # A bare URN works too: the type is read from it.
    assert match(e, URN, STACK, "no-public", NOW)
    assert urn_type("urn:pulumi:s::p::my:comp:Comp$aws:s3/bucket:Bucket::b") == "aws:s3/bucket:Bucket"
    # Resource-scoped exemptions never cover stack-level violations without a resource.
    assert match(e, None, STACK, "no-public", NOW) is None
    assert match([ex()], None, STACK, "no-public", NOW)


def test_stack_and_account_scopes():
    e = [ex(stack="acme/*/prod"), ex("e2", account="prod/*")]
    assert match(e, bucket(), STACK, "no-public", NOW).id == "e1"
    assert match(e, bucket(), EntityRef("stack", "acme/web/dev"), "no-public", NOW) is None
    assert match(e, bucket(), ACCOUNT, "no-public", NOW).id == "e2"
    assert (
        match([ex(stack="acme/*/prod")], bucket(), EntityRef("account", "acme/x/prod"), "no-public", NOW)
        is None
    )


def test_resource_tags_including_secrets_and_kubernetes_labels():
    e = [ex(resource_tags={"data-classification": "non-prod*"})]
    assert match(e, bucket({"data-classification": "non-production"}), STACK, "no-public", NOW)
    assert match(e, bucket({"data-classification": make_secret("non-production")}), STACK, "no-public", NOW)
    assert match(e, bucket({"data-classification": "production"}), STACK, "no-public", NOW) is None
    assert match(e, bucket(), STACK, "no-public", NOW) is None
    assert match(e, URN, STACK, "no-public", NOW) is None  # a URN alone carries no tags
    pod = Resource("kubernetes:core/v1:Pod", "urn:x", "p", {"metadata": {"labels": {"team": "web"}}})
    assert resource_tags(pod) == {"team": "web"}


def test_expired_exemptions_stop_applying():
    e = ex(expires_at=NOW)
    assert e.status(NOW - timedelta(seconds=1)) == "active"
    assert e.status(NOW) == "expired"
    assert match([e], bucket(), STACK, "no-public", NOW) is None
    assert match([e], bucket(), STACK, "no-public", NOW - timedelta(hours=1)) is e


def test_first_match_by_id_is_deterministic():
    exs = [ex("zeta"), ex("alpha"), ex("mid")]
    assert match(exs, bucket(), STACK, "no-public", NOW).id == "alpha"
    assert match(list(reversed(exs)), bucket(), STACK, "no-public", NOW).id == "alpha"


def test_expiry_parsing():
    assert parse_expiry("2026-12-31") == datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_expiry("2026-12-31T18:00:00Z") == datetime(2026, 12, 31, 18, tzinfo=UTC)
    assert parse_expiry("2026-12-31T18:00:00+02:00") == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert parse_expiry(None) is None
    with pytest.raises(InputError, match="invalid expiry 'next week'"):
        parse_expiry("next week")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"policies": ()}, "name at least one policy"),
        ({"reason": " "}, "a reason is required"),
        ({"owner": ""}, "an owner is required"),
        ({"stack": "acme/*"}, "invalid stack pattern"),
        ({"policies": ("a:b:c",)}, "invalid policy reference"),
        ({"id": "has space"}, "invalid exemption id"),
    ],
)
def test_validation(kwargs, message):
    with pytest.raises(InputError, match=message):
        validate(ex(**kwargs))


def test_store_round_trip_and_refusals(store):
    future = datetime.now(UTC) + timedelta(days=30)
    e = ex(
        "keep", urn="urn:*", resource_type="aws:*", stack="a/b/*", resource_tags={"k": "v"}, expires_at=future
    )
    with store.transaction() as s:
        create(s, e)
    with store.read() as s:
        (got,) = list_exemptions(s)
    assert got == e and got.created_at is not None
    with pytest.raises(StoreError, match="exemption keep already exists"):
        with store.transaction() as s:
            create(s, e)
    with pytest.raises(InputError, match="already in the past"):
        with store.transaction() as s:
            create(s, ex("late", expires_at=datetime.now(UTC) - timedelta(days=1)))
    with store.transaction() as s:
        remove(s, "keep")
    with pytest.raises(StoreError, match="exemption keep does not exist"):
        with store.transaction() as s:
            remove(s, "keep")
