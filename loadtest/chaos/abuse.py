"""State abuse: one entity floods the pipeline; per-entity state must stay bounded.

Each flood sends ``n`` valid events about one entity within one day (so time windows
never evict and only the caps bound the state), every event naming a fresh counterpart
(callee, recipient, payee, payer, cell, IMEI, domain, template). The largest serialized
state of every store is sampled as the flood goes; bounded means it stops growing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.contract.alert import iso
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics

START = 1_795_392_000.0  # 2026-11-23T00:00:00Z
STORES = ("callers", "senders", "debits", "credits", "imeis", "domains", "subscribers", "hotspots")


def _num(i: int) -> str:
    return f"+6681{i % 10_000_000:07d}"


def call_flood(i: int, t: float) -> tuple[str, dict[str, Any]]:
    """One caller rings a new callee from a new cell and a new IMEI every event."""
    return "telco.cdr", {
        "event_id": f"f-c-{i}",
        "event_time": iso(t),
        "operator": "TH-AIS",
        "caller": "+66899999999",
        "callee": _num(i),
        "answered": i % 3 == 0,
        "duration_s": float(i % 7),
        "caller_imei": f"35{i:013d}",
        "cell_id": f"TH-AIS-cell-{i}",
    }


def sms_flood(i: int, t: float) -> tuple[str, dict[str, Any]]:
    """One sender texts a new recipient with a new URL domain and template every event."""
    return "telco.sms", {
        "event_id": f"f-s-{i}",
        "event_time": iso(t),
        "operator": "TH-AIS",
        "sender": "+66899999998",
        "recipient": _num(i),
        "has_url": True,
        "url_domain": f"d{i}.example",
        "template_hash": f"h{i}",
        "sender_imei": f"36{i:013d}",
        "cell_id": f"TH-AIS-cell-{i}",
    }


def debit_flood(i: int, t: float) -> tuple[str, dict[str, Any]]:
    """One payer pays a new payee every event."""
    return "payments.events", {
        "event_id": f"f-d-{i}",
        "event_time": iso(t),
        "institution": "TH-BANK-A",
        "payer_account": "TH-BANK-A:flood",
        "payee_account": f"TH-BANK-B:{i}",
        "amount": 100.0 + i % 50,
        "currency": "THB",
        "rail": "bank_transfer",
        "payer_msisdn": "+66899999997",
        "payee_msisdn": _num(i),
    }


def credit_flood(i: int, t: float) -> tuple[str, dict[str, Any]]:
    """A new payer pays one payee every event."""
    return "payments.events", {
        "event_id": f"f-k-{i}",
        "event_time": iso(t),
        "institution": "TH-BANK-A",
        "payer_account": f"TH-BANK-A:{i}",
        "payee_account": "TH-BANK-B:flood",
        "amount": 100.0 + i % 50,
        "currency": "THB",
        "rail": "bank_transfer",
        "payer_msisdn": _num(i),
        "payee_msisdn": "+66899999996",
    }


FLOODS: dict[str, Callable[[int, float], tuple[str, dict[str, Any]]]] = {
    "caller": call_flood,
    "sender": sms_flood,
    "payer": debit_flood,
    "payee": credit_flood,
}


@dataclass
class FloodReport:
    """Largest serialized state per store, sampled every ``every`` events."""

    flood: str
    events: int
    samples: list[tuple[int, dict[str, int]]] = field(default_factory=list)
    seconds: float = 0.0

    def largest(self, at: int = -1) -> dict[str, int]:
        return self.samples[at][1]


def _largest(stores: Stores) -> dict[str, int]:
    out: dict[str, int] = {}
    for name in STORES:
        table: Any = getattr(stores, name)
        out[name] = max((len(v) for v in table.values()), default=0)
    return out


def _events(flood: str, n: int, span_s: float) -> Iterator[tuple[str, bytes]]:
    make = FLOODS[flood]
    for i in range(n):
        topic, body = make(i, START + span_s * i / n)
        yield topic, orjson.dumps(body)


def flood(name: str, n: int, *, span_s: float = 20 * 3600.0, every: int = 0) -> FloodReport:
    """Send ``n`` events of flood ``name`` through a Pipeline (forwards processed at once)."""
    pipe = Pipeline(
        engine=Engine(), router=Router(Topics(), Pseudonymiser({})), stores=Stores.in_memory()
    )
    report = FloodReport(flood=name, events=n)
    every = every or max(1, n // 10)
    started = time.perf_counter()
    for i, (topic, raw) in enumerate(_events(name, n, span_s), start=1):
        out = pipe.handle(topic, raw, now=START)
        if out.deadletter is not None:
            raise AssertionError(f"flood event {i} dead-lettered: {out.deadletter['reason']}")
        stack = list(out.forwards)
        while stack:
            done = pipe.handle_internal(stack[0].kind, stack.pop(0).raw, now=START)
            stack.extend(done.forwards)
        if i % every == 0:
            report.samples.append((i, _largest(pipe.stores)))
    report.seconds = time.perf_counter() - started
    return report
