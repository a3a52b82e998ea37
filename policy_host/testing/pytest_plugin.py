"""pytest plugin (registered through the ``pytest11`` entry point): runs ``*.policy-test.yaml`` case files
as tests and offers a ``policy_pack`` fixture that loads packs through the test kit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ..errors import PolicyHostError
from ._cases import CASE_SUFFIX, PolicyTestCase, load_cases, run_case
from ._runner import PackRunner

_RUNNERS: dict[tuple[str, str], PackRunner] = {}


def _runner_for(pack_dir: Path) -> PackRunner:
    key = (str(pack_dir), "")
    if key not in _RUNNERS:  # a pack is loaded once per session; each case reconfigures it
        _RUNNERS[key] = PackRunner.load(pack_dir)
    return _RUNNERS[key]


class PolicyCaseFile(pytest.File):
    def collect(self):
        try:
            cases = load_cases(self.path)
        except PolicyHostError as e:
            raise self.CollectError(str(e)) from None
        for case in cases:
            yield PolicyCaseItem.from_parent(self, name=case.name, case=case)


class PolicyCaseItem(pytest.Item):
    def __init__(self, *, case: PolicyTestCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        problems = run_case(self.case, _runner_for(self.case.pack_dir))
        if problems:
            raise PolicyCaseFailure(problems)

    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        if isinstance(excinfo.value, PolicyCaseFailure):
            return "\n".join(excinfo.value.problems)
        if isinstance(excinfo.value, PolicyHostError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.name


class PolicyCaseFailure(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    if file_path.name.endswith(CASE_SUFFIX):
        return PolicyCaseFile.from_parent(parent, path=file_path)
    return None


@pytest.fixture
def policy_pack() -> Callable[..., PackRunner]:
    """Factory: ``policy_pack(pack_dir, config=None, stack_tags=None)`` -> a configured PackRunner."""

    def load(pack_dir: str | Path, config: Any = None, **kwargs: Any) -> PackRunner:
        return PackRunner.load(pack_dir, config, **kwargs)

    return load
