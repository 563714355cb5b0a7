"""State abuse: one entity flooding the pipeline, and identifiers built to collide.

``make chaos`` floods 100k events; here each flood is 2k events, enough to pass every cap
(the largest is 256 entries) many times over.
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.features import CallerState, CreditState, DebitState, SenderState, key_id
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics
from loadtest.chaos.abuse import FLOODS, START, flood

EVENTS = 2_000
#: No one entity's serialized state may exceed this, whatever it is sent.
MAX_STATE_BYTES = 64 * 1024


@pytest.mark.parametrize("name", sorted(FLOODS))
def test_one_entity_flooding_keeps_every_state_bounded(name: str) -> None:
    report = flood(name, EVENTS, every=EVENTS // 8)
    half, end = report.largest(len(report.samples) // 2 - 1), report.largest()
    for store, size in end.items():
        assert size <= MAX_STATE_BYTES, (store, size)
        # Past the caps, state stops growing (a few bytes of counters and hour buckets).
        assert size <= half[store] * 1.05 + 512, (store, half[store], size)


def test_flooded_windows_stay_within_their_caps() -> None:
    pipe = Pipeline(
        engine=Engine(), router=Router(Topics(), Pseudonymiser({})), stores=Stores.in_memory()
    )
    makers = [FLOODS["caller"], FLOODS["sender"], FLOODS["payer"], FLOODS["payee"]]
    for i, make in itertools.product(range(500), makers):
        topic, body = make(i, START + i)
        out = pipe.handle(topic, orjson.dumps(body), now=START)
        for fwd in out.forwards:
            pipe.handle_internal(fwd.kind, fwd.raw, now=START)
    stores: Any = pipe.stores
    caller = CallerState.from_json(orjson.loads(stores.callers["+66899999999"]))
    sender = SenderState.from_json(orjson.loads(stores.senders["+66899999998"]))
    debit = DebitState.from_json(orjson.loads(stores.debits["TH-BANK-A:flood"]))
    credit = CreditState.from_json(orjson.loads(stores.credits["TH-BANK-B:flood"]))
    for state in (caller, sender, debit, credit):
        window = state.window
        assert len(window.entries) <= window.cap, type(state).__name__
    assert len(caller.known) <= caller.known_cap
    assert len(caller.cells) <= caller.device_cap and len(caller.imeis) <= caller.device_cap
    assert len(caller.hours) <= 24


def _colliding_numbers() -> tuple[str, str]:
    """Two Thai mobile numbers with the same 32-bit ``key_id`` (birthday search)."""
    seen: dict[int, str] = {}
    for i in itertools.count():
        number = f"+6689{i:07d}"
        k = key_id(number)
        if k in seen:
            return seen[k], number
        seen[k] = number
    raise AssertionError("unreachable")


def test_key_id_is_a_32_bit_digest_so_collisions_are_cheap_to_find() -> None:
    a, b = _colliding_numbers()
    assert a != b and key_id(a) == key_id(b)
    assert int(a[5:]) < 1_000_000  # found within a million numbers of one prefix


def test_shared_intel_on_one_number_does_not_flag_a_colliding_number() -> None:
    flagged, innocent = _colliding_numbers()
    pipe = Pipeline(
        engine=Engine(), router=Router(Topics(), Pseudonymiser({})), stores=Stores.in_memory()
    )
    intel = {
        "indicator_type": "msisdn",
        "indicator": flagged,
        "pseudonymised": False,
        "confidence": 0.95,
        "source_country": "MY",
        "typology": "wangiri",
        "expires_time": "2026-12-31T00:00:00Z",
    }
    assert pipe.handle("earlywarn.intel", orjson.dumps(intel)).deadletter is None
    call = {
        "event_id": "innocent-1",
        "event_time": "2026-11-23T06:00:00Z",
        "operator": "TH-AIS",
        "caller": innocent,
        "callee": "+66812345678",
        "answered": True,
        "duration_s": 60,
    }
    out = pipe.handle("telco.cdr", orjson.dumps(call))
    assert out.event is not None
    assert [a.entity_id for a in out.alerts if a.entity_id == innocent] == []
