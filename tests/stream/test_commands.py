"""The worker through Faust's own CLI, and the broker command's errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from earlywarn.broker import EmbeddedBroker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.integration
def test_faust_cli_runs_the_same_app(
    fresh_broker: EmbeddedBroker, keys_file: Path, tmp_path: Path
) -> None:
    faust = Path(sys.executable).with_name("faust")
    env = {
        **os.environ,
        "EARLYWARN_BROKER": fresh_broker.url,
        "EARLYWARN_KEYS_FILE": str(keys_file),
        "EARLYWARN_DATA_DIR": str(tmp_path / "data"),
        "EARLYWARN_WEB_PORT": str(free_port()),
        "EARLYWARN_APP_ID": "ew-faust-cli",
        "EARLYWARN_PARTITIONS": "1",
    }
    log = tmp_path / "faust.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(faust), "-A", "earlywarn.app", "worker", "-l", "info"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while "Worker ready" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        text = log.read_text()
        assert "earlywarn.cdr" in text or "telco.cdr" in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def test_broker_command_says_what_to_do_when_the_port_is_taken() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "earlywarn.cli", "broker", "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2
    assert str(port) in result.stderr and "--port" in result.stderr


@pytest.mark.integration
def test_simulate_feeds_a_broker_given_as_a_kafka_url(
    fresh_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    from earlywarn.cli import main
    from earlywarn.stream.client import TopicReader

    code = main(["simulate", "--broker", fresh_broker.url, "--subscribers", "300",
                 "--days", "0.05", "--no-progress",
                 "--truth", str(tmp_path / "truth.json")])  # fmt: skip
    assert code == 0
    reader = TopicReader(fresh_broker.bootstrap, ["telco.cdr", "telco.sms"])
    seen = reader.read_until(lambda s: len(s) >= 100, timeout_s=30)
    reader.close()
    assert len(seen) >= 100
    assert (tmp_path / "truth.json").exists()
