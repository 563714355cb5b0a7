"""Fixtures for deployment and observability tests: promtool, a fresh broker, a worker."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from deploy_support import find_tool, free_port

from earlywarn.alerts import write_dev_keys
from earlywarn.broker import EmbeddedBroker
from earlywarn.stream.process import WorkerProcess

KEY_COUNTRIES = ("TH", "MY", "ID", "PH", "VN", "SG")


@pytest.fixture(scope="session")
def promtool() -> str:
    path = find_tool("promtool")
    if path is None:
        pytest.skip(
            "promtool not found: install Debian's prometheus package "
            "(apt-get install -y prometheus); .ci/run does"
        )
    return path


@pytest.fixture
def fresh_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
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
    app_id = f"ew-{uuid.uuid4().hex[:8]}"

    def start(
        *,
        partitions: int = 1,
        name: str = "w1",
        env: dict[str, str] | None = None,
        ready: bool = True,
    ) -> WorkerProcess:
        worker = WorkerProcess(
            broker=fresh_broker.url,
            web_port=free_port(),
            data_dir=tmp_path / name / "data",
            keys_file=keys_file,
            log_path=tmp_path / name / "worker.log",
            app_id=app_id,
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
