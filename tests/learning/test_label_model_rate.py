"""Label models pass their threshold after a few dozen labels (issue 4's label lift)."""

from __future__ import annotations

import random

from earlywarn.learning.supervised import NONE, LabelModel

FEATURES = ("fan_in_24h", "pass_through_ratio", "debit_count_24h", "new_payee_share_24h")


def _train(model: LabelModel) -> None:
    """What one simulated scenario teaches the payments model: 22 mule and 58 victim
    vectors (from late labels) among ~50 sampled ordinary payments, in that mix."""
    rng = random.Random(5)
    for i in range(130):
        kind = i % 13
        if kind < 2:
            model.learn([8 + rng.random() * 4, 0.9, 6 + rng.random() * 3, 0.9], "mule")
        elif kind < 8:
            model.learn([rng.random(), 0.0, 1 + rng.random(), 1.0], "victim_in_progress")
        else:
            model.learn([rng.random(), 0.1 * rng.random(), 1 + rng.random() * 2, 0.2], NONE)


def test_a_few_dozen_labels_are_enough() -> None:
    model = LabelModel("payments", FEATURES)
    _train(model)
    assert model.positives >= model.min_positives
    found = model.find([10.0, 0.95, 7.0, 0.9])
    assert found is not None and found[0] == "mule" and found[1].score >= 0.8
    assert model.find([0.5, 0.05, 2.0, 0.2]) is None  # ordinary traffic


def test_the_old_default_rate_never_reached_the_threshold() -> None:
    slow = LabelModel("payments", FEATURES, learning_rate=0.01)
    _train(slow)
    assert slow.find([10.0, 0.95, 7.0, 0.9]) is None
    assert max(slow.proba([10.0, 0.95, 7.0, 0.9]).values()) < 0.8
