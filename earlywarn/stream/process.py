"""Run ``earlywarn worker`` as a child process, and ask it how it is doing over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from prometheus_client.parser import text_string_to_metric_families


class WorkerProcess:
    """One worker subprocess with its own log file.

    Parameters
    ----------
    broker
        ``kafka://host:port``.
    web_port
        The worker's web port (``/metrics``, ``/tables``).
    data_dir, keys_file
        Passed through.
    extra_args
        More ``earlywarn worker`` flags.
    """

    def __init__(
        self,
        *,
        broker: str,
        web_port: int,
        data_dir: Path,
        keys_file: Path,
        log_path: Path,
        app_id: str = "earlywarn",
        partitions: int = 4,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.web_port = web_port
        self.log_path = log_path
        self.args = [
            sys.executable, "-m", "earlywarn.cli", "worker",
            "--broker", broker,
            "--web-port", str(web_port),
            "--data-dir", str(data_dir),
            "--keys", str(keys_file),
            "--app-id", app_id,
            "--partitions", str(partitions),
            *extra_args,
        ]  # fmt: skip
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    def start(self) -> WorkerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self._log_start = log.tell()  # readiness is judged on what this start writes
        self.proc = subprocess.Popen(
            self.args, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
        )
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _log_bytes(self) -> bytes:
        try:
            return self.log_path.read_bytes()
        except FileNotFoundError:
            return b""

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Wait until Faust says ``Worker ready`` (partitions assigned, tables recovered)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if b"Worker ready" in self._log_bytes()[self._log_start :]:
                return
            if not self.running:
                raise RuntimeError(f"worker exited early:\n{self.log_text()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready in {timeout_s}s:\n{self.log_text()[-3000:]}")

    def _get(self, path: str) -> bytes:
        url = f"http://127.0.0.1:{self.web_port}{path}"
        with urllib.request.urlopen(url, timeout=5) as resp:
            return bytes(resp.read())

    def metrics_text(self) -> str:
        return self._get("/metrics").decode()

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels``."""
        return metric_in(self.metrics_text(), name, **labels)

    def tables(self) -> dict[str, Any]:
        return dict(orjson.loads(self._get("/tables")))

    def settled_tables(self, timeout_s: float = 60.0) -> dict[str, Any]:
        """``/tables`` once three reads in a row agree (the internal re-keyed hops drained)."""
        reads: list[dict[str, Any]] = []

        def settled() -> bool:
            reads.append(self.tables())
            return len(reads) >= 3 and reads[-1] == reads[-2] == reads[-3]

        wait_for(settled, timeout_s, "table state to settle")
        return reads[-1]

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout_s``; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        return self.proc.returncode

    def kill(self) -> None:
        """``kill -9`` (for fault tests)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def metric_in(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` in Prometheus ``text`` whose labels include ``labels``.

    >>> metric_in('earlywarn_events_total{topic="telco.cdr"} 3.0\\n', "earlywarn_events_total")
    3.0
    """
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Poll ``condition`` every 0.2 s until it holds; return the seconds it took.

    Raises :class:`TimeoutError` naming ``what`` after ``timeout_s``.
    """
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(0.2)
    return time.monotonic() - started
