"""Two deployments share intel on one broker: B flags A's Wangiri caller sooner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from stream_support import events_seen

from earlywarn.alerts import load_keys
from earlywarn.broker import EmbeddedBroker
from earlywarn.contract.alert import iso
from earlywarn.settings import Topics
from earlywarn.stream.client import TopicReader, produce_events
from earlywarn.stream.process import WorkerProcess, wait_for

pytestmark = pytest.mark.integration
CALLER = "+2348031230000"
T0 = 1_795_413_600.0  # 2026-11-23T06:00:00Z
CALLS = 40
#: Deployment B's own topics (EARLYWARN_TOPICS_*), sharing only the intel topic with A.
B_TOPICS = {
    "cdr": "b.telco.cdr",
    "sms": "b.telco.sms",
    "payments": "b.payments.events",
    "labels": "b.earlywarn.labels",
    "alerts_operators": "b.earlywarn.alerts.operators",
    "alerts_regulators_prefix": "b.earlywarn.alerts.regulators.",
    "deadletter": "b.earlywarn.deadletter",
    "payments_by_payee": "b.earlywarn.payments.by-payee",
    "internal_prefix": "b.",
}


def campaign(prefix: str, operator: str, start: float, topic: str) -> list[dict[str, Any]]:
    """``CALLS`` one-ring calls from ``CALLER`` to distinct Thai numbers, 12 s apart."""
    return [
        {
            "topic": topic,
            "event_id": f"{prefix}-{i}",
            "event_time": iso(start + 12 * i),
            "operator": operator,
            "caller": CALLER,
            "callee": f"+668123{i:05d}",
            "answered": False,
            "duration_s": 0,
        }
        for i in range(CALLS)
    ]


def first_alert_index(alerts: list[dict[str, Any]], prefix: str) -> int:
    """Index in the campaign of the call that triggered the first alert on ``CALLER``."""
    triggers = [
        int(a["trigger_event_id"].rsplit("-", 1)[1]) for a in alerts if a["entity_id"] == CALLER
    ]
    assert triggers, f"no alert on the caller in deployment {prefix}"
    return min(triggers)


def read(bootstrap: str, topic: str, done: Callable[[list[Any]], bool]) -> list[dict[str, Any]]:
    reader = TopicReader(bootstrap, [topic])
    try:
        return [v for _, v in reader.read_until(done, timeout_s=60)]
    finally:
        reader.close()


def test_intel_from_one_deployment_makes_another_flag_the_caller_sooner(
    fresh_broker: EmbeddedBroker,
    start_worker: Callable[..., WorkerProcess],
    keys_file: Path,
) -> None:
    topics = Topics()
    b_topics = Topics(**B_TOPICS)
    b_env = {f"EARLYWARN_TOPICS_{k.upper()}": v for k, v in B_TOPICS.items()}
    a = start_worker(name="a", app_id="ew-operator-a", env={"EARLYWARN_INTEL_COUNTRY": "TH"})
    b = start_worker(name="b", app_id="ew-operator-b", env=b_env)
    bootstrap = fresh_broker.bootstrap

    # A (no intel yet) sees the campaign, alerts, escalates to critical, publishes.
    produce_events(bootstrap, campaign("a", "TH-AIS", T0, topics.cdr))
    intel = read(bootstrap, topics.intel, lambda seen: bool(seen))
    pseudonym = load_keys(keys_file).intel_pseudonym(CALLER)
    assert [i["indicator"] for i in intel] == [pseudonym]
    assert intel[0]["pseudonymised"] is True and intel[0]["source_country"] == "TH"
    assert CALLER not in json.dumps(intel)
    a_alerts = read(
        bootstrap,
        topics.alerts_operators,
        lambda seen: any(v["severity"] == "critical" for _, v in seen),
    )
    without_intel = first_alert_index(a_alerts, "a")

    # B has consumed the indicator; then the same caller rings B's subscribers.
    wait_for(lambda: b.metric("earlywarn_events_total", topic=topics.intel) >= 1, 60, "B intel")
    produce_events(bootstrap, campaign("b", "MY-MAXIS", T0 + 3600, b_topics.cdr))
    wait_for(lambda: events_seen(b, [b_topics.cdr]) >= CALLS, 60, "B scored the campaign")
    # B's own Wangiri detector later escalates to critical as well (a new alert id).
    b_alerts = read(
        bootstrap,
        b_topics.alerts_operators,
        lambda seen: any(v["severity"] == "critical" for _, v in seen),
    )
    with_intel = first_alert_index(b_alerts, "b")
    print(f"intel round trip: first alert at call {without_intel + 1} without intel (A), "
          f"at call {with_intel + 1} with intel (B)")  # fmt: skip
    assert with_intel < without_intel
    assert any(r["feature"] == "shared_intel" for r in b_alerts[0]["reasons"])
    critical = next(a for a in b_alerts if a["severity"] == "critical")
    assert critical["supersedes"] == b_alerts[0]["alert_id"]  # the update stream links them

    # No echo: B's critical alert names an entity partners already share, so it publishes
    # nothing. Its indicator would have been sent right after the alert; absence can only
    # be checked with a bounded read.
    reader = TopicReader(bootstrap, [topics.intel])
    try:
        assert len(reader.read_until(lambda seen: len(seen) > 1, timeout_s=3)) == 1
    finally:
        reader.close()
    # A's data never reached B's topics.
    assert events_seen(a, [topics.cdr]) == CALLS
    assert a.metric("earlywarn_events_total", topic=b_topics.cdr) == 0
