"""Ranking metrics and the time split shared by the streaming-vs-batch comparison.

Both systems are scored on the same test units (the second half in time) with the same
two figures: PR-AUC (average precision) and recall at a 1 % false-positive rate, read off
the ROC curve. Ties in the scores are handled the way scikit-learn's curves handle
them: a threshold takes or leaves every unit with that score together.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_curve

#: The false-positive rate recall is read at.
TARGET_FPR = 0.01


def recall_at_fpr(y: Sequence[int], scores: Sequence[float], fpr: float = TARGET_FPR) -> float:
    """Highest true-positive rate of a threshold whose false-positive rate is at most ``fpr``.

    Examples
    --------
    Positives ranked above every negative are all caught; a negative ranked first
    (1 of 2 negatives = 50 % FPR) caps recall at 1 % FPR at what ranks above it:

    >>> recall_at_fpr([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1])
    1.0
    >>> recall_at_fpr([0, 1, 1, 0], [0.9, 0.8, 0.2, 0.1])
    0.0
    >>> recall_at_fpr([0, 1, 1, 0], [0.9, 0.8, 0.2, 0.1], fpr=0.5)
    1.0
    """
    yt = np.asarray(y, dtype=int)
    if yt.min(initial=0) == yt.max(initial=0):
        return float("nan")
    fprs, tprs, _ = roc_curve(yt, np.asarray(scores, dtype=float))
    return float(tprs[fprs <= fpr + 1e-12].max())


def pr_auc(y: Sequence[int], scores: Sequence[float]) -> float:
    """Average precision (area under the precision-recall curve, step-wise).

    >>> pr_auc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    0.8333333333333333
    """
    yt = np.asarray(y, dtype=int)
    if not yt.any():
        return float("nan")
    return float(average_precision_score(yt, np.asarray(scores, dtype=float)))


@dataclass(frozen=True, slots=True)
class Score:
    """The figures of one system on one test set."""

    system: str
    n: int
    positives: int
    prevalence: float
    pr_auc: float
    recall_at_1pct_fpr: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(system: str, y: Sequence[int], scores: Sequence[float], note: str = "") -> Score:
    """All figures of ``scores`` against labels ``y``.

    >>> s = score("x", [1, 0, 0, 0], [0.5, 0.1, 0.1, 0.0])
    >>> s.n, s.positives, s.prevalence, s.pr_auc, s.recall_at_1pct_fpr
    (4, 1, 0.25, 1.0, 1.0)
    """
    if len(y) != len(scores):
        raise ValueError(f"{len(y)} labels but {len(scores)} scores")
    positives = int(np.sum(np.asarray(y, dtype=int)))
    return Score(
        system,
        len(y),
        positives,
        positives / len(y) if y else 0.0,
        pr_auc(y, scores),
        recall_at_fpr(y, scores),
        note,
    )


def split_time(times: Sequence[float]) -> float:
    """The time that splits ``times`` into a first and a second half.

    Units with a time strictly before it are the first half (training), the rest the
    second half (test); units at the same time always fall on the same side.

    >>> split_time([3.0, 1.0, 2.0, 4.0])
    3.0
    >>> t = split_time([1.0, 1.0, 1.0, 2.0])
    >>> t, [x < t for x in (1.0, 2.0)]
    (1.0, [False, False])
    """
    if not times:
        raise ValueError("no times to split")
    ordered = sorted(times)
    return ordered[len(ordered) // 2]


def halves(times: Sequence[float], at: float) -> tuple[list[int], list[int]]:
    """Indices of ``times`` before ``at`` (train) and at or after it (test).

    >>> halves([5.0, 1.0, 3.0], 3.0)
    ([1], [0, 2])
    """
    train = [i for i, t in enumerate(times) if t < at]
    test = [i for i, t in enumerate(times) if t >= at]
    return train, test


def max_before(events: Sequence[tuple[float, float]], at: float) -> float:
    """Largest score among ``(time, score)`` pairs (sorted by time) with time ``<= at``; 0 if none.

    >>> max_before([(1.0, 0.2), (2.0, 0.9), (3.0, 0.5)], 2.5)
    0.9
    >>> max_before([(1.0, 0.2)], 0.5)
    0.0
    """
    i = bisect.bisect_right([t for t, _ in events], at)
    return max((s for _, s in events[:i]), default=0.0)


def render(rows: Sequence[Score], meta: Mapping[str, Any] | None = None) -> str:
    """One Markdown table of ``rows`` (and a line of ``meta``)."""
    out = []
    if meta:
        out.append("; ".join(f"{k}: {v}" for k, v in meta.items()))
        out.append("")
    out.append("| system | n | positives | prevalence | PR-AUC | recall @ 1 % FPR |")
    out.append("|---|---|---|---|---|---|")
    for r in rows:
        out.append(
            f"| {r.system} | {r.n:,} | {r.positives:,} | {r.prevalence:.4f} "
            f"| {r.pr_auc:.3f} | {r.recall_at_1pct_fpr:.3f} |"
        )
    return "\n".join(out)


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


def iso(t: float) -> str:
    """``t`` (epoch seconds) as an ISO-8601 UTC time with ``Z``.

    >>> iso(0.0)
    '1970-01-01T00:00:00Z'
    """
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat().replace("+00:00", "Z")
