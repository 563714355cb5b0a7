"""Helpers of the stream integration tests (imported by module name)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from earlywarn.stream.process import WorkerProcess


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
