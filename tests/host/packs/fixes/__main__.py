"""Policies that hit each pulumi_policy bug policy-host deliberately fixes."""

import asyncio
import time

import fixes_state
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def remediate_reads_unknown(args):
    # Under the reference this sees the raw sentinel string and "fixes" it into garbage.
    name = args.props["bucketName"]
    return {**dict(args.props), "bucket": f"fixed-{name}"}


def remediate_copy(args):
    # A fresh dict copy: the reference loses the secretness of `password`.
    props = dict(args.props)
    props["acl"] = "private"
    return props


def crashes(args, report_violation):
    if args.props.get("crash"):
        raise ValueError("boom")


def hangs(args, report_violation):
    if args.props.get("hang"):
        while True:  # a busy loop: the host cuts it off
            time.sleep(0.01)


def uses_event_loop(args, report_violation):
    if not args.props.get("loopCheck"):
        return None

    async def lookup():
        await asyncio.sleep(0)
        return True

    # What Pulumi's sync helpers (e.g. provider get_* invokes) do. The reference fails here with
    # "There is no current event loop in thread ...".
    ok = asyncio.get_event_loop().run_until_complete(lookup())

    async def check():
        # and inside an async validator the loop is the running one
        report_violation(f"loop ok={ok and asyncio.get_event_loop() is asyncio.get_running_loop()}")

    return check()


def counts(args, report_violation):
    fixes_state.calls += 1


PolicyPack(
    name="fixes",
    enforcement_level=EnforcementLevel.MANDATORY,
    initial_config={"remediate-copy": {"enforcementLevel": "remediate"}},
    policies=[
        ResourceValidationPolicy(
            "remediate-unknown", "Reads an unknown in a remediation.", remediate=remediate_reads_unknown
        ),
        ResourceValidationPolicy(
            "remediate-copy", "Copies props in a remediation.", remediate=remediate_copy
        ),
        ResourceValidationPolicy("crashes", "Crashes on demand.", crashes),
        ResourceValidationPolicy("hangs", "Hangs on demand.", hangs),
        ResourceValidationPolicy(
            "event-loop",
            "Uses the current event loop.",
            uses_event_loop,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
        ResourceValidationPolicy(
            "counts", "Counts calls.", counts, enforcement_level=EnforcementLevel.ADVISORY
        ),
    ],
)
