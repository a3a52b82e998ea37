"""The policy-host exception tree.

    PolicyHostError                 anything we raise on purpose; ``str(e)`` is one user-facing line
    ├── UsageError                  bad flags or arguments (CLI exit code 2)
    ├── InputError                  a bad file: state export, config file, pack directory, ...
    │   └── ConfigValidationError   policy config fails a pack's schema (engine message format)
    ├── PackLoadError               a pack failed to load (its own message is kept verbatim)
    ├── PluginError                 a pack process misbehaved (no port, crashed, bad RPC answer)
    └── StoreError                  the store refused an operation (duplicate, in use, not found)

The CLI prints ``str(error)`` on one line and exits non-zero; no traceback reaches users.
"""

from __future__ import annotations


class PolicyHostError(Exception):
    """Base class: a failure with a message fit to show a user as is."""

    exit_code = 1


class UsageError(PolicyHostError):
    exit_code = 2


class InputError(PolicyHostError):
    """A bad input file or value. Name the file (and the place in it) in the message."""


class ConfigValidationError(InputError):
    """Policy pack config that does not satisfy the policies' schemas.

    ``lines`` are the engine-format lines ``validating policy config: <pack> <version>  <policy>: <err>``.
    """

    def __init__(self, lines: list[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines) if self.lines else "validating policy config")


class PackLoadError(PolicyHostError):
    """A pack could not be loaded; ``str(e)`` is the pack's own error text."""


class PluginError(PolicyHostError):
    """A pack process did not start or answered badly."""


class StoreError(PolicyHostError):
    """The store refused an operation; nothing was changed."""
