"""Writing a rendered report to ``--out FILE``: one line naming the file when it cannot be written."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def write_output(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``; InputError with the file and the reason on failure."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot write report: {e.strerror or e}") from None
