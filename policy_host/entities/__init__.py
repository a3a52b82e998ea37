"""Entities policies apply to: stacks (``org/project/stack``) and cloud accounts (``prod/us-east-1``), and
the glob patterns that select them. Shared by policy groups, exemptions and audit."""
