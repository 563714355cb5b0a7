"""Adapters from public labelled data sets to contract payment events and ground truth."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from earlywarn.contract.events import TOPIC_PAYMENTS
from loadtest.sink import jsonl_line


def write_payments(events: Iterable[dict[str, Any]], path: Path) -> int:
    """Write payment payloads as JSONL (``"topic": "payments.events"``); returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("wb") as f:
        for payload in events:
            f.write(jsonl_line(TOPIC_PAYMENTS, payload))
            n += 1
    return n
