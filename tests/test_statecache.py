"""The live-state cache: same alerts and bytes as decoding every state, bounded, safe."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.features import CallerState, CreditState, DebitState, SenderState
from earlywarn.features.linked import DomainState, HotspotState, ImeiState
from earlywarn.features.victims import SubscriberState
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics
from loadtest.bench.core import run_event
from loadtest.bench.traffic import Message, scenario_messages

LOADERS: dict[str, Any] = {
    "callers": CallerState.from_json,
    "senders": SenderState.from_json,
    "debits": DebitState.from_json,
    "credits": CreditState.from_json,
    "imeis": ImeiState.from_json,
    "domains": DomainState.from_json,
    "subscribers": SubscriberState.from_json,
    "hotspots": HotspotState.from_json,
}


class CanonicalStore(dict[str, bytes]):
    """A store that checks every write is a fixpoint of the state's JSON round trip."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __setitem__(self, key: str, value: bytes) -> None:
        if self.name in LOADERS:
            again = orjson.dumps(LOADERS[self.name](orjson.loads(value)).to_json())
            assert again == value, (self.name, key)
        super().__setitem__(key, value)


def _pipeline(cache_size: int, stores: Stores | None = None) -> Pipeline:
    return Pipeline(
        engine=Engine(),
        router=Router(Topics(), Pseudonymiser({})),
        stores=stores or Stores.in_memory(),
        cache_size=cache_size,
    )


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    return scenario_messages(4000)


def _alerts(pipe: Pipeline, messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    orig = pipe._emit

    def emit(detections: Any, outcome: Any, now: float) -> None:
        orig(detections, outcome, now)
        out.extend(a.to_dict() for a in outcome.alerts)

    pipe._emit = emit  # type: ignore[method-assign]
    for topic, _key, value in messages:
        run_event(pipe, topic, value)
    return out


def _bytes(stores: Stores) -> dict[str, dict[str, bytes]]:
    return {name: dict(getattr(stores, name)) for name in (*LOADERS, "watchlist")}


def test_cache_changes_no_alert_and_no_stored_byte(messages: list[Message]) -> None:
    cold, warm = _pipeline(0), _pipeline(10_000)
    assert _alerts(cold, messages) == _alerts(warm, messages)
    assert _bytes(cold.stores) == _bytes(warm.stores)
    assert warm.cache.hits > 1000 and warm.cache.misses == 0 and cold.cache.hits == 0


def test_small_cache_is_bounded_and_still_exact(messages: list[Message]) -> None:
    cold, small = _pipeline(0), _pipeline(50)
    assert _alerts(cold, messages) == _alerts(small, messages)
    assert len(small.cache) <= 50
    assert _bytes(cold.stores) == _bytes(small.stores)


def test_every_written_state_is_canonical(messages: list[Message]) -> None:
    """A cached object saves the same bytes as one decoded from its own bytes."""
    stores = Stores(
        **{n: CanonicalStore(n) for n in ("callers", "senders", "debits", "credits")},
        **{n: CanonicalStore(n) for n in ("imeis", "domains", "subscribers", "hotspots")},
    )
    _alerts(_pipeline(10_000, stores), messages)


def _call(i: int, caller: str = "+66811111111") -> bytes:
    return orjson.dumps(
        {
            "event_id": f"c{i}",
            "event_time": f"2026-11-23T03:00:{i:02d}Z",
            "operator": "TH-AIS",
            "caller": caller,
            "callee": f"+6689{i:07d}",
            "answered": True,
            "duration_s": 30.0,
        }
    )


def test_a_state_written_by_another_path_is_decoded_afresh() -> None:
    pipe = _pipeline(100)
    pipe.handle("telco.cdr", _call(1), now=0.0)
    pipe.handle("telco.cdr", _call(2), now=0.0)
    other = _pipeline(0)  # e.g. changelog recovery after a rebalance wrote other bytes
    other.handle("telco.cdr", _call(3), now=0.0)
    pipe.stores.callers["+66811111111"] = other.stores.callers.get("+66811111111")
    pipe.handle("telco.cdr", _call(4), now=0.0)
    other.handle("telco.cdr", _call(4), now=0.0)
    assert pipe.stores.callers.get("+66811111111") == other.stores.callers.get("+66811111111")
    del pipe.stores.callers["+66811111111"]  # type: ignore[attr-defined]
    pipe.handle("telco.cdr", _call(5), now=0.0)
    fresh = _pipeline(0)
    fresh.handle("telco.cdr", _call(5), now=0.0)
    assert pipe.stores.callers.get("+66811111111") == fresh.stores.callers.get("+66811111111")


def test_a_failed_step_leaves_no_half_updated_state_behind() -> None:
    pipe, ref = _pipeline(100), _pipeline(0)
    for p in (pipe, ref):
        p.handle("telco.cdr", _call(1), now=0.0)
    real = pipe.engine.process_call

    def broken(ev: Any, state: Any) -> Any:
        real(ev, state)  # updates the live object ...
        raise RuntimeError("bug")  # ... then fails before it is saved

    pipe.engine.process_call = broken  # type: ignore[method-assign]
    assert pipe.handle("telco.cdr", _call(2), now=0.0).deadletter is not None
    pipe.engine.process_call = real  # type: ignore[method-assign]
    for p in (pipe, ref):
        p.handle("telco.cdr", _call(3), now=0.0)
    assert pipe.stores.callers.get("+66811111111") == ref.stores.callers.get("+66811111111")
