"""A pack whose process dies while analyzing the resource named "crash"."""

import os

from pulumi_policy import PolicyPack, ResourceValidationPolicy


def die(args, report_violation):
    if args.name == "crash":
        os._exit(3)


PolicyPack(
    name="crash-midrun",
    policies=[ResourceValidationPolicy(name="die", description="Dies on 'crash'.", validate=die)],
)
