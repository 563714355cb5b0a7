"""Streaming earlywarn against a batch baseline on PaySim and AMLSim, same test split.

Each data set is adapted to contract payments (:mod:`loadtest.adapters`), the earlywarn
core processes the whole stream in event-time order (:func:`~loadtest.compare_stream.run_stream`;
no labels, the public data has none in the stream), and a HistGradientBoosting baseline
(:mod:`loadtest.compare_baseline`) is trained on the first half in time. Both are scored
on the second half: PaySim per transaction (its labels), AMLSim per account (its labels).
See ``models/README.md`` for the published tables and what each row means.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from loadtest.compare_baseline import (
    Transfer,
    account_features,
    account_group,
    fit_predict,
    read_paysim,
)
from loadtest.compare_metrics import Score, halves, max_before, render, score, split_time
from loadtest.compare_stream import StreamRun, run_stream, summary

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
DATA_ENV = "EARLYWARN_DATA_DIR"


def data_root() -> Path:
    """``$EARLYWARN_DATA_DIR``, else ``../shared/data`` next to the repository."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else REPO.parent / "shared" / "data"


@dataclass
class Comparison:
    """One data set's rows, on one test split."""

    dataset: str
    rows: list[Score]
    meta: dict[str, Any] = field(default_factory=dict)

    def table(self) -> str:
        return render(self.rows, self.meta)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "meta": self.meta,
            "rows": [r.to_dict() for r in self.rows],
        }


def _payments(path: Path) -> list[Transfer]:
    out = []
    with path.open("rb") as f:
        for line in f:
            o = orjson.loads(line)
            when = dt.datetime.fromisoformat(o["event_time"]).timestamp()
            out.append(Transfer(when, o["payer_account"], o["payee_account"], float(o["amount"])))
    return out


def _event_times(path: Path) -> dict[str, float]:
    with path.open("rb") as f:
        objs = [orjson.loads(line) for line in f]
    return {o["event_id"]: dt.datetime.fromisoformat(o["event_time"]).timestamp() for o in objs}


def compare_paysim(
    csv_path: Path, work: Path, *, models_dir: Path | None, limit: int | None = None
) -> Comparison:
    """PaySim: score each second-half transaction; train the baseline on the first half."""
    from loadtest.adapters.paysim import adapt_paysim

    adapt_paysim(csv_path, work, limit=limit)
    rows = read_paysim(csv_path, limit)
    times = _event_times(work / "events.jsonl")
    t = [times[r.event_id] for r in rows]
    at = split_time(t)
    train, test = halves(t, at)
    x = np.array([r.features for r in rows], dtype=float)
    y = [r.fraud for r in rows]
    y_train, y_test = [y[i] for i in train], [y[i] for i in test]
    base = fit_predict(x[train], y_train, x[test], categorical=(1,))
    lean = fit_predict(x[train][:, [0, 1, 6]], y_train, x[test][:, [0, 1, 6]], categorical=(1,))
    run = run_stream(work / "events.jsonl", models_dir=models_dir)

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
    ]
    meta = {
        "unit": "transaction",
        "split_time": _iso(at),
        "train_n": len(train),
        "train_positives": int(sum(y_train)),
        "stream": summary(run),
    }
    return Comparison("paysim", out, meta)


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
            sink.write(orjson.dumps({**body, "reported_time": _iso(at)}) + b"\n")
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
        "split_time": _iso(at),
        "train_n": len(train),
        "train_positives": sum(a in fraud for a in train),
        "transactions": len(txs),
        "stream": summary(run),
        "stream_with_labels": summary(taught),
        "labels": len(f1),
    }
    return Comparison("amlsim", out, meta)


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat().replace("+00:00", "Z")


def _git(*args: str) -> str:
    out = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def _commit() -> str:
    """Short HEAD, with ``+dirty`` when ``earlywarn/`` or ``loadtest/`` has uncommitted edits.

    ``$EARLYWARN_COMMIT`` overrides it (a run from a ``git archive`` snapshot of a commit).
    """
    if os.environ.get("EARLYWARN_COMMIT"):
        return os.environ["EARLYWARN_COMMIT"]
    try:
        head = _git("rev-parse", "--short", "HEAD") or "unknown"
        dirty = _git("status", "--porcelain", "--", "earlywarn", "loadtest")
    except OSError:
        return "unknown"
    return head + ("+dirty" if dirty else "")


def run_comparison(
    dataset: str,
    work: Path,
    *,
    models_dir: Path | None = Path("models"),
    limit: int | None = None,
    results: Path | None = RESULTS,
    command: str = "",
) -> tuple[Comparison, Path | None]:
    """Run one data set's comparison; write ``results/compare-<dataset>-<date>.json``."""
    started = time.perf_counter()
    root = data_root()
    if dataset == "paysim":
        cmp = compare_paysim(
            root / "paysim_sample" / "paysim_sample.csv", work, models_dir=models_dir, limit=limit
        )
    elif dataset == "amlsim":
        cmp = compare_amlsim(root / "amlsim_fanin", work, models_dir=models_dir, limit=limit)
    else:
        raise ValueError(f"unknown data set {dataset!r}: paysim or amlsim")
    cmp.meta["wall_seconds"] = round(time.perf_counter() - started, 1)
    if results is None:
        return cmp, None
    return cmp, write_result(dataset, cmp.to_dict(), results, command)


def write_result(name: str, doc: dict[str, Any], results: Path, command: str) -> Path:
    """Write ``doc`` with date, commit and command to ``results/compare-<name>-<date>.json``."""
    today = dt.date.today().isoformat()
    full = {**doc, "date": today, "commit": _commit(), "command": command}
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"compare-{name}-{today}.json"
    path.write_bytes(orjson.dumps(full, option=orjson.OPT_INDENT_2) + b"\n")
    return path


__all__ = [
    "Comparison",
    "StreamRun",
    "compare_amlsim",
    "compare_paysim",
    "run_comparison",
    "write_result",
]
