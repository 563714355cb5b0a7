"""Streaming-vs-batch comparison: metrics on hand-made rankings, the time split, slices."""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

import orjson
import pytest

from earlywarn.alerts.pseudonymise import Pseudonymiser
from earlywarn.replay import Replay
from loadtest.compare import DATA_ENV, compare_amlsim, compare_paysim, data_root
from loadtest.compare_baseline import Transfer, account_features, account_group
from loadtest.compare_metrics import halves, max_before, pr_auc, recall_at_fpr, score, split_time
from loadtest.label_lift import LabelUse, replay, unnamed_truth, without_labels
from loadtest.truth import Campaign, GroundTruth


def test_recall_at_one_percent_fpr_on_a_known_ranking() -> None:
    # 200 negatives: 1 % FPR allows 2 of them above the threshold.
    y = [1] * 10 + [0] * 200
    s = [1.0 - i / 1000 for i in range(210)]  # positives first, then negatives
    assert recall_at_fpr(y, s) == 1.0
    # 3 negatives on top: the first threshold within 1 % FPR keeps no positive.
    y2 = [0, 0, 0] + [1] * 10 + [0] * 197
    assert recall_at_fpr(y2, s) == 0.0
    # 2 negatives on top (exactly 1 % FPR), then 5 positives, a negative, 5 positives.
    y3 = [0, 0] + [1] * 5 + [0] + [1] * 5 + [0] * 197
    assert recall_at_fpr(y3, s) == 0.5
    # Ties move together: a positive tied with 3 negatives is not reachable at 1 % FPR.
    assert recall_at_fpr([1, 0, 0, 0] + [0] * 96, [0.9, 0.9, 0.9, 0.9] + [0.1] * 96) == 0.0
    assert math.isnan(recall_at_fpr([0, 0], [0.1, 0.2]))


def test_pr_auc_and_score() -> None:
    assert pr_auc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx((1 + 2 / 3) / 2)
    assert pr_auc([1, 1, 0, 0], [0.0, 0.0, 0.0, 0.0]) == pytest.approx(0.5)  # all tied
    s = score("x", [1, 0, 0, 0], [0.0, 0.0, 0.0, 0.0])
    assert (s.n, s.positives, s.prevalence, s.recall_at_1pct_fpr) == (4, 1, 0.25, 0.0)
    with pytest.raises(ValueError):
        score("x", [1], [0.1, 0.2])


def test_time_split_has_no_leakage() -> None:
    rng = random.Random(3)
    times = [float(rng.randrange(50)) for _ in range(1001)]  # many ties
    at = split_time(times)
    train, test = halves(times, at)
    assert sorted(train + test) == list(range(len(times)))
    assert max(times[i] for i in train) < min(times[i] for i in test)
    assert abs(len(train) - len(test)) < 60  # about half, ties kept together


def test_account_features_read_only_their_half() -> None:
    first = [Transfer(float(i), f"p{i % 5}", "hub", 10.0) for i in range(20)]
    second = [Transfer(100.0 + i, "hub", f"q{i}", 1e6) for i in range(20)]
    alone = account_features(first, step_s=50.0, days=1.0)
    assert alone == account_features(
        [t for t in first + second if t.time < 100.0], step_s=50.0, days=1.0
    )
    assert alone["hub"][1] == 20.0 and alone["hub"][9] == 5.0  # 20 credits from 5 payers
    assert alone["hub"][0] == 0.0  # its 1e6 debits of the second half are not seen
    assert {account_group(f"AML-{i}") for i in range(50)} == {0, 1}


def test_max_before_is_causal() -> None:
    alerts = [(10.0, 0.3), (20.0, 0.9)]
    assert [max_before(alerts, t) for t in (5.0, 10.0, 19.9, 20.0)] == [0.0, 0.3, 0.3, 0.9]


def data_dir(name: str) -> Path:
    """A shared data folder (``../shared/data`` or ``$EARLYWARN_DATA_DIR``), else skip."""
    path = data_root() / name
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is absent (set {DATA_ENV}); slice tests need it")
    return path


