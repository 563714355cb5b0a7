"""Alert scores that mean what they say: one calibration curve per detector.

A detector's own score orders what it sees (higher: more like its typology) and its
threshold says where to alert, but a 0.9 from the impersonation detector and a 0.9 from
the mule detector are not equally often right. ``earlywarn models calibrate`` replays
runs with known truth through an artifact, takes each detector's alerted entities with
their highest alert score and whether the alert was right (the evaluator's rules), and
fits the share that were right as a non-decreasing function of the score
(:func:`fit_curve`: scikit-learn's isotonic regression, each step shrunk toward one half
by Laplace's rule, so a few alerts never make a certainty). The curve goes into the
artifact's ``calibration``; a published alert's ``score`` is then the curve's value at
the detector's score (:func:`calibrate`), which the alert keeps as ``raw_score``.
Thresholds stay on the detector's own score, so calibrating changes no alert, only what
its score says.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

#: A calibration curve: ``[[score, calibrated], ...]`` with scores ascending.
Curve = list[list[float]]
#: A detector needs this many right alerted entities before it gets a curve.
MIN_RIGHT = 10


def calibrate(score: float, curve: Sequence[Sequence[float]] | None) -> float:
    """Map a raw detector score through a monotone calibration curve ``[[x, y], ...]``.

    Linear between points, flat beyond the ends.

    >>> round(calibrate(0.8, [[0.0, 0.0], [0.7, 0.5], [0.9, 0.95]]), 6)
    0.725
    >>> calibrate(0.8, None)
    0.8
    >>> calibrate(0.2, [[0.7, 0.5], [0.9, 0.95]]), calibrate(0.99, [[0.7, 0.5], [0.9, 0.95]])
    (0.5, 0.95)
    """
    if not curve:
        return score
    xs = [p[0] for p in curve]
    i = bisect.bisect_right(xs, score)
    if i == 0:
        return float(curve[0][1])
    if i == len(curve):
        return float(curve[-1][1])
    (x0, y0), (x1, y1) = curve[i - 1], curve[i]
    return float(y0 + (y1 - y0) * (score - x0) / (x1 - x0)) if x1 > x0 else float(y1)


def fit_curve(
    rows: Sequence[Sequence[float]], *, min_right: int = MIN_RIGHT, digits: int = 4
) -> Curve | None:
    """A calibration curve from ``(score, right, weight)`` (or ``(score, right)``) per entity.

    Isotonic regression of ``right`` on ``score`` gives steps of entities whose share of
    right alerts rises with the score; each step's value is then ``(right + 1) / (entities
    + 2)`` (weighted), and a second isotonic pass keeps the curve non-decreasing. Each
    step contributes its lowest and highest score as points. ``None`` with fewer than
    ``min_right`` right entities.

    Examples
    --------
    Twenty right alerts above 0.8, two wrong ones below:

    >>> rows = [(0.81 + i / 100, True) for i in range(18)] + [(0.8, False), (0.79, False)]
    >>> rows += [(0.78, True), (0.77, True)]
    >>> curve = fit_curve(rows)
    >>> curve
    [[0.77, 0.5], [0.8, 0.5], [0.81, 0.95], [0.98, 0.95]]
    >>> round(calibrate(0.9, curve), 2), round(calibrate(0.805, curve), 3)
    (0.95, 0.725)
    >>> fit_curve(rows[:5]) is None
    True
    """
    from sklearn.isotonic import isotonic_regression

    by_score: dict[float, list[float]] = {}
    for r in rows:
        w = float(r[2]) if len(r) > 2 else 1.0
        acc = by_score.setdefault(float(r[0]), [0.0, 0.0])
        acc[0] += w * bool(r[1])
        acc[1] += w
    if sum(1 for r in rows if r[1]) < min_right:
        return None
    xs = sorted(by_score)
    right = [by_score[x][0] for x in xs]
    weight = [by_score[x][1] for x in xs]
    fitted = isotonic_regression(
        [r / w for r, w in zip(right, weight, strict=True)], sample_weight=weight
    )
    steps: list[list[float]] = []  # [lo, hi, right, weight] per step of equal fitted value
    for i, x in enumerate(xs):
        if steps and fitted[i] == fitted[i - 1]:
            steps[-1][1] = x
            steps[-1][2] += right[i]
            steps[-1][3] += weight[i]
        else:
            steps.append([x, x, right[i], weight[i]])
    shrunk = [(s[2] + 1.0) / (s[3] + 2.0) for s in steps]
    values = isotonic_regression(shrunk, sample_weight=[s[3] for s in steps])
    curve: Curve = []
    for s, v in zip(steps, values, strict=True):
        y = round(float(v), digits)
        for x in (s[0], s[1]) if s[1] > s[0] else (s[0],):
            curve.append([round(x, digits), y])
    return curve
