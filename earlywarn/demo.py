"""``make demo``: embedded broker + worker + the seeded sample, with a live alert view.

Everything it starts, it stops: on completion, on Ctrl-C, or on error.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from earlywarn.alerts import load_keys, write_dev_keys
from earlywarn.broker import EmbeddedBroker, EmbeddedBrokerError
from earlywarn.sample import MALFORMED, sample_events
from earlywarn.settings import Topics
from earlywarn.stream.client import TopicReader, produce_events, produce_raw
from earlywarn.stream.process import WorkerProcess

COUNTRIES = ("TH", "MY", "NG", "ID", "PH", "VN", "SG")
SEVERITY_MARK = {"low": ".", "medium": "!", "high": "!!", "critical": "!!!"}


def mask(entity_id: str) -> str:
    """Shorten an identifier for the terminal: ``+2348031234567`` → ``+23480…567``.

    >>> mask("+2348031234567")
    '+23480…567'
    """
    return entity_id if len(entity_id) <= 8 else f"{entity_id[:6]}…{entity_id[-3:]}"


def render(alert: dict[str, Any]) -> str:
    reason = alert["reasons"][0]["detail"] if alert.get("reasons") else ""
    return (
        f"{alert['event_time'][11:19]}  {alert['severity']:<8} {alert['typology']:<10} "
        f"{alert['entity_type']:<8} {mask(alert['entity_id']):<14} score {alert['score']:.2f}  "
        f"{alert['recommended_action']:<14} {reason}"
    )


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run_demo(*, data_dir: Path, web_port: int = 6066, seed: int = 7) -> int:
    topics = Topics()
    shutil.rmtree(data_dir / "worker", ignore_errors=True)  # stale tables of an older broker
    data_dir.mkdir(parents=True, exist_ok=True)
    keys_file = data_dir / "dev-keys.json"
    if not keys_file.exists():
        write_dev_keys(keys_file, COUNTRIES)
    if not _port_free(web_port):
        print(f"demo: port {web_port} is taken; use `earlywarn demo --web-port N`", file=sys.stderr)
        return 2
    events = sample_events(seed=seed)
    print(f"earlywarn demo: {len(events)} seeded events + {len(MALFORMED)} malformed messages")
    print("  development pseudonymisation keys:", keys_file, "(never use them in production)")
    try:
        broker = EmbeddedBroker(port=0, log_path=data_dir / "broker.log").start()
    except EmbeddedBrokerError as err:
        print(f"demo: {err}", file=sys.stderr)
        return 2
    worker = WorkerProcess(
        broker=broker.url,
        web_port=web_port,
        data_dir=data_dir / "worker",
        keys_file=keys_file,
        log_path=data_dir / "worker.log",
        partitions=4,
    )
    alerts: Counter[str] = Counter()
    dead: Counter[str] = Counter()
    reader: TopicReader | None = None
    try:
        print(f"  broker: {broker.url}  (log {data_dir / 'broker.log'})")
        worker.start()
        print(f"  worker starting (log {data_dir / 'worker.log'}) ...", flush=True)
        worker.wait_ready()
        print(f"  metrics: http://127.0.0.1:{web_port}/metrics\n")
        feeder = threading.Thread(target=_feed, args=(broker.bootstrap, events), daemon=True)
        feeder.start()
        reader = TopicReader(broker.bootstrap, [topics.alerts_operators, topics.deadletter])
        header = "time      severity typology   entity   id             score  action         why"
        print(header + "\n" + "-" * len(header))
        payments = sum(1 for e in events if e["topic"] == topics.payments)
        want = len(events) + len(MALFORMED)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for topic, value in reader.poll(0.3):
                if topic == topics.deadletter:
                    dead[value["reason"]] += 1
                    print(f"          dead letter  {value['source_topic']:<16} {value['reason']}")
                else:
                    alerts[value["typology"]] += 1
                    print(render(value), flush=True)
            if not feeder.is_alive() and _done(worker, topics, want, payments, alerts, dead):
                break
        seen = sum(
            worker.metric("earlywarn_events_total", topic=t)
            for t in (topics.cdr, topics.sms, topics.payments)
        )
        print("\nsummary")
        print(f"  events scored:  {int(seen)} of {want} sent")
        print(
            "  alerts:        ", ", ".join(f"{k}={v}" for k, v in sorted(alerts.items())) or "none"
        )
        print("  dead letters:  ", ", ".join(f"{k}={v}" for k, v in sorted(dead.items())) or "none")
        countries = sorted(load_keys(keys_file).countries)
        print(f"  regulator topics: {topics.alerts_regulators_prefix}{{{','.join(countries)}}}")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if reader is not None:
            reader.close()
        worker.stop()
        broker.stop()
        print("stopped the worker and the broker")


def _feed(bootstrap: str, events: list[dict[str, Any]]) -> None:
    produce_events(bootstrap, events)
    by_topic: dict[str, list[tuple[bytes | None, bytes]]] = {}
    for topic, raw, _reason in MALFORMED:
        by_topic.setdefault(topic, []).append((None, raw))
    for topic, values in by_topic.items():
        produce_raw(bootstrap, topic, values)


def _done(
    worker: WorkerProcess,
    topics: Topics,
    want: int,
    payments: int,
    alerts: Counter[str],
    dead: Counter[str],
) -> bool:
    seen = sum(
        worker.metric("earlywarn_events_total", topic=t)
        for t in (topics.cdr, topics.sms, topics.payments)
    )
    credits = worker.metric("earlywarn_events_total", topic=topics.payments_by_payee)
    if seen < want or credits < payments:
        return False
    return sum(alerts.values()) >= worker.metric("earlywarn_alerts_total") and sum(
        dead.values()
    ) >= worker.metric("earlywarn_deadletters_total")
