"""Alert subscribers: a live view for analysts and an export for case systems.

Both read alert topics (operator or regulator) with kafka-python. By default they read
without a consumer group and commit nothing, so any number of analysts can watch the same
topics; ``group`` makes the reader join that group and commit its position instead.

Delivery is at least once, so the same alert can arrive twice, and an escalation arrives as
a new revision of the same ``alert_id``. Readers keep one record per ``alert_id``: the
highest ``revision`` (then severity). ``tail`` shows an alert once, and again only when a
higher revision arrives; ``export`` writes each alert once, in its final state.
"""

from __future__ import annotations

import csv
import re
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from earlywarn.contract.alert import SEVERITIES, severity_rank
from earlywarn.security import KafkaSecurity

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition

CSV_COLUMNS: tuple[str, ...] = (
    "alert_id", "revision", "created_time", "event_time", "expires_time", "severity", "score",
    "typology", "entity_type", "entity_id", "recommended_action", "jurisdictions", "reporter",
    "channel", "previous_severity", "supersedes", "key_id", "pseudonymised",
    "evidence_event_ids", "reasons", "detector", "raw_score",
)  # fmt: skip
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_time(text: str, *, now: float | None = None) -> float:
    """Epoch seconds from ISO-8601 (``2026-11-23T06:00:00Z``) or an age (``90m``, ``7d``).

    >>> parse_time("2h", now=10_000.0)
    2800.0
    >>> parse_time("1970-01-01T00:01:00Z")
    60.0
    """
    m = _RELATIVE.fullmatch(text.strip())
    if m:
        return (time.time() if now is None else now) - float(m.group(1)) * _UNITS[m.group(2)]
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (use ISO-8601 or an age like 30m, 24h, 7d)"
        ) from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def alert_time(alert: dict[str, Any], name: str = "created_time") -> float:
    """An alert's time field as epoch seconds (0 when missing or unreadable)."""
    try:
        return datetime.fromisoformat(str(alert[name])).timestamp()
    except (KeyError, ValueError):
        return 0.0


def rank(alert: dict[str, Any]) -> tuple[int, int]:
    """Order of two versions of one alert: revision, then severity."""
    sev = alert.get("severity")
    return int(alert.get("revision", 0) or 0), severity_rank(sev) if sev in SEVERITIES else -1


@dataclass
class Deduper:
    """The best version seen of each ``alert_id``."""

    best: dict[str, dict[str, Any]] = field(default_factory=dict)

    def offer(self, alert: dict[str, Any]) -> bool:
        """Keep ``alert`` if it is new or a higher revision; ``True`` when kept."""
        aid = str(alert.get("alert_id", ""))
        prev = self.best.get(aid)
        if prev is not None and rank(alert) <= rank(prev):
            return False
        self.best[aid] = alert
        return True


def accepts(alert: dict[str, Any], min_severity: str | None, typologies: frozenset[str]) -> bool:
    """Whether an alert passes the ``--severity`` floor and the ``--typology`` set."""
    if typologies and alert.get("typology") not in typologies:
        return False
    if min_severity is None:
        return True
    sev = alert.get("severity")
    return sev in SEVERITIES and severity_rank(sev) >= severity_rank(min_severity)


def render(alert: dict[str, Any], *, update: bool = False) -> str:
    """One readable line (and the reasons, indented) for an analyst."""
    sev = str(alert.get("severity", "?")).upper()
    head = (
        f"{alert.get('created_time', '?')}  {sev:<8} {alert.get('typology', '?'):<18} "
        f"{alert.get('entity_type', '?')} {alert.get('entity_id', '?')}  "
        f"score {alert.get('score', '?')}  -> {alert.get('recommended_action', '?')}"
    )
    notes = [f"id {str(alert.get('alert_id', ''))[:12]}"]
    if update or alert.get("revision"):
        notes.append(f"update r{alert.get('revision', 0)} from {alert.get('previous_severity')}")
    if alert.get("supersedes"):
        notes.append(f"supersedes {str(alert['supersedes'])[:12]}")
    notes.append("jurisdictions " + ",".join(alert.get("jurisdictions", [])))
    lines = [head, "    " + "; ".join(notes)]
    lines += [f"    - {r.get('detail', '')}" for r in alert.get("reasons", [])]
    return "\n".join(lines)


def csv_row(alert: dict[str, Any]) -> dict[str, Any]:
    """An alert flattened for CSV (lists joined with ``;``)."""
    row = {c: alert.get(c, "") for c in CSV_COLUMNS}
    row["jurisdictions"] = ";".join(alert.get("jurisdictions", []))
    row["evidence_event_ids"] = ";".join(alert.get("evidence_event_ids", []))
    row["reasons"] = "; ".join(str(r.get("detail", "")) for r in alert.get("reasons", []))
    return row


