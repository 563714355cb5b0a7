"""The update stream of alerts: revisions, escalations and supersession.

The engine already decides *when* an alert is raised: once per detector, entity and dedup
window, and again in the same window only when the severity rises (an escalation, same
``alert_id``). This module says how each raised alert relates to the ones before it, from
one small record per ``(typology, entity)``: the last alert's id, severity, revision and
expiry.

* Same ``alert_id`` as the record: an escalation, ``revision`` is the record's plus one
  and ``previous_severity`` the record's severity.
* A new ``alert_id`` while the recorded alert has not expired (at the new alert's event
  time): a new window of the same story; ``supersedes`` names the earlier alert and
  ``previous_severity`` its severity; ``revision`` starts at 0.
* Otherwise a fresh alert, revision 0.

The record is keyed by typology and entity, so it lives where that entity's alerts are
raised: in a worker it is a changelog-backed table on the partition of the raising stream
(restarts and rebalances keep it, and the same events in the same order give the same
revisions, as in replay); in replay and tests it is :class:`BoundedStore`. A redelivered
message is not re-scored into a new alert (the engine's own state already claims it), and
a duplicate that does get through carries the same ``alert_id`` and revision, so readers
drop it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Protocol

import orjson

from earlywarn.contract.alert import Alert
from earlywarn.merge import merge_ledger
from earlywarn.statecache import compact


class LedgerStore(Protocol):
    """Get and set bytes by key (a dict, a Faust table, :class:`BoundedStore`)."""

    def get(self, key: str, /) -> Any: ...

    def __setitem__(self, key: str, value: bytes, /) -> None: ...


class BoundedStore:
    """An in-memory store that keeps the ``capacity`` most recently written keys.

    >>> s = BoundedStore(capacity=2)
    >>> s["a"], s["b"], s["c"] = b"1", b"2", b"3"
    >>> s.get("a") is None, s.get("c")
    (True, b'3')
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._data: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str, /) -> bytes | None:
        return self._data.get(key)

    def __setitem__(self, key: str, value: bytes, /) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def ledger_key(alert: Alert) -> str:
    """Record key of an alert: typology, entity type and entity."""
    return entity_key(alert.typology, alert.entity_type, alert.entity_id)


def entity_key(typology: str, entity_type: str, entity_id: str) -> str:
    """Record key of the alerts of ``typology`` on an entity."""
    return f"{typology}|{entity_type}|{entity_id}"


def repeats(alert: Alert, store: LedgerStore) -> bool:
    """Whether ``store`` already holds ``alert`` at its severity: raising it again says
    nothing new (two linked states can reach the same finding).

    >>> from earlywarn.contract.alert import Alert
    >>> a = Alert("id1", 0.0, 0.0, "msisdn", "+2348012345678", "wangiri", "medium", 0.7,
    ...           (), "monitor", (), ("NG",), {}, 86400.0)
    >>> s = BoundedStore()
    >>> repeats(a, s), repeats(track(a, s), s), repeats(a.evolve(severity="high"), s)
    (False, True, False)
    """
    raw = store.get(ledger_key(alert))
    return raw is not None and _same_update(orjson.loads(raw), alert)


def _same_update(prev: dict[str, Any], alert: Alert) -> bool:
    return bool(prev["a"] == alert.alert_id and prev["s"] == alert.severity)


def track(alert: Alert, store: LedgerStore) -> Alert:
    """``alert`` with ``revision``, ``previous_severity`` and ``supersedes`` set.

    Updates the record in ``store``.

    Examples
    --------
    >>> from earlywarn.contract.alert import Alert
    >>> a = Alert("id1", 0.0, 0.0, "msisdn", "+2348012345678", "wangiri", "medium", 0.7,
    ...           (), "monitor", (), ("NG",), {}, 86400.0)
    >>> s = BoundedStore()
    >>> first = track(a, s)
    >>> up = track(a.evolve(severity="high", event_time=60.0), s)
    >>> first.revision, up.revision, up.previous_severity
    (0, 1, 'medium')
    >>> nxt = track(a.evolve(alert_id="id2", event_time=3600.0), s)
    >>> nxt.supersedes, nxt.revision
    ('id1', 0)
    >>> again = track(a.evolve(alert_id="id2", event_time=3600.0), s)  # redelivered
    >>> again.supersedes, again.revision
    ('id1', 0)
    """
    key = ledger_key(alert)
    raw = store.get(key)
    prev: dict[str, Any] | None = None if raw is None else orjson.loads(raw)
    out = alert
    if prev is not None:
        if _same_update(prev, alert):
            # The same update again: a redelivered event raised it a second time.
            return alert.evolve(
                revision=int(prev["r"]), previous_severity=prev.get("p"), supersedes=prev.get("u")
            )
        if prev["a"] == alert.alert_id:
            out = alert.evolve(revision=int(prev["r"]) + 1, previous_severity=prev["s"])
        elif float(prev["x"]) > alert.event_time:
            out = alert.evolve(supersedes=prev["a"], previous_severity=prev["s"])
    record = {"a": out.alert_id, "s": out.severity, "r": out.revision, "x": out.expires_time}
    if out.previous_severity is not None:
        record["p"] = out.previous_severity
    if out.supersedes is not None:
        record["u"] = out.supersedes
    stored = merge_ledger(raw, orjson.dumps(record))  # order-independent: earlywarn.merge
    if stored is not raw:
        store[key] = compact(stored)
    return out
