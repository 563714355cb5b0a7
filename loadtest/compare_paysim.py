"""PaySim: streaming earlywarn against a batch baseline, per second-half transaction.

PaySim labels transactions (``isFraud``). The baseline is trained on the first half's
transactions, with and without the balance columns the contract has no field for; the
stream runs once as it comes and once with the first half's outcomes reported on the
labels topic, each payer named ``victim`` (the fraudster empties the payer's account)
or ``legit`` a day after its transaction (at the split at the latest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson

from loadtest.compare_baseline import fit_predict, read_paysim
from loadtest.compare_metrics import Comparison, halves, iso, max_before, score, split_time
from loadtest.compare_stream import run_stream, summary

#: The class a PaySim fraud teaches the payer's label model.
VICTIM = "victim_in_progress"

#: How long after a first-half transaction its outcome is reported (seconds).
LABEL_DELAY_S = 24 * 3600.0


def _payers(path: Path) -> dict[str, tuple[float, str]]:
    """``event_id -> (event time, payer account)`` of the adapted events."""
    with path.open("rb") as f:
        objs = [orjson.loads(line) for line in f]
    return {
        o["event_id"]: (dt.datetime.fromisoformat(o["event_time"]).timestamp(), o["payer_account"])
        for o in objs
    }


def _write_labels(path: Path, outcomes: list[tuple[float, str, bool]], at: float) -> int:
    """Report each ``(time, payer, fraud)`` on the labels topic :data:`LABEL_DELAY_S`
    later, or at ``at`` (the split) if that is sooner; in reported-time order."""
    rows = sorted((min(t + LABEL_DELAY_S, at), payer, fraud) for t, payer, fraud in outcomes)
    with path.open("wb") as sink:
        for when, payer, fraud in rows:
            body = {"topic": "earlywarn.labels", "entity_type": "account", "entity_id": payer}
            body |= {"label": "victim" if fraud else "legit", "source": "paysim"}
            sink.write(orjson.dumps({**body, "reported_time": iso(when)}) + b"\n")
    return len(rows)


def compare_paysim(
    csv_path: Path, work: Path, *, models_dir: Path | None, limit: int | None = None
) -> Comparison:
    """PaySim: score each second-half transaction; train the baseline on the first half."""
    from loadtest.adapters.paysim import adapt_paysim

    adapt_paysim(csv_path, work, limit=limit)
    rows = read_paysim(csv_path, limit)
    payers = _payers(work / "events.jsonl")
    t = [payers[r.event_id][0] for r in rows]
    at = split_time(t)
    train, test = halves(t, at)
    x = np.array([r.features for r in rows], dtype=float)
    y = [r.fraud for r in rows]
    y_train, y_test = [y[i] for i in train], [y[i] for i in test]
    base = fit_predict(x[train], y_train, x[test], categorical=(1,))
    lean = fit_predict(x[train][:, [0, 1, 6]], y_train, x[test][:, [0, 1, 6]], categorical=(1,))
    run = run_stream(work / "events.jsonl", models_dir=models_dir)
    labels = work / "labels.jsonl"
    n_labels = _write_labels(
        labels, [(t[i], payers[rows[i].event_id][1], bool(y[i])) for i in train], at
    )
    taught = run_stream(
        [work / "events.jsonl", labels], models_dir=models_dir, learned_class=VICTIM
    )
    forest = run_stream(
        [work / "events.jsonl", labels],
        models_dir=models_dir,
        learned_class=VICTIM,
        label_forms={"payments": "forest"},
    )

    def stream(pick: Callable[[str], float]) -> list[float]:
        return [pick(rows[i].event_id) for i in test]

    def so_far(eid: str) -> float:
        p = run.payments[eid]
        acct = (max_before(run.entity_alerts("account", a), p.time) for a in (p.payer, p.payee))
        return max(p.alert, *acct)

    missing = [rows[i].event_id for i in test if rows[i].event_id not in run.payments]
    if missing:
        raise RuntimeError(f"{len(missing)} test payments were not scored, e.g. {missing[:3]}")
    out = [
        score("baseline HGB: amount, type, balances, hour", y_test, list(base)),
        score("baseline HGB: amount, type, hour (no balances)", y_test, list(lean)),
        score(
            "earlywarn: alerts raised by the payment",
            y_test,
            stream(lambda e: run.payments[e].alert),
        ),
        score("earlywarn: + earlier alerts on payer/payee", y_test, stream(so_far)),
        score(
            "earlywarn: + raw detector scores",
            y_test,
            stream(lambda e: max(so_far(e), run.payments[e].risk)),
        ),
        score(
            "earlywarn: payments anomaly raw score",
            y_test,
            stream(lambda e: run.payments[e].anomaly),
        ),
        score(
            "earlywarn, first-half labels in the stream: payments label model raw P(victim)",
            y_test,
            stream(lambda e: taught.payments[e].learned),
        ),
        score(
            "earlywarn, first-half labels, forest label model (label_forms payments=forest): "
            "raw P(victim)",
            y_test,
            stream(lambda e: forest.payments[e].learned),
        ),
    ]
    meta = {
        "unit": "transaction",
        "split_time": iso(at),
        "train_n": len(train),
        "train_positives": int(sum(y_train)),
        "stream": summary(run),
        "stream_with_labels": summary(taught),
        "stream_with_labels_forest": summary(forest),
        "labels": n_labels,
    }
    return Comparison("paysim", out, meta)
