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

import functools
from collections.abc import Mapping
from typing import Any

from river import anomaly, preprocessing

from earlywarn.contract.alert import Explanation
from earlywarn.detectors.base import Finding
from earlywarn.learning.flat_hst import FlatTrees
from earlywarn.learning.running import RunningStat


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
        self._model: Any = preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(
            n_trees=n_trees, height=height, window_size=window_size, seed=seed
        )
        #: The trees' flat mirror that :meth:`score_learn` works on (River's objects are
        #: brought up to date from it when :attr:`model` is read or the model pickled).
        self._flat: FlatTrees | None = None
        self.n_learned = 0
        self.scores = RunningStat()
        self.feature_stats: dict[str, RunningStat] = {}

    def __repr__(self) -> str:
        return f"ChannelAnomaly({self.channel!r}, seed={self.seed}, warmup={self.warmup})"

    @property
    def model(self) -> Any:
        """The River pipeline ``MinMaxScaler | HalfSpaceTrees``, up to date."""
        if self._flat is not None:
            self._flat.write_back()
            self._flat = None  # rebuilt from River's objects by the next score_learn
        return self._model

    def __getstate__(self) -> dict[str, Any]:
        state = {**self.__dict__, "_model": self.model}
        state["_flat"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "model" in state:  # pickled before the flat mirror
            state["_model"] = state.pop("model")
        state.setdefault("_flat", None)
        self.__dict__.update(state)

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
        return {k: float(x[k]) for k in _modelled(tuple(x), self.exclude_suffixes)}

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
        scores and the model state are bit-identical), but the trees are walked on their
        flat mirror (:class:`~earlywarn.learning.flat_hst.FlatTrees`); when learning ``x``
        leaves the scaler's ranges as they were (the usual case once warm), one walk per
        tree both scores and learns.
        """
        inputs = self._inputs(x)
        steps = self._model.steps
        scaler, hst = steps["MinMaxScaler"], steps["HalfSpaceTrees"]
        flat = self._flat
        if flat is None and hst.trees:
            flat = self._flat = FlatTrees(hst)
        if flat is None:  # the first event: River builds the trees as it learns it
            raw = 0.0 if hst._first_window else float(hst.score_one(scaler.transform_one(inputs)))
            finding = self.find_one(inputs, raw)
            self._observe(inputs, raw)
            scaler.learn_one(inputs)
            hst.learn_one(scaler.transform_one(inputs))
            return raw, finding
        row = _scaled_row(scaler, inputs, flat.features)
        if row is not None:  # the scaler stays as it is: score and learn in one walk
            raw = flat.score_learn(row)
        elif flat.first_window:
            raw = 0.0
        else:  # learning x moves the scaler's ranges: score now, learn anew below
            raw = flat.score(flat.leaves(flat.row(scaler.transform_one(inputs))))
        finding = self.find_one(inputs, raw)
        self._observe(inputs, raw)
        if row is None:
            scaler.learn_one(inputs)
            flat.learn(flat.leaves(flat.row(scaler.transform_one(inputs))))
        return raw, finding

    def _observe(self, inputs: Mapping[str, float], raw: float) -> None:
        """Running statistics of the scores and of every input (before learning it)."""
        if self.n_learned >= self.window_size:
            self.scores.update(raw)
        stats = self.feature_stats
        for k, v in inputs.items():
            st = stats.get(k)
            if st is None:
                st = stats[k] = RunningStat()
            n = st.n = st.n + 1  # RunningStat.update, inlined: the same operations
            delta = v - st.mean
            st.mean += delta / n
            st.m2 += delta * (v - st.mean)
        self.n_learned += 1

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


@functools.lru_cache(maxsize=64)
def _modelled(keys: tuple[str, ...], exclude_suffixes: tuple[str, ...]) -> tuple[str, ...]:
    """``keys`` without those ending with ``exclude_suffixes`` (each channel has one set)."""
    return tuple(k for k in keys if not k.endswith(exclude_suffixes))


def _scaled_row(
    scaler: Any, inputs: Mapping[str, float], features: tuple[str, ...]
) -> list[float | None] | None:
    """``features`` of ``scaler.transform_one(inputs)``, or ``None`` if learning
    ``inputs`` would move any of the scaler's ranges (then nothing is read or changed)."""
    if scaler.window_size is not None:  # rolling ranges change on every learn
        return None
    lo, hi = scaler.min, scaler.max
    row: list[float | None] = []
    present = 0
    for name in features:
        value = inputs.get(name)
        if value is None:
            row.append(None)
            continue
        low, high = lo.get(name), hi.get(name)
        if low is None or high is None:
            return None
        a, b = low.min, high.max
        if not a <= value <= b:
            return None
        present += 1
        d = b - a
        row.append((value - a) / d if d else 0.0)
    if present < len(inputs):  # inputs the trees don't test must stay in range too
        for k, v in inputs.items():
            low, high = lo.get(k), hi.get(k)
            if low is None or high is None or not low.min <= v <= high.max:
                return None
    return row
