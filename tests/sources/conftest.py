"""Fixtures for the discovery tests: one moto server per test module, dummy credentials."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._aws_env import moto_server, safe_aws_env


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with safe_aws_env(tmp_path_factory.mktemp("aws")):
        yield


@pytest.fixture(scope="module")
def moto_url(aws_env: None) -> Iterator[str]:
    with moto_server() as url:
        yield url
