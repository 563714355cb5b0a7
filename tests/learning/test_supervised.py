"""Label-model class gates: a class alerts only on vectors that are that typology by definition."""

from __future__ import annotations

import random

from earlywarn.learning.supervised import CLASS_GATES, NONE, Gate, LabelModel

FEATURES = ("cash_out_share_24h", "min_credit_to_debit_s", "pass_through_ratio", "fan_in_24h")


def _trained(gates: dict[str, tuple[Gate, ...]] | None = None) -> LabelModel:
    """Mules cash out fast and pass on what they receive; ordinary payers do neither."""
    rng = random.Random(3)
    m = LabelModel("payments", FEATURES, min_positives=10, threshold=0.6, gates=gates)
    for _ in range(80):
        m.learn([0.9 + 0.1 * rng.random(), 300.0 * rng.random(), 0.95, 3.0], "mule")
        m.learn([0.1 * rng.random(), 80_000.0, 0.05 * rng.random(), 1.0], NONE)
    return m


def test_the_payments_mule_class_needs_money_passed_on() -> None:
    model = _trained()
    assert model.gates == CLASS_GATES["payments"]
    mule = [1.0, 120.0, 0.9, 3.0]
    # an ordinary account withdrawing cash minutes after a small transfer in: it passed
    # nothing on, whatever the probabilities say
    saver = [1.0, 120.0, 0.0, 3.0]
    assert model.find(mule) is not None and model.find(mule)[0] == "mule"  # type: ignore[index]
    assert model.scores(saver)["mule"] == 0.0
    assert model.find(saver) is None
    ungated = _trained(gates={})
    assert ungated.scores(saver)["mule"] > 0.6  # what the gate removes


def test_the_payments_mule_class_needs_more_than_one_payer() -> None:
    model = _trained()
    # someone who sent on, in cash, what one relative had just sent them
    relayed = [1.0, 120.0, 0.9, 1.0]
    assert model.scores(relayed)["mule"] == 0.0 and model.find(relayed) is None
    assert model.find([1.0, 120.0, 0.9, 2.0]) is not None
    ungated = _trained(gates={})
    assert ungated.scores(relayed)["mule"] > 0.6  # what the gate removes


def test_the_payments_mule_class_needs_nearly_all_passed_on_or_a_cash_out() -> None:
    model = _trained()
    # two people paid this account, and it paid on 80 % of it, less than half in cash
    relayed = [0.45, 120.0, 0.8, 2.0]
    assert model.scores(relayed)["mule"] == 0.0 and model.find(relayed) is None
    assert model.find([0.45, 120.0, 0.95, 2.0]) is not None  # nearly all of it
    assert model.find([0.8, 120.0, 0.8, 2.0]) is not None  # most of it in cash
    ungated = _trained(gates={})
    assert ungated.scores(relayed)["mule"] > 0.6  # what the gate removes


def test_models_pickled_before_gates_take_their_channels_defaults() -> None:
    model = _trained()
    del model.gates
    assert model.find([1.0, 120.0, 0.0, 3.0]) is None
    assert model.find([1.0, 120.0, 0.9, 3.0]) is not None


def test_the_call_detail_simbox_class_needs_calls_around_the_clock() -> None:
    rng = random.Random(5)
    feats = ("calls_24h", "distinct_cells", "active_hours_24h")
    m = LabelModel("cdr", feats, min_positives=10, threshold=0.6)
    assert m.gates == CLASS_GATES["cdr"]
    for _ in range(80):
        m.learn([100.0 + 40 * rng.random(), 1.0, 18.0 + 6 * rng.random()], "simbox")
        m.learn([3.0 * rng.random(), 3.0, 2.0 + 4 * rng.random()], NONE)
    gateway = [120.0, 1.0, 22.0]
    call_centre = [140.0, 1.0, 12.0]  # as busy, from one cell, but office hours only
    assert m.find(gateway) is not None and m.find(gateway)[0] == "simbox"  # type: ignore[index]
    assert m.scores(call_centre)["simbox"] == 0.0 and m.find(call_centre) is None
    ungated = LabelModel("cdr", feats, min_positives=10, threshold=0.6, gates={})
    for _ in range(80):
        ungated.learn([100.0 + 40 * rng.random(), 1.0, 18.0 + 6 * rng.random()], "simbox")
        ungated.learn([3.0 * rng.random(), 3.0, 2.0 + 4 * rng.random()], NONE)
    assert ungated.scores(call_centre)["simbox"] > 0.6  # what the gate removes


def _cdr_model(cls: str, scam: list[float]) -> LabelModel:
    rng = random.Random(9)
    feats = ("calls_24h", "short_share_1h", "mean_answered_s_24h", "distinct_callees_1h")
    m = LabelModel("cdr", feats, min_positives=10, threshold=0.6)
    for _ in range(80):
        m.learn([s * (0.9 + 0.2 * rng.random()) for s in scam], cls)
        m.learn([3.0 * rng.random(), 0.2 * rng.random(), 60.0 + 60 * rng.random(), 1.0], NONE)
    return m


def test_call_detail_wangiri_and_impersonation_classes_need_their_call_shape() -> None:
    # call centres: busy, many calls unanswered or cut short, answered ones brief
    call_centre = [150.0, 0.5, 110.0, 20.0]
    busy_line = [150.0, 0.6, 30.0, 20.0]
    wangiri = _cdr_model("wangiri", [150.0, 0.97, 2.0, 20.0])
    assert wangiri.find([150.0, 0.97, 2.0, 20.0]) is not None
    assert wangiri.scores(busy_line)["wangiri"] == 0.0 and wangiri.find(busy_line) is None
    talker = _cdr_model("impersonation", [150.0, 0.6, 300.0, 20.0])
    assert talker.find([150.0, 0.6, 300.0, 20.0]) is not None
    assert talker.scores(call_centre)["impersonation"] == 0.0
    assert talker.find(call_centre) is None
    # what the gates remove
    wangiri.gates, talker.gates = {}, {}
    assert wangiri.scores(busy_line)["wangiri"] > 0.6
    assert talker.scores(call_centre)["impersonation"] > 0.6


def test_the_call_detail_wangiri_class_needs_more_than_one_callee_in_the_hour() -> None:
    """One unanswered call abroad is no burst: someone's first call of the day looks like
    a wangiri ring to the model, but wangiri rings many people."""
    wangiri = _cdr_model("wangiri", [40.0, 1.0, 0.0, 12.0])
    one_ring = [40.0, 1.0, 0.0, 1.0]
    assert wangiri.find([40.0, 1.0, 0.0, 2.0]) is not None
    assert wangiri.scores(one_ring)["wangiri"] == 0.0 and wangiri.find(one_ring) is None
    wangiri.gates = {}
    assert wangiri.scores(one_ring)["wangiri"] > 0.6  # what the gate removes
