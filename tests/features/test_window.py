import json
import random

from earlywarn.features.window import EventWindow, distinct, key_id, remember, top_share


def test_evicts_relative_to_latest_event_time() -> None:
    w = EventWindow(span_s=600.0, cap=100)
    for t in (0.0, 300.0, 700.0):
        w.add(t, key=int(t) + 1)
    assert [e[0] for e in w.entries] == [300.0, 700.0]
    assert w.max_time == 700.0


def test_late_events_are_inserted_in_order_or_dropped() -> None:
    w = EventWindow(span_s=600.0, cap=100)
    w.add(1000.0)
    w.add(900.0)
    w.add(100.0)  # older than the span before the latest: dropped
    assert [e[0] for e in w.entries] == [900.0, 1000.0]


def test_contents_do_not_depend_on_arrival_order() -> None:
    rng = random.Random(3)
    times = [rng.uniform(0, 2000) for _ in range(200)]
    a, b = EventWindow(600.0, 1000), EventWindow(600.0, 1000)
    for t in times:
        a.add(t, key=key_id(str(t)))
    for t in sorted(times):
        b.add(t, key=key_id(str(t)))
    assert a == b


def test_flood_is_capped() -> None:
    w = EventWindow(span_s=3600.0, cap=64)
    for i in range(100_000):
        w.add(i * 0.01, key=i + 1)
    assert len(w) == 64
    assert w.entries[-1][0] == 99_999 * 0.01
    assert distinct(w.select(600.0)) == 64


def test_select_sub_span_and_json_round_trip() -> None:
    w = EventWindow(span_s=3600.0, cap=100)
    for i in range(10):
        w.add(600.0 * i, flags=i % 2, value=i * 1.5, key=key_id(f"k{i % 3}"), aux=key_id("t"))
    assert len(w.select(600.0)) == 2
    assert len(w.select(600.0, now=3600.0)) == 2
    assert len(w.select(600.0, now=1800.0)) == 1  # 1200 already evicted
    assert distinct(w.select(3600.0)) == 3
    assert top_share(w.select(3600.0)) == 1.0
    back = EventWindow.from_json(json.loads(json.dumps(w.to_json())), span_s=3600.0, cap=100)
    assert back == w


def test_key_id_and_bounded_memory() -> None:
    assert key_id("") == 0 and key_id(None) == 0
    assert 0 < key_id("+66812345678") < 2**32
    memory: list[int] = []
    for i in range(1, 100):
        remember(memory, i, cap=8)
    assert memory == list(range(92, 100))
