"""Benchmark traffic: simulated contract events, pre-encoded, plus alert-raising bursts."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson

from earlywarn.contract.alert import iso
from loadtest.simulate import ScenarioConfig, build_scenario

INPUTS = ("telco.cdr", "telco.sms", "payments.events")
KEYS = {"telco.cdr": "caller", "telco.sms": "sender", "payments.events": "payer_account"}
Message = tuple[str, bytes, bytes]  # topic, key, value


def scenario_messages(n: int, *, seed: int = 3, subscribers: int = 20_000) -> list[Message]:
    """The first ``n`` input events of a seeded simulated scenario, encoded as on the wire."""
    probe = ScenarioConfig(seed=seed, subscribers=subscribers, days=1.0)
    days = max(0.25, 1.3 * n / max(1, probe.expected_events()))
    scenario = build_scenario(ScenarioConfig(seed=seed, subscribers=subscribers, days=days))
    out: list[Message] = []
    for _, _, _, topic, payload in scenario.events():
        if topic not in KEYS:
            continue
        out.append((topic, str(payload[KEYS[topic]]).encode(), orjson.dumps(payload)))
        if len(out) >= n:
            break
    return out


def wangiri_bursts(count: int, *, seed: int = 1, calls: int = 30) -> Iterator[list[Message]]:
    """``count`` one-ring bursts, each from a new foreign number to ``calls`` Thai numbers.

    Each burst raises one Wangiri alert; used to sample event-to-alert latency.
    """
    rng = random.Random(seed)
    t0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC).timestamp()
    for b in range(count):
        caller = f"+23480{31_000_000 + seed * 10_000 + b:08d}"  # fresh callers per seed
        burst = []
        for i in range(calls):
            callee = f"+668{rng.randint(1, 9)}{rng.randint(1_000_000, 9_999_999)}"
            ev = {
                "event_id": f"wb-{seed}-{b}-{i}",
                "event_time": iso(t0 + b * 3.0 + i * 5.0),
                "operator": "TH-AIS",
                "caller": caller,
                "callee": callee,
                "answered": False,
                "duration_s": 0,
            }
            burst.append(("telco.cdr", caller.encode(), orjson.dumps(ev)))
        yield burst


def distinct_callers(n: int) -> Iterator[bytes]:
    """One ordinary call from each of ``n`` distinct Thai numbers (memory per entity)."""
    t0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC).timestamp()
    for i in range(n):
        yield orjson.dumps(
            {
                "event_id": f"m-{i}",
                "event_time": iso(t0 + i * 0.01),
                "operator": "TH-AIS",
                "caller": f"+6681{i:07d}",
                "callee": "+66899999999",
                "answered": True,
                "duration_s": 42.0,
            }
        )
