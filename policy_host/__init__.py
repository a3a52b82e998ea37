"""policy-host: a fast, pulumi_policy-compatible policy engine for Pulumi."""

__version__ = "0.1.0"
