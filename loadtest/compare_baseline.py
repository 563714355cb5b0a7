"""Batch baselines: a HistGradientBoosting classifier trained on the first half in time.

PaySim scores transactions from the columns the CSV gives (amount, type, the four
balance fields, hour of day). AMLSim scores accounts from aggregates of their own
transfers within one half (per-day rates, so the halves are comparable); training
accounts and test accounts are disjoint by default (see :func:`account_group`).
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # sklearn dep

from loadtest.adapters.paysim import RAILS

PAYSIM_TYPES: tuple[str, ...] = tuple(RAILS)
PAYSIM_FEATURES: tuple[str, ...] = (
    "amount",
    "type",
    "oldbalanceOrg",
    "newbalanceOrig",
    "oldbalanceDest",
    "newbalanceDest",
    "hour",
)
ACCOUNT_FEATURES: tuple[str, ...] = (
    "out_per_day",
    "in_per_day",
    "out_sum_per_day",
    "in_sum_per_day",
    "out_mean",
    "in_mean",
    "out_max",
    "in_max",
    "payees",
    "payers",
    "max_payers_per_step",
    "max_in_per_step",
    "active_steps",
    "in_out_ratio",
)


def fit_predict(
    x_train: np.ndarray, y_train: Sequence[int], x_test: np.ndarray, categorical: Sequence[int] = ()
) -> np.ndarray:
    """Fit a seeded ``HistGradientBoostingClassifier``; positive probabilities of ``x_test``.

    One OpenMP thread: on a shared 2-core machine the default (one per core) was 90x slower
    on 1,000 rows when other processes held the cores.
    """
    mask = [i in categorical for i in range(x_train.shape[1])]
    model = HistGradientBoostingClassifier(
        categorical_features=mask if any(mask) else None, random_state=0
    )
    with threadpool_limits(1):
        model.fit(x_train, np.asarray(y_train, dtype=int))
        proba: np.ndarray = model.predict_proba(x_test)[:, 1]
    return proba


@dataclass(frozen=True, slots=True)
class PaysimRow:
    """One PaySim transaction: its event id (as the adapter names it), features and label."""

    event_id: str
    features: tuple[float, ...]
    fraud: int


def read_paysim(csv_path: Path, limit: int | None = None) -> list[PaysimRow]:
    """The CSV's rows the adapter keeps (amount > 0, known type), with features and label."""
    out = []
    with csv_path.open(newline="", encoding="utf-8") as f:
        for i, rec in enumerate(csv.DictReader(f)):
            if limit is not None and i >= limit:
                break
            if float(rec["amount"]) <= 0 or rec["type"] not in RAILS:
                continue
            feats = (
                float(rec["amount"]),
                float(PAYSIM_TYPES.index(rec["type"])),
                float(rec["oldbalanceOrg"]),
                float(rec["newbalanceOrig"]),
                float(rec["oldbalanceDest"]),
                float(rec["newbalanceDest"]),
                float(int(rec["step"]) % 24),
            )
            out.append(PaysimRow(f"paysim-{i}", feats, int(float(rec["isFraud"]) >= 1)))
    return out


def account_group(account: str) -> int:
    """0 (training accounts) or 1 (test accounts), a fixed hash of the account id.

    >>> [account_group(f"AML-{i}") for i in range(8)]
    [1, 1, 0, 1, 0, 1, 0, 0]
    """
    return hashlib.blake2b(account.encode(), digest_size=2).digest()[0] % 2


@dataclass(frozen=True, slots=True)
class Transfer:
    """One transfer as the streaming system sees it."""

    time: float
    payer: str
    payee: str
    amount: float


def account_features(
    transfers: Iterable[Transfer], *, step_s: float, days: float
) -> dict[str, tuple[float, ...]]:
    """Per-account aggregates (:data:`ACCOUNT_FEATURES`) of ``transfers`` spanning ``days``.

    Only the given transfers are read: pass one half to keep the other out.

    >>> ts = [Transfer(0.0, "a", "c", 10.0), Transfer(1.0, "b", "c", 30.0)]
    >>> f = account_features(ts, step_s=86400.0, days=1.0)
    >>> f["c"][1], f["c"][9], f["c"][10], f["a"][0]
    (2.0, 2.0, 2.0, 1.0)
    """
    out_amounts: dict[str, list[float]] = defaultdict(list)
    in_amounts: dict[str, list[float]] = defaultdict(list)
    payees: dict[str, set[str]] = defaultdict(set)
    payers: dict[str, set[str]] = defaultdict(set)
    per_step_payers: dict[tuple[str, int], set[str]] = defaultdict(set)
    per_step_in: dict[tuple[str, int], int] = defaultdict(int)
    steps: dict[str, set[int]] = defaultdict(set)
    for t in transfers:
        step = int(t.time // step_s)
        out_amounts[t.payer].append(t.amount)
        in_amounts[t.payee].append(t.amount)
        payees[t.payer].add(t.payee)
        payers[t.payee].add(t.payer)
        per_step_payers[t.payee, step].add(t.payer)
        per_step_in[t.payee, step] += 1
        steps[t.payer].add(step)
        steps[t.payee].add(step)
    max_payers: dict[str, int] = defaultdict(int)
    max_in: dict[str, int] = defaultdict(int)
    for (acct, _), who in per_step_payers.items():
        max_payers[acct] = max(max_payers[acct], len(who))
    for (acct, _), n in per_step_in.items():
        max_in[acct] = max(max_in[acct], n)
    feats: dict[str, tuple[float, ...]] = {}
    for acct in steps:
        outs, ins = out_amounts.get(acct, []), in_amounts.get(acct, [])
        feats[acct] = (
            len(outs) / days,
            len(ins) / days,
            sum(outs) / days,
            sum(ins) / days,
            float(np.mean(outs)) if outs else 0.0,
            float(np.mean(ins)) if ins else 0.0,
            max(outs, default=0.0),
            max(ins, default=0.0),
            float(len(payees.get(acct, ()))),
            float(len(payers.get(acct, ()))),
            float(max_payers[acct]),
            float(max_in[acct]),
            float(len(steps[acct])),
            sum(ins) / (sum(outs) + 1.0),
        )
    return feats
