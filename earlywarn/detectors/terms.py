"""Explainable scoring terms shared by the typology detectors.

A detector's score is a *gate* (is there enough volume to matter?) times a weighted
sum of *pattern* terms. Each term is a smooth ramp of one feature between a level where
it says nothing and a threshold from which it fully counts, and each term that counts
becomes an :class:`~earlywarn.contract.Explanation` naming the feature, its value and
its threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from earlywarn.contract.alert import Explanation


def ramp(x: float, lo: float, hi: float) -> float:
    """Smoothstep from 0 at ``lo`` to 1 at ``hi`` (falling when ``hi < lo``).

    Examples
    --------
    >>> ramp(0.0, 0.0, 10.0), ramp(5.0, 0.0, 10.0), ramp(20.0, 0.0, 10.0)
    (0.0, 0.5, 1.0)
    >>> ramp(60.0, 3600.0, 600.0)  # falling: small values count
    1.0
    """
    if hi == lo:
        return 1.0 if x >= hi else 0.0
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    return t * t * (3.0 - 2.0 * t)


@dataclass(slots=True, frozen=True)
class Term:
    """One feature's contribution to a score.

    Parameters
    ----------
    feature
        Feature name.
    lo, hi
        The ramp: contributes nothing at ``lo``, fully at ``hi`` (the threshold).
    weight
        Weight in the pattern sum (ignored for the gate).
    detail
        Plain-English reason, formatted with ``value`` and ``threshold``.
    """

    feature: str
    lo: float
    hi: float
    weight: float
    detail: str

    def strength(self, features: Mapping[str, float]) -> float:
        """How much this term counts, 0..1."""
        return ramp(float(features.get(self.feature, 0.0)), self.lo, self.hi)

    def explain(self, features: Mapping[str, float]) -> Explanation:
        """The reason this term gives, with the feature's value and threshold."""
        value = round(float(features.get(self.feature, 0.0)), 4)
        return Explanation(
            feature=self.feature,
            value=value,
            threshold_or_baseline=self.hi,
            detail=self.detail.format(value=value, threshold=self.hi),
        )


def gated_score(
    gate: Term, pattern: Sequence[Term], features: Mapping[str, float], *, min_strength: float = 0.5
) -> tuple[float, tuple[Explanation, ...]]:
    """``gate * sum(weight * strength)`` and the reasons that drove it.

    Reasons are the gate and every pattern term with strength at least ``min_strength``,
    largest contribution first.

    Examples
    --------
    >>> g = Term("n", 0.0, 10.0, 1.0, "{value} events")
    >>> p = [Term("a", 0.0, 1.0, 0.6, "a is {value}"), Term("b", 0.0, 1.0, 0.4, "b is {value}")]
    >>> score, reasons = gated_score(g, p, {"n": 20.0, "a": 1.0, "b": 0.0})
    >>> score, [r.feature for r in reasons]
    (0.6, ['n', 'a'])
    """
    g = gate.strength(features)
    if g <= 0.0:
        return 0.0, ()
    weighted = [(t.weight * t.strength(features), t) for t in pattern]
    total_weight = sum(t.weight for t in pattern) or 1.0
    score = g * sum(w for w, _ in weighted) / total_weight
    reasons = [gate.explain(features)]
    ranked = sorted(weighted, key=lambda wt: -wt[0])
    reasons += [t.explain(features) for w, t in ranked if t.strength(features) >= min_strength]
    return min(1.0, max(0.0, score)), tuple(reasons)