class AlertReader:
    """Read JSON alerts from whole topics, without a group unless ``group`` is given.

    Parameters
    ----------
    bootstrap
        ``host:port[,host:port]``.
    topics
        Alert topics to read.
    from_beginning
        Start at the first stored alert (else at the end: only new alerts).
    group
        Join this consumer group and commit positions (default: no group, no commits).
    security
        TLS/SASL options.
    """

    def __init__(
        self,
        bootstrap: str,
        topics: Iterable[str],
        *,
        from_beginning: bool = True,
        group: str | None = None,
        security: KafkaSecurity | None = None,
    ) -> None:
        self.topics = list(topics)
        self.group = group
        self.from_beginning = from_beginning
        self.bad = 0
        opts: dict[str, Any] = {
            "bootstrap_servers": bootstrap.split(","),
            "auto_offset_reset": "earliest" if from_beginning else "latest",
            "fetch_max_wait_ms": 100,  # BROKER.md #6: must be >= 1 ms
            "enable_auto_commit": group is not None,
            **(security or KafkaSecurity()).kafka_python(),
        }
        if group is not None:
            opts.update(group_id=group, session_timeout_ms=10_000, heartbeat_interval_ms=1_000)
        self.consumer = KafkaConsumer(**opts)
        if group is not None:
            self.consumer.subscribe(self.topics)
        self._assigned: set[TopicPartition] = set()

    def _assign(self) -> None:
        if self.group is not None:
            return
        tps = {
            TopicPartition(t, p)
            for t in self.topics
            for p in self.consumer.partitions_for_topic(t) or ()
        }
        if tps != self._assigned:
            new = tps - self._assigned
            self.consumer.assign(list(tps))
            if new and self.from_beginning:
                self.consumer.seek_to_beginning(*new)
            elif new:
                self.consumer.seek_to_end(*new)
            self._assigned = tps

    def poll(self, timeout_s: float = 0.5) -> list[dict[str, Any]]:
        """Alerts that arrived since the last call (unreadable records are counted in ``bad``)."""
        self._assign()
        if self.group is None and not self._assigned:
            time.sleep(min(timeout_s, 0.2))  # no such topic yet
            return []
        out: list[dict[str, Any]] = []
        for records in self.consumer.poll(timeout_ms=int(timeout_s * 1000)).values():
            for r in records:
                try:
                    value = orjson.loads(r.value)
                except orjson.JSONDecodeError:
                    value = None
                if isinstance(value, dict) and "alert_id" in value:
                    out.append(value)
                else:
                    self.bad += 1
        return out

    def caught_up(self) -> bool:
        """Whether every partition has been read to its high watermark.

        The high watermark comes from fetch responses (right on the embedded broker too,
        whose ListOffsets end offsets are not).
        """
        tps = self._assigned if self.group is None else self.consumer.assignment()
        if not tps:
            return False
        for tp in tps:
            hw = self.consumer.highwater(tp)
            if hw is None or self.consumer.position(tp) < hw:
                return False
        return True

    def read_all(self, *, timeout_s: float = 120.0) -> Iterator[dict[str, Any]]:
        """Every stored alert, then stop (raises ``TimeoutError`` past ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while True:
            yield from self.poll(0.2)
            if self.caught_up():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"alert topics not read to the end in {timeout_s:g}s")

    def close(self) -> None:
        self.consumer.close()


def tail(
    reader: AlertReader,
    out: IO[str],
    *,
    min_severity: str | None = None,
    typologies: frozenset[str] = frozenset(),
    as_json: bool = False,
    limit: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> int:
    """Print alerts as they arrive, each once (again for a higher revision).

    Returns the number printed; stops after ``limit`` or when ``stop()`` says so.
    """
    seen = Deduper()
    shown = 0
    while not stop() and (limit is None or shown < limit):
        for alert in reader.poll():
            update = alert.get("alert_id") in seen.best
            if not seen.offer(alert) or not accepts(alert, min_severity, typologies):
                continue
            line = orjson.dumps(alert).decode() if as_json else render(alert, update=update)
            out.write(line + "\n")
            out.flush()
            shown += 1
            if limit is not None and shown >= limit:
                break
    return shown


def export(
    alerts: Iterable[dict[str, Any]],
    out: IO[str],
    *,
    fmt: str,
    since: float | None = None,
    until: float | None = None,
    min_severity: str | None = None,
    typologies: frozenset[str] = frozenset(),
) -> int:
    """Write each alert once (highest revision), created in ``[since, until)``.

    Rows are in ``created_time`` order. Returns the number written.
    """
    seen = Deduper()
    for alert in alerts:
        seen.offer(alert)
    rows = [
        a
        for a in seen.best.values()
        if (since is None or alert_time(a) >= since)
        and (until is None or alert_time(a) < until)
        and accepts(a, min_severity, typologies)
    ]
    rows.sort(key=lambda a: (alert_time(a), str(a.get("alert_id"))))
    if fmt == "jsonl":
        for a in rows:
            out.write(orjson.dumps(a).decode() + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for a in rows:
            writer.writerow(csv_row(a))
    else:
        raise ValueError(f"unknown export format {fmt!r} (csv or jsonl)")
    return len(rows)
