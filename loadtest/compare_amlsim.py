"""AMLSim: streaming earlywarn against a batch baseline, per second-half account.

AMLSim labels accounts (``isFraud`` in ``nodes.csv``). The baseline is trained on
per-account aggregates of the first half (accounts of one hash group, then all); the
stream runs once as it comes and once with the first half's accounts reported on the
labels topic at the split, each ``mule`` or ``legit``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import orjson

from loadtest.compare_baseline import Transfer, account_features, account_group, fit_predict
from loadtest.compare_metrics import Comparison, iso, score, split_time
from loadtest.compare_stream import StreamRun, run_stream, summary


def _payments(path: Path) -> list[Transfer]:
    out = []
    with path.open("rb") as f:
        for line in f:
            o = orjson.loads(line)
            when = dt.datetime.fromisoformat(o["event_time"]).timestamp()
            out.append(Transfer(when, o["payer_account"], o["payee_account"], float(o["amount"])))
    return out


def compare_amlsim(
    data_dir: Path,
    work: Path,
    *,
    models_dir: Path | None,
    limit: int | None = None,
    step_hours: float = 24.0,
) -> Comparison:
    """AMLSim: score test-group accounts active in the second half; labels per account."""
    import csv

    from loadtest.adapters.amlsim import adapt_amlsim

    adapt_amlsim(data_dir, work, limit=limit, step_hours=step_hours)
    with (data_dir / "nodes.csv").open(newline="", encoding="utf-8") as f:
        fraud = {f"AML-{r['nodeid']}" for r in csv.DictReader(f) if r["isFraud"] == "1"}
    txs = _payments(work / "events.jsonl")
    at = split_time([t.time for t in txs])
    first = [t for t in txs if t.time < at]
    second = [t for t in txs if t.time >= at]
    step_s = step_hours * 3600.0
    days1 = max(1.0, (at - txs[0].time) / 86400.0)
    days2 = max(1.0, (txs[-1].time - at) / 86400.0)
    f1 = account_features(first, step_s=step_s, days=days1)
    f2 = account_features(second, step_s=step_s, days=days2)
    train = sorted(a for a in f1 if account_group(a) == 0)
    test = sorted(a for a in f2 if account_group(a) == 1)
    y_test = [int(a in fraud) for a in test]
    x_test = np.array([f2[a] for a in test])
    base = fit_predict(np.array([f1[a] for a in train]), [int(a in fraud) for a in train], x_test)
    every = sorted(f1)
    leaky = fit_predict(np.array([f1[a] for a in every]), [int(a in fraud) for a in every], x_test)
    run = run_stream(work / "events.jsonl", models_dir=models_dir)
    raw: dict[str, float] = {}
    hst: dict[str, float] = {}
    for p in run.payments.values():
        raw[p.payer] = max(raw.get(p.payer, 0.0), p.risk_payer)
        raw[p.payee] = max(raw.get(p.payee, 0.0), p.risk_payee)
        hst[p.payer] = max(hst.get(p.payer, 0.0), p.anomaly)

    def alerted(a: str, on: StreamRun = run) -> float:
        return max((s for _, s in on.entity_alerts("account", a)), default=0.0)

    # The same stream with the first half's outcomes reported on earlywarn.labels at the
    # split, as a bank or an anti-scam centre would: what the baseline is trained on.
    labels = work / "labels.jsonl"
    with labels.open("wb") as sink:
        for a in sorted(f1):
            body = {"topic": "earlywarn.labels", "entity_type": "account", "entity_id": a}
            body |= {"label": "mule" if a in fraud else "legit", "source": "amlsim"}
            sink.write(orjson.dumps({**body, "reported_time": iso(at)}) + b"\n")
    taught = run_stream([work / "events.jsonl", labels], models_dir=models_dir)
    prob: dict[str, float] = {}
    for p in taught.payments.values():  # an account is scored as payer and as payee
        prob[p.payer] = max(prob.get(p.payer, 0.0), p.learned)
        prob[p.payee] = max(prob.get(p.payee, 0.0), p.learned_payee)

    out = [
        score("baseline HGB: per-account aggregates, disjoint accounts", y_test, list(base)),
        score("baseline HGB: trained on all accounts (test accounts too)", y_test, list(leaky)),
        score("earlywarn: max alert score on the account", y_test, [alerted(a) for a in test]),
        score(
            "earlywarn: + raw detector scores",
            y_test,
            [max(alerted(a), raw.get(a, 0.0)) for a in test],
        ),
        score(
            "earlywarn: payments anomaly raw score (max)", y_test, [hst.get(a, 0.0) for a in test]
        ),
        score(
            "earlywarn, first-half labels in the stream: max alert score",
            y_test,
            [alerted(a, taught) for a in test],
        ),
        score(
            "earlywarn, first-half labels in the stream: label models raw P(mule), as payer "
            "and as payee (max)",
            y_test,
            [prob.get(a, 0.0) for a in test],
        ),
    ]
    meta = {
        "unit": "account",
        "split_time": iso(at),
        "train_n": len(train),
        "train_positives": sum(a in fraud for a in train),
        "transactions": len(txs),
        "stream": summary(run),
        "stream_with_labels": summary(taught),
        "labels": len(f1),
    }
    return Comparison("amlsim", out, meta)
