"""Shared fixtures for the whole test suite.

Broker fixtures
---------------
``broker``
    One embedded Tansu broker for the test session, on a free port, stopped at the end.
    Memory storage never frees (BROKER.md #4), so tests share it and use unique topic names.
``make_topic``
    Factory creating a uniquely named topic on ``broker``; returns its name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from earlywarn.broker import EmbeddedBroker, create_topics


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """Start one embedded broker for the session; its log is in the session's tmp dir."""
    log_path = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(port=0, log_path=log_path) as running:
        yield running


@pytest.fixture
def make_topic(broker: EmbeddedBroker) -> Callable[..., str]:
    """Return ``make(prefix="t", partitions=1) -> name`` creating a fresh topic on ``broker``."""

    def make(prefix: str = "t", partitions: int = 1) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        create_topics(broker.bootstrap, {name: partitions})
        return name

    return make