def test_paysim_slice(tmp_path: Path) -> None:
    csv_path = data_dir("paysim_sample") / "paysim_sample.csv"
    cmp = compare_paysim(csv_path, tmp_path, models_dir=None, limit=2000)
    assert len({r.n for r in cmp.rows}) == 1  # every system on the same test set
    assert cmp.rows[0].n + cmp.meta["train_n"] == 2000
    assert all(r.positives > 0 for r in cmp.rows)
    assert all(0.0 <= r.pr_auc <= 1.0 and 0.0 <= r.recall_at_1pct_fpr <= 1.0 for r in cmp.rows)
    assert cmp.meta["stream"]["payments"] == 2000
    # the second run has the first half's outcomes as labels, one per first-half payment
    assert cmp.meta["labels"] == cmp.meta["train_n"]
    assert cmp.meta["stream_with_labels"]["events"] == 2000 + cmp.meta["labels"]
    assert any("raw P(victim)" in r.system for r in cmp.rows)
    # and a third with the payments label model as a forest, on the same records
    assert cmp.meta["stream_with_labels_forest"]["events"] == 2000 + cmp.meta["labels"]
    assert [r.system for r in cmp.rows if "forest label model" in r.system]


def test_amlsim_slice(tmp_path: Path) -> None:
    folder = data_dir("amlsim_fanin")
    cmp = compare_amlsim(folder, tmp_path, models_dir=None, limit=3000)
    assert len({(r.n, r.positives) for r in cmp.rows}) == 1
    assert cmp.rows[0].positives > 0
    assert cmp.meta["stream"]["payments"] == 3000
    assert "account" in cmp.table()
    # the second run has the first half's outcomes as labels, and learned from them
    labels = cmp.meta["labels"]
    assert labels > 0 and cmp.meta["stream_with_labels"]["events"] == 3000 + labels
    learned = next(r for r in cmp.rows if "label models raw" in r.system)
    assert learned.pr_auc > learned.positives / learned.n  # it ranks some frauds first


def _payment(i: int, payer: str) -> dict[str, object]:
    return {
        "topic": "payments.events",
        "event_id": f"p{i}",
        "event_time": f"2026-11-23T00:{i:02d}:00Z",
        "institution": "BANK",
        "payer_account": payer,
        "payee_account": f"B{i}",
        "amount": 100.0,
        "currency": "THB",
        "rail": "bank_transfer",
    }


def test_labels_are_dropped_and_counted(tmp_path: Path) -> None:
    label = {
        "topic": "earlywarn.labels",
        "entity_type": "account",
        "entity_id": "A1",
        "label": "mule",
        "source": "BANK",
        "reported_time": "2026-11-23T00:30:00Z",
    }
    lines = [_payment(i, "A1") for i in range(5)] + [label] + [_payment(40, "A2")]
    src = tmp_path / "events.jsonl"
    src.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    named: set[str] = set()
    assert without_labels(src, tmp_path / "stripped.jsonl", named) == 1
    assert named == {"A1"}
    assert len((tmp_path / "stripped.jsonl").read_bytes().splitlines()) == 6
    use = LabelUse()
    replay(src, tmp_path / "alerts.jsonl", models_dir=None, use=use)
    assert use.labels == {"account:mule": 1}
    assert use.labels_with_vectors == {"account:mule": 1} and use.vectors_learned >= 1
    assert use.model_counts["payments"]["mule"] == use.vectors_learned
    # the stripped file replays too (no label: nothing learned from labels)
    Replay(pseudonymiser=Pseudonymiser({}), models_dir=None).run(
        [tmp_path / "stripped.jsonl"], out=io.StringIO(), presorted=True
    )


def test_unnamed_truth_drops_only_labelled_entities() -> None:
    truth = GroundTruth("sim", 0, 1000)
    camp = Campaign("c1", "mule", 0, 10)
    camp.add("account", "A1", "mule")
    camp.add("account", "A2", "mule")
    truth.campaigns.append(camp)
    rest = unnamed_truth(truth, {"A1"})
    assert [e.entity_id for e in rest.campaigns[0].entities] == ["A2"]
    assert len(truth.campaigns[0].entities) == 2  # the original is untouched


def test_stream_run_records_the_anomaly_score_the_core_computed(tmp_path: Path) -> None:
    """The recorder wraps the step the core calls (``score_learn``): payments get scores."""
    import orjson

    from earlywarn.sample import sample_events
    from loadtest.compare_stream import run_stream

    path = tmp_path / "events.jsonl"
    events = sorted(sample_events(seed=2, subscribers=300), key=lambda e: e["event_time"])
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    run = run_stream(path, models_dir=None)
    # Half-Space Trees score 0 until their first reference window (250 events) is full.
    later = [p.anomaly for p in run.payments.values()][300:]
    assert len(later) > 50 and sum(s > 0 for s in later) > len(later) // 2
