"""Per-typology alert thresholds chosen with scikit-learn on simulator data.

``earlywarn models train`` replays seeded simulator runs with
:attr:`~earlywarn.scoring.core.Core.observe` set to a :class:`ScoreLog`, which keeps
the highest score every detector and every label-model class gave each entity, below
threshold too. Ground truth (the evaluator's rules, :mod:`loadtest.evaluate`) says
which entities are positives of each typology; :func:`choose_thresholds` then picks, per
detector and typology, the lowest threshold whose entity-level precision reaches the
target (``precision_recall_curve``). The thresholds are stored in the model artifact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from loadtest.truth import GroundTruth

K = TypeVar("K", bound=Hashable)
#: Alert typologies no evaluation row accepts (the anomaly models'): right about any
#: scam entity, as in the evaluator's ``all`` row.
UNTYPED = frozenset(("anomaly",))
#: A label-model class threshold above any probability: the class never alerts.
OFF = 1.01
#: Label-model thresholds are never set below this probability.
SUPERVISED_FLOOR = 0.5
#: A model class with fewer positive entities than this in training is off: a threshold
#: "calibrated" on two positives (seed 11's two pig-butchering labels gave the payments
#: and call models a ``pig_butchering`` class at the 0.5 floor) says nothing about the
#: next run.
MIN_CLASS_POSITIVES = 10
#: Weight of a decoy (a legitimate look-alike: call centre, bulk sender, payroll) among
#: the negatives: in effect a threshold must clear every decoy seen in training, as the
#: decoy target (at most 1 false alert per 100k events) asks far more than precision.
DECOY_WEIGHT = 1000.0


class ScoreLog:
    """Highest score per ``(detector, typology, entity)``; a ``Core.observe`` callback.

    Examples
    --------
    >>> log = ScoreLog()
    >>> log("mule", "mule", "BK:1", 0.4); log("mule", "mule", "BK:1", 0.9)
    >>> log("mule", "mule", "BK:1", 0.7); log.best
    {('mule', 'mule', 'BK:1'): 0.9}
    """

    def __init__(self) -> None:
        self.best: dict[tuple[str, str, str], float] = {}

    def __call__(self, detector: str, typology: str, entity_id: str, score: float) -> None:
        key = (detector, typology, entity_id)
        if score > self.best.get(key, -1.0):
            self.best[key] = score


def truth_judge(truth: GroundTruth) -> dict[str, frozenset[str] | None]:
    """Entity id to the alert typologies that are right about it (the evaluator's
    rows and :data:`~loadtest.evaluate.ACCEPTED`, and :data:`UNTYPED`); ``None`` for a
    campaign's targets, which the evaluator does not judge. Entities not in the map are
    negatives."""
    from loadtest.evaluate import ACCEPTED, row_of

    out: dict[str, frozenset[str] | None] = {}
    for c in truth.campaigns:
        for e in c.entities:
            row = row_of(c.typology, e.role)
            ids = [e.entity_id, *(a[1] for a in e.aliases)]
            for ent in ids:
                if row is None:
                    out.setdefault(ent, None)
                else:
                    out[ent] = (out.get(ent) or UNTYPED) | ACCEPTED[row]
    return out


#: One entity's ``(highest score, is positive, weight)``.
Scored = tuple[float, bool, float]


def truth_decoys(truth: GroundTruth) -> frozenset[str]:
    """Ids of the decoy entities (and their aliases) of ground truth."""
    return frozenset(
        ent
        for d in truth.decoys
        for e in d.entities
        for ent in (e.entity_id, *(a[1] for a in e.aliases))
    )


def labelled(
    log: ScoreLog,
    judge: Mapping[str, frozenset[str] | None],
    negative_weight: float = 1.0,
    decoys: frozenset[str] = frozenset(),
) -> dict[tuple[str, str], list[Scored]]:
    """``(detector, typology)`` to ``(highest score, positive, weight)`` per judged entity.

    Scam entities of another typology and campaign targets are left out, as the
    evaluator leaves them out of precision. Negatives weigh ``negative_weight``: a run
    with a fifth of the population of the deployment a threshold is chosen for has a
    fifth of its ordinary entities, and as many campaigns. ``decoys`` weigh
    :data:`DECOY_WEIGHT`.

    Examples
    --------
    >>> log = ScoreLog()
    >>> for ent, s in (("a", 0.9), ("b", 0.6), ("t", 0.8), ("x", 0.95)):
    ...     log("sup-cdr", "simbox", ent, s)
    >>> labelled(log, {"a": frozenset({"simbox"}), "t": None, "x": frozenset({"wangiri"})}, 5)
    {('sup-cdr', 'simbox'): [(0.9, True, 1.0), (0.6, False, 5)]}
    """
    out: dict[tuple[str, str], list[Scored]] = defaultdict(list)
    for (det, typ, ent), score in log.best.items():
        if ent not in judge:
            out[det, typ].append((score, False, DECOY_WEIGHT if ent in decoys else negative_weight))
            continue
        accepted = judge[ent]
        if accepted is not None and typ in accepted:
            out[det, typ].append((score, True, 1.0))
    return dict(out)


def choose_thresholds(
    scores: Mapping[K, Sequence[Sequence[float]]], precision: float
) -> dict[K, float]:
    """Per key, the lowest score threshold whose precision reaches ``precision``.

    ``scores`` maps a key (a typology, or a detector and typology) to ``(max score, is
    positive)`` or ``(max score, is positive, weight)`` per entity. Keys with only
    positives or only negatives are left out. The threshold is set midway between that
    lowest score and the next lower one seen, which keeps the same entities: a threshold
    right at a training score would drop an entity that scores a hair lower on other data.

    Examples
    --------
    >>> choose_thresholds({"x": [(0.9, True), (0.8, True), (0.75, False), (0.6, False)]}, 0.9)
    {'x': 0.775}
    >>> choose_thresholds({"x": [(0.9, True), (0.8, True, 1), (0.7, False, 5)]}, 0.9)
    {'x': 0.75}
    >>> choose_thresholds({"x": [(0.9, True), (0.8, True, 1), (0.85, False, 5)]}, 0.9)
    {'x': 0.875}
    """
    from sklearn.metrics import precision_recall_curve

    out: dict[K, float] = {}
    for key, rows in scores.items():
        y = [int(r[1]) for r in rows]
        if not any(y) or all(y):
            continue
        weights = [float(r[2]) if len(r) > 2 else 1.0 for r in rows]
        prec, _, thr = precision_recall_curve(y, [r[0] for r in rows], sample_weight=weights)
        ok = [float(t) for p, t in zip(prec[:-1], thr, strict=True) if p >= precision]
        if ok:
            lowest = min(ok)
            below = [r[0] for r in rows if r[0] < lowest]
            out[key] = round((lowest + max(below)) / 2 if below else lowest, 4)
    return out


def model_thresholds(
    scores: Mapping[tuple[str, str], Sequence[Sequence[float]]],
    precision: float,
    models: Sequence[str],
    floor: float = SUPERVISED_FLOOR,
    min_positives: int = MIN_CLASS_POSITIVES,
) -> dict[str, dict[str, float]]:
    """Per online model (label models ``sup-<channel>``, anomaly models ``hst-<channel>``)
    and class: the chosen threshold.

    A class that reaches ``precision`` at no threshold, or has fewer than
    ``min_positives`` positive entities, is switched off (:data:`OFF`); one with only
    positives keeps its lowest positive score; never below ``floor``.

    Examples
    --------
    >>> s = {("sup-cdr", "simbox"): [(0.99, True), (0.97, False), (0.9, False)],
    ...      ("sup-cdr", "wangiri"): [(0.7, True), (0.4, True)],
    ...      ("sup-sms", "smishing"): [(0.6, False), (0.3, True)]}
    >>> model_thresholds(s, 0.9, ["sup-cdr", "sup-sms"], min_positives=1)
    {'sup-cdr': {'simbox': 0.98, 'wangiri': 0.5}, 'sup-sms': {'smishing': 1.01}}
    >>> model_thresholds(s, 0.9, ["sup-cdr"], min_positives=2)
    {'sup-cdr': {'simbox': 1.01, 'wangiri': 0.5}}
    """
    chosen = choose_thresholds(scores, precision)
    out: dict[str, dict[str, float]] = {}
    for (model, typ), pairs in sorted(scores.items()):
        if model not in models:
            continue
        if sum(bool(r[1]) for r in pairs) < min_positives:
            t = OFF
        elif (model, typ) in chosen:
            t = chosen[model, typ]
        elif all(r[1] for r in pairs):
            t = min(r[0] for r in pairs)
        else:
            t = OFF
        out.setdefault(model, {})[typ] = round(max(floor, t), 4)
    return out
