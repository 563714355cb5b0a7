"""Hostile input through decode and through Pipeline.handle: no crash, every bad message
dead-lettered with a reason, no good message lost in between (strategies in
``loadtest.chaos.hostile``; ``make chaos`` runs the same ones with many more examples)."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.contract import ContractError, Reason, decode
from earlywarn.contract.fields import MAX_AMOUNT, MAX_DURATION_S
from earlywarn.pipeline import Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics
from loadtest.chaos.hostile import BASES, RAW_MESSAGES, TOPICS, check_decode, hostile

PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("topic", TOPICS)
def test_bases_are_valid(topic: str) -> None:
    assert BASES[topic]
    for body in BASES[topic]:
        assert check_decode(topic, orjson.dumps(body)) is None


@pytest.mark.parametrize("topic", TOPICS)
@PROFILE
@given(data=st.data())
def test_decode_never_raises_anything_but_a_contract_error(topic: str, data: st.DataObject) -> None:
    check_decode(topic, data.draw(hostile(topic)))


@pytest.mark.parametrize("raw", RAW_MESSAGES, ids=lambda r: repr(r[:24]))
def test_raw_hostile_messages_are_rejected_on_every_topic(raw: bytes) -> None:
    for topic in TOPICS:
        assert check_decode(topic, raw) is not None


@pytest.mark.parametrize(
    ("topic", "name", "value", "limit"),
    [
        ("telco.cdr", "duration_s", 1e308, MAX_DURATION_S),
        ("payments.events", "amount", 1.7e308, MAX_AMOUNT),
    ],
)
def test_huge_numbers_are_rejected(topic: str, name: str, value: float, limit: float) -> None:
    """Regression: 1e308 passed the contract, overflowed the entity's running sums to inf,
    which JSON stores as null, and every later event of that entity failed to load its
    state (processing_error) for good."""
    body = dict(BASES[topic][0])
    body[name] = value
    with pytest.raises(ContractError) as err:
        decode(topic, orjson.dumps(body))
    assert err.value.reason is Reason.BAD_VALUE and err.value.field == name
    body[name] = limit
    decode(topic, orjson.dumps(body))


def _pipeline() -> Pipeline:
    return Pipeline(
        engine=Engine(), router=Router(Topics(), Pseudonymiser({})), stores=Stores.in_memory()
    )


def _feed(pipe: Pipeline, topic: str, raw: bytes) -> tuple[bool, str | None]:
    """(scored, dead-letter reason) of one message, its forwards processed at once."""
    out = pipe.handle(topic, raw, partition=0, offset=0, now=1.8e9)
    stack = list(out.forwards)
    while stack:
        done = pipe.handle_internal(stack[0].kind, stack.pop(0).raw, now=1.8e9)
        assert done.deadletter is None, done.deadletter
        stack.extend(done.forwards)
    reason = None if out.deadletter is None else str(out.deadletter["reason"])
    return out.event is not None and out.deadletter is None, reason


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_pipeline_dead_letters_bad_messages_and_scores_every_good_one(
    data: st.DataObject,
) -> None:
    """Good events of the same entities interleaved with hostile ones: every good one is
    scored, every rejected one is dead-lettered with decode's reason, and an accepted hostile
    one (a valid but extreme event) is scored too, never a processing error."""
    pipe = _pipeline()
    for _ in range(data.draw(st.integers(5, 25))):
        topic = data.draw(st.sampled_from(TOPICS))
        good = orjson.dumps(data.draw(st.sampled_from(BASES[topic])))
        assert _feed(pipe, topic, good) == (True, None)
        bad_topic = data.draw(st.sampled_from(TOPICS))
        bad = data.draw(hostile(bad_topic))
        expected = check_decode(bad_topic, bad)
        scored, reason = _feed(pipe, bad_topic, bad)
        assert reason == expected
        assert scored is (expected is None)
    for topic in TOPICS:  # the entities' state still loads: their good events are scored
        for body in BASES[topic][:6]:
            assert _feed(pipe, topic, orjson.dumps(body)) == (True, None)


@pytest.mark.parametrize(
    "time",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
    ],
)
def test_extreme_times_are_scored_and_do_not_poison_state(time: str) -> None:
    pipe = _pipeline()
    for topic in TOPICS:
        for body in BASES[topic]:
            hostile_body = {**body}
            for name in ("event_time", "reported_time", "expires_time"):
                if name in hostile_body:
                    hostile_body[name] = time
            assert _feed(pipe, topic, orjson.dumps(hostile_body))[1] != "processing_error"
            assert _feed(pipe, topic, orjson.dumps(body)) == (True, None)
