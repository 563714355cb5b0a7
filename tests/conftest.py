"""Shared fixtures for the whole test suite.

Broker fixtures
---------------
``broker``
    One embedded Tansu broker for the test session, on a free port, stopped at the end.
    Memory storage never frees (BROKER.md #4), so tests share it and use unique topic names.
``make_topic``
    Factory creating a uniquely named topic on ``broker``; returns its name.

Worker fixtures (integration tests of the stream and of deploy/)
-----------------------------------------------------------------
``fresh_broker``
    A broker of the test's own: topics start empty, memory is freed afterwards.
``keys_file``
    Development pseudonymisation keys for a few jurisdictions.
``start_worker``
    ``start(partitions=1, name="w1", env=None, ready=True, app_id=None) -> WorkerProcess``;
    every worker it started is stopped at teardown. Workers share one app id (one consumer
    group) unless ``app_id`` is given.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from earlywarn.alerts import write_dev_keys
from earlywarn.broker import EmbeddedBroker, create_topics
from earlywarn.stream.process import WorkerProcess

KEY_COUNTRIES = ("TH", "MY", "NG", "SG", "ID", "PH", "VN")


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fresh_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own: topics start empty, memory is freed afterwards."""
    with EmbeddedBroker(port=0, log_path=tmp_path / "tansu.log") as running:
        yield running


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    write_dev_keys(path, KEY_COUNTRIES)
    return path


@pytest.fixture
def start_worker(
    fresh_broker: EmbeddedBroker, keys_file: Path, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """``start(partitions=1, name="w1", env=None, ready=True) -> WorkerProcess``."""
    started: list[WorkerProcess] = []
    default_app_id = f"ew-{uuid.uuid4().hex[:8]}"

    def start(
        *,
        partitions: int = 1,
        name: str = "w1",
        env: dict[str, str] | None = None,
        ready: bool = True,
        app_id: str | None = None,
    ) -> WorkerProcess:
        worker = WorkerProcess(
            broker=fresh_broker.url,
            web_port=_free_port(),
            data_dir=tmp_path / name / "data",
            keys_file=keys_file,
            log_path=tmp_path / name / "worker.log",
            app_id=app_id or default_app_id,
            partitions=partitions,
            env=env,
        )
        started.append(worker.start())
        if ready:
            worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
