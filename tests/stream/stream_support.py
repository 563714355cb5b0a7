"""Helpers of the stream integration tests (imported by module name)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from earlywarn.stream.process import WorkerProcess


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def events_seen(worker: WorkerProcess, topics: list[str]) -> float:
    return sum(worker.metric("earlywarn_events_total", topic=t) for t in topics)


def simulate(out: Path, *extra: str) -> list[dict[str, Any]]:
    """A small seeded simulator run (``earlywarn simulate``); its events in time order."""
    subprocess.run(
        [sys.executable, "-m", "earlywarn.cli", "simulate", "--out", str(out), "--no-progress",
         *extra],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return [orjson.loads(line) for line in (out / "events.jsonl").read_bytes().splitlines()]
