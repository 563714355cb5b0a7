"""Online anomaly scoring of one channel's features with Half-Space Trees.

Each channel (``cdr``, ``sms``, ``payments``) gets one :class:`ChannelAnomaly`: a River
``MinMaxScaler | HalfSpaceTrees`` pipeline (Half-Space Trees expect inputs in [0, 1]),
plus running statistics of its own scores and of every feature. A finding is raised
only after ``warmup`` learned events, when the raw score is both high in absolute terms
and far above the scores seen so far; its reasons name the features furthest from
their running means. Findings stay at ``low`` or ``medium`` severity and only ask to
``monitor``: the typology detectors are the ones that block or freeze.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from river import anomaly, preprocessing

from earlywarn.contract.alert import Explanation
from earlywarn.detectors.base import Finding


class RunningStat:
    """Welford mean and variance.

    >>> s = RunningStat()
    >>> for x in (1.0, 2.0, 3.0):
    ...     s.update(x)
    >>> s.mean, round(s.std, 4)
    (2.0, 0.8165)
    """

    __slots__ = ("m2", "mean", "n")

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0

    def update(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n else 0.0

    def z(self, x: float) -> float:
        """Standard score of ``x`` (0 while there is no spread)."""
        std = self.std
        return (x - self.mean) / std if std > 1e-12 else 0.0


class ChannelAnomaly:
    """A seeded, picklable online anomaly model for one channel.

    Parameters
    ----------
    channel
        ``cdr``, ``sms`` or ``payments``; the model is named ``hst-<channel>``.
    seed
        Seed of the Half-Space Trees; same seed and inputs give the same scores.
    warmup
        Number of learned events before findings are raised.
    n_trees, height, window_size
        Half-Space Trees parameters.
    min_score
        Raw score (0..1) a finding needs at least.
    z_threshold
        How many standard deviations above the mean of past scores a finding needs.
    exclude_suffixes
        Features ending with these are not modelled (ages grow with uptime).

    Examples
    --------
    >>> m = ChannelAnomaly("cdr", seed=1, warmup=50)
    >>> for i in range(100):
    ...     x = {"calls_10m": float(i % 5), "short_share_10m": 0.1 * (i % 3)}
    ...     _ = m.score_one(x)
    ...     m.learn_one(x)
    >>> m.is_warm, m.name
    (True, 'hst-cdr')
    >>> 0.0 <= m.score_one({"calls_10m": 2.0, "short_share_10m": 0.1}) <= 1.0
    True
    """

    version = "1"
    typology = "anomaly"
    recommended_action = "monitor"
    ttl_s = 6 * 3600.0

    def __init__(
        self,
        channel: str,
        *,
        seed: int = 7,
        warmup: int = 1000,
        n_trees: int = 10,
        height: int = 8,
        window_size: int = 250,
        min_score: float = 0.9,
        z_threshold: float = 3.5,
        exclude_suffixes: tuple[str, ...] = ("_age_s",),
    ) -> None:
        self.channel = channel
        self.name = f"hst-{channel}"
        self.seed = seed
        self.warmup = warmup
        self.n_trees = n_trees
        self.height = height
        self.window_size = window_size
        self.min_score = min_score
        self.z_threshold = z_threshold
        self.exclude_suffixes = exclude_suffixes
        self.model: Any = preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(
            n_trees=n_trees, height=height, window_size=window_size, seed=seed
        )
        self.n_learned = 0
        self.scores = RunningStat()
        self.feature_stats: dict[str, RunningStat] = {}

    def __repr__(self) -> str:
        return f"ChannelAnomaly({self.channel!r}, seed={self.seed}, warmup={self.warmup})"

    @property
    def is_warm(self) -> bool:
        """Whether enough events were learned for scores to be trusted."""
        return self.n_learned >= self.warmup

    def clone(self) -> ChannelAnomaly:
        """A fresh, untrained model with the same parameters."""
        return ChannelAnomaly(
            self.channel,
            seed=self.seed,
            warmup=self.warmup,
            n_trees=self.n_trees,
            height=self.height,
            window_size=self.window_size,
            min_score=self.min_score,
            z_threshold=self.z_threshold,
            exclude_suffixes=self.exclude_suffixes,
        )

    def _inputs(self, x: Mapping[str, float]) -> dict[str, float]:
        return {k: float(v) for k, v in x.items() if not k.endswith(self.exclude_suffixes)}

    def score_one(self, x: Mapping[str, float]) -> float:
        """Raw Half-Space Trees score of ``x``, 0..1, higher is more anomalous."""
        return float(self.model.score_one(self._inputs(x)))

    def learn_one(self, x: Mapping[str, float], score: float | None = None) -> None:
        """Learn ``x``; pass its ``score`` from :meth:`score_one` to save recomputing it."""
        inputs = self._inputs(x)
        if self.n_learned >= self.window_size:  # scores mean little before the first window
            self.scores.update(self.score_one(inputs) if score is None else score)
        for k, v in inputs.items():
            self.feature_stats.setdefault(k, RunningStat()).update(v)
        self.model.learn_one(inputs)
        self.n_learned += 1

    def score_learn(self, x: Mapping[str, float]) -> tuple[float, Finding | None]:
        """Score ``x``, look for a finding, then learn ``x``: one event's whole step.

        The same as :meth:`score_one`, :meth:`find_one` and :meth:`learn_one` in turn (the
        scores are bit-identical), but the inputs are built once and the scaler and the
        trees are called directly; when learning ``x`` leaves the scaler's ranges as they
        were (the usual case once warm), one walk per tree both scores and learns.
        """
        inputs = self._inputs(x)
        steps = self.model.steps
        scaler, hst = steps["MinMaxScaler"], steps["HalfSpaceTrees"]
        raw, learned = 0.0, False
        if not hst._first_window:
            scaled = scaler.transform_one(inputs)
            shared = _score_learn_trees(hst, scaled) if _unchanged(scaler, inputs) else None
            learned = shared is not None
            raw = shared if shared is not None else float(hst.score_one(scaled))
        finding = self.find_one(inputs, raw)
        if self.n_learned >= self.window_size:
            self.scores.update(raw)
        stats = self.feature_stats
        for k, v in inputs.items():
            st = stats.get(k)
            if st is None:
                st = stats[k] = RunningStat()
            st.update(v)
        if not learned:  # by the shared walk
            scaler.learn_one(inputs)
            hst.learn_one(scaler.transform_one(inputs))
        self.n_learned += 1
        return raw, finding

    def normalise(self, score: float) -> float:
        """Map a raw score to 0..1 by its distance above past scores.

        ``z_threshold`` standard deviations map to 0.9, twice that to 0.99.
        """
        z = self.scores.z(score)
        if z <= 0:
            return 0.0
        return 1.0 - float(0.1 ** (z / self.z_threshold))

    def severity(self, normalised: float) -> str:
        """``medium`` from 0.99 (twice ``z_threshold``), ``low`` below."""
        return "medium" if normalised >= 0.99 else "low"

    def find_one(self, x: Mapping[str, float], score: float) -> Finding | None:
        """A finding when ``x`` (scored ``score``) is very anomalous after warm-up."""
        if not self.is_warm or self.n_learned < 2 * self.window_size or score < self.min_score:
            return None
        normalised = self.normalise(score)
        if normalised < 0.9:
            return None
        reasons = [
            Explanation(
                feature=self.name,
                value=round(score, 4),
                threshold_or_baseline=round(self.scores.mean, 4),
                detail=f"anomaly score {score:.2f} is far above the usual "
                f"{self.scores.mean:.2f} for this channel",
            )
        ]
        inputs = self._inputs(x)
        zs = [(abs(st.z(inputs[k])), k) for k, st in self.feature_stats.items() if k in inputs]
        for z, k in sorted(zs, key=lambda p: (-p[0], p[1]))[:3]:
            if z < 3.0:
                break
            mean = round(self.feature_stats[k].mean, 4)
            reasons.append(
                Explanation(
                    feature=k,
                    value=round(inputs[k], 4),
                    threshold_or_baseline=mean,
                    detail=f"{k} is {inputs[k]:g}, usually {mean:g} ({z:.1f} std away)",
                )
            )
        return Finding(
            score=normalised, reasons=tuple(reasons), recommended_action=self.recommended_action
        )


def _unchanged(scaler: Any, inputs: Mapping[str, float]) -> bool:
    """Whether learning ``inputs`` leaves every min and max of ``scaler`` as it is."""
    if scaler.window_size is not None:  # rolling ranges change on every learn
        return False
    lo, hi = scaler.min, scaler.max
    return all(k in lo and lo[k].get() <= v <= hi[k].get() for k, v in inputs.items())


def _score_learn_trees(hst: Any, x: Mapping[str, float]) -> float | None:
    """River ``HalfSpaceTrees.score_one(x)`` then ``learn_one(x)``, one walk per tree.

    Exact only when nothing ``x`` lacks is tested by a tree (else ``None`` is returned
    and nothing is changed): scoring reads ``r_mass`` and learning writes ``l_mass`` along
    the same path. Mirrors ``river.anomaly.hst`` 0.26 (``tests/learning`` checks it).
    """
    height = hst.height
    size_limit = 0.1 * hst.window_size
    paths = []
    for root in hst.trees:
        node, path = root, [root]
        for _ in range(height):
            feature = node.feature
            if feature not in x:
                return None
            c = node.children
            node = c[0] if x[feature] < node.threshold else c[1]
            path.append(node)
        paths.append(path)
    score = 0.0
    for path in paths:
        depth_pow = 1
        for node in path:
            r = node.r_mass
            score += r * depth_pow
            if r < size_limit:
                break
            depth_pow <<= 1
        for node in path:
            node.l_mass += 1
    hst.counter += 1
    if hst.counter == hst.window_size:
        for nodes in hst._tree_nodes:
            for node in nodes:
                node.r_mass = node.l_mass
                node.l_mass = 0
        hst._first_window = False
        hst.counter = 0
    return float(1 - score / hst._max_score)
