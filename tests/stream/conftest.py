"""Fixtures for worker-level integration tests: a fresh broker and worker processes."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from earlywarn.alerts import write_dev_keys
from earlywarn.broker import EmbeddedBroker
from earlywarn.stream.process import WorkerProcess

KEY_COUNTRIES = ("TH", "MY", "NG", "SG", "ID", "PH", "VN")


def free_port() -> int:
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
    """``start(partitions=1, name="w1") -> WorkerProcess`` (ready); all stopped at teardown."""
    started: list[WorkerProcess] = []
    app_id = f"ew-{uuid.uuid4().hex[:8]}"

    def start(*, partitions: int = 1, name: str = "w1", ready: bool = True) -> WorkerProcess:
        worker = WorkerProcess(
            broker=fresh_broker.url,
            web_port=free_port(),
            data_dir=tmp_path / name / "data",
            keys_file=keys_file,
            log_path=tmp_path / name / "worker.log",
            app_id=app_id,
            partitions=partitions,
        )
        started.append(worker.start())
        if ready:
            worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
