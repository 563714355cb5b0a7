"""A seeded simulator run through a real worker: no raw identifier on any regulator topic."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from stream_support import events_seen, simulate

from earlywarn.alerts import load_keys
from earlywarn.alerts.subscribe import AlertReader
from earlywarn.broker import EmbeddedBroker
from earlywarn.settings import Topics
from earlywarn.stream.client import produce_events
from earlywarn.stream.process import WorkerProcess, wait_for

pytestmark = pytest.mark.integration
TOPICS = Topics()
#: Every field of the input contract that identifies a person, line, device, account or
#: event, and the label's entity.
IDENTIFYING = (
    "event_id", "caller", "callee", "sender", "recipient", "payer_account", "payee_account",
    "payer_msisdn", "payee_msisdn", "caller_imei", "sender_imei", "cell_id", "entity_id",
)  # fmt: skip
_TOKEN = re.compile(r"[\w+.\-]+")


def identifiers(events: list[dict[str, Any]]) -> dict[str, str]:
    """raw value -> the field it came from."""
    return {str(e[f]): f for e in events for f in IDENTIFYING if e.get(f)}


def test_no_raw_identifier_reaches_a_regulator_topic(
    fresh_broker: EmbeddedBroker,
    start_worker: Callable[..., WorkerProcess],
    keys_file: Path,
    tmp_path: Path,
) -> None:
    events = simulate(
        tmp_path / "sim", "--seed", "3", "--subscribers", "400", "--days", "0.05",
        "--intensity", "0.15",
    )  # fmt: skip
    raws = identifiers(events)
    started = time.monotonic()
    worker = start_worker(partitions=2)
    ready = time.monotonic()
    produce_events(fresh_broker.bootstrap, events)
    inputs = sorted({e["topic"] for e in events})
    wait_for(lambda: events_seen(worker, inputs) >= len(events), 120, "every event scored")
    scored = time.monotonic()
    # The re-keyed hops finish after the inputs: read every regulator topic to its end until
    # what is there is what the worker says it published, twice in a row.
    countries = sorted(load_keys(keys_file).countries)
    messages: list[dict[str, Any]] = []

    def read_all() -> tuple[int, int]:
        reader = AlertReader(fresh_broker.bootstrap, [TOPICS.regulator(cc) for cc in countries])
        try:
            messages[:] = reader.read_all(timeout_s=60)
            assert reader.bad == 0
        finally:
            reader.close()
        return len(messages), int(worker.metric("earlywarn_regulator_alerts_total"))

    counts: list[tuple[int, int]] = []

    def settled() -> bool:
        counts.append(read_all())
        on_topics, published = counts[-1]
        return on_topics == published and counts[-2:] == [counts[-1]] * 2

    wait_for(settled, 90, "regulator copies to settle")
    typologies = Counter(str(m["typology"]) for m in messages)
    assert len(messages) > 20, "too few regulator copies for the scan to mean much"
    assert len(typologies) >= 3, typologies

    hits: Counter[str] = Counter()
    text = "\n".join(orjson.dumps(m).decode() for m in messages)
    tokens = set(_TOKEN.findall(text))
    for raw, field in raws.items():
        if raw in tokens or (len(raw) >= 6 and raw in text):
            hits[field] += 1
    print(
        f"regulator scan: {len(messages)} messages on {len(countries)} topics, "
        f"{len(raws)} raw identifiers from {len(events)} events, hits {sum(hits.values())}; "
        f"worker ready {ready - started:.1f}s, scored {scored - ready:.1f}s; {dict(typologies)}"
    )
    assert not hits, f"raw identifiers on regulator topics, by field: {dict(hits)}"
    assert all(m["pseudonymised"] is True and m["key_id"] for m in messages)
    assert {m["key_id"] for m in messages} <= {f"{cc.lower()}-dev-1" for cc in countries}
