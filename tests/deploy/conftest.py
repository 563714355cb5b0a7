"""Fixtures for deployment and observability tests (broker and worker ones: tests/conftest.py)."""

from __future__ import annotations

import pytest
from deploy_support import find_tool


@pytest.fixture(scope="session")
def promtool() -> str:
    path = find_tool("promtool")
    if path is None:
        pytest.skip(
            "promtool not found: install Debian's prometheus package "
            "(apt-get install -y prometheus); .ci/run does"
        )
    return path
