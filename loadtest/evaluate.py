"""Entity-level evaluation of alerts against ground truth.

Every ground-truth entity is scored in one *evaluation typology* (a row of the report),
chosen from its campaign's typology and its role (:func:`row_of`). An alert counts for a row
when its typology is one the row accepts (:data:`ACCEPTED`). See ``loadtest/README.md``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from loadtest.clock import MS_HOUR, parse_ms
from loadtest.truth import GroundTruth

Key = tuple[str, str]

#: Alert typologies each evaluation typology accepts as a correct detection.
ACCEPTED: dict[str, frozenset[str]] = {
    "wangiri": frozenset({"wangiri"}),
    "simbox": frozenset({"simbox"}),
    "smishing": frozenset({"smishing"}),
    "impersonation": frozenset({"impersonation", "wangiri"}),
    "pig_butchering": frozenset({"pig_butchering", "mule"}),
    "sim_swap": frozenset({"sim_swap", "account_takeover", "victim_in_progress"}),
    "account_takeover": frozenset({"account_takeover", "sim_swap", "victim_in_progress"}),
    "mule": frozenset({"mule"}),
    "victim_in_progress": frozenset({"victim_in_progress"}),
}
ALL = "all"
#: Alert typologies about places (cells, country pairs), which ground truth does not
#: label: counted apart (:attr:`Evaluation.place_alerts`), not scored as entities.
PLACE_TYPOLOGIES = frozenset({"hotspot"})
_SCORED_ROLES = frozenset({"scammer", "mule", "victim"})


def row_of(typology: str, role: str) -> str | None:
    """Evaluation typology of an entity with ``role`` in a campaign of ``typology``.

    Mules are always ``mule``; victims are ``victim_in_progress`` except in account
    takeovers (``sim_swap``, ``account_takeover``), where the victim's account is what the
    campaign's own typology is about. Targets and decoys are not scored (``None``).

    Examples
    --------
    >>> row_of("impersonation", "victim"), row_of("sim_swap", "victim"), row_of("smishing", "mule")
    ('victim_in_progress', 'sim_swap', 'mule')
    """
    if role not in _SCORED_ROLES:
        return None
    if role == "mule":
        return "mule"
    if role == "victim" and typology not in ("sim_swap", "account_takeover"):
        return "victim_in_progress"
    return typology


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """The fields of a contract alert the evaluation reads."""

    entity_type: str
    entity_id: str
    typology: str
    score: float
    event_ms: int
    #: The feature of the alert's first reason: a detector's gate feature or a model's
    #: name (``sup-payments``, ``hst-cdr``): which detector raised it.
    reason: str = ""
    #: The detector or model that raised it (the alert's ``detector``, when it has one).
    detector: str = ""


def load_alerts(path: Path) -> list[AlertRecord]:
    """Read a JSONL file of contract alerts (as written by ``earlywarn replay --out``)."""
    out = []
    with path.open("rb") as f:
        for line in f:
            if line.strip():
                a = orjson.loads(line)
                out.append(
                    AlertRecord(
                        a["entity_type"],
                        a["entity_id"],
                        a["typology"],
                        float(a.get("score", 0.0)),
                        parse_ms(a["event_time"]),
                        str(a["reasons"][0]["feature"]) if a.get("reasons") else "",
                        str(a.get("detector", "")),
                    )
                )
    return out


@dataclass
class RowMetrics:
    """Metrics of one evaluation typology (or ``all``)."""

    row: str
    positives: int = 0
    detected: int = 0
    alerted_entities: int = 0
    false_entities: int = 0
    cross_entities: int = 0
    alerts: int = 0
    decoy_alerts: int = 0
    campaigns: int = 0
    detected_campaigns: int = 0
    ttd_hours: list[float] = field(default_factory=list)
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    fp_per_million: float = 0.0
    alerts_per_1k_entities: float = 0.0

    @property
    def ttd_median_h(self) -> float | None:
        return float(np.median(self.ttd_hours)) if self.ttd_hours else None

    @property
    def ttd_p90_h(self) -> float | None:
        return float(np.percentile(self.ttd_hours, 90)) if self.ttd_hours else None


@dataclass
class Evaluation:
    """Everything the report shows."""

    rows: dict[str, RowMetrics]
    total_events: int
    total_entities: int
    delays_h: dict[str, list[float | None]]
    scores_scam: list[float]
    scores_normal: list[float]
    place_alerts: int = 0
    #: ``(typology, detector (else first reason), "decoy" or "false")`` to alerts on
    #: entities that are no scam entity (decoys, or anyone else not in ground truth).
    false_by_reason: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    #: Per detector, typology and alerted entity judged as precision judges it: the
    #: highest alert score and whether the alert was right (how well scores are calibrated).
    judged_scores: list[tuple[float, bool]] = field(default_factory=list)


class _Index:
    """Ground truth re-keyed: alias -> entity, entity -> rows, decoys, neutral targets."""

    def __init__(self, truth: GroundTruth) -> None:
        self.canon: dict[Key, Key] = {}
        self.rows: dict[Key, set[str]] = defaultdict(set)
        self.start: dict[Key, dict[str, int]] = defaultdict(dict)
        self.campaign_rows: list[tuple[int, dict[str, set[Key]]]] = []
        self.neutral: set[Key] = set()
        for c in truth.campaigns:
            per_row: dict[str, set[Key]] = defaultdict(set)
            for e in c.entities:
                key = self._canon(e.keys())
                row = row_of(c.typology, e.role)
                if row is None:
                    self.neutral.add(key)
                    continue
                self.rows[key].add(row)
                per_row[row].add(key)
                starts = self.start[key]
                starts[row] = min(starts.get(row, c.start_ms), c.start_ms)
            per_row[ALL] = set().union(*per_row.values())
            self.campaign_rows.append((c.start_ms, per_row))
        self.neutral -= self.rows.keys()
        self.decoys: set[Key] = set()
        for d in truth.decoys:
            for e in d.entities:
                key = self._canon(e.keys())
                if key not in self.rows:
                    self.decoys.add(key)

    def _canon(self, keys: Iterable[Key]) -> Key:
        keys = list(keys)
        found = next((self.canon[k] for k in keys if k in self.canon), keys[0])
        for k in keys:
            self.canon.setdefault(k, found)
        return found

    def key(self, alert: AlertRecord) -> Key:
        k = (alert.entity_type, alert.entity_id)
        return self.canon.get(k, k)


def _finish(m: RowMetrics, total_events: int, total_entities: int) -> None:
    judged = m.alerted_entities - m.cross_entities
    m.precision = (judged - m.false_entities) / judged if judged else None
    m.recall = m.detected / m.positives if m.positives else None
    if m.precision is not None and m.recall is not None and m.precision + m.recall > 0:
        m.f1 = 2 * m.precision * m.recall / (m.precision + m.recall)
    m.fp_per_million = m.decoy_alerts / total_events * 1e6 if total_events else 0.0
    m.alerts_per_1k_entities = m.alerts / total_entities * 1e3 if total_entities else 0.0


def evaluate(truth: GroundTruth, alerts: list[AlertRecord]) -> Evaluation:
    """Score ``alerts`` against ``truth`` (see the module docstring and README)."""
    idx = _Index(truth)
    total_events = truth.total_events
    total_entities = sum(truth.entity_counts.values()) or len(idx.rows)
    first: dict[tuple[str, Key], list[int]] = defaultdict(list)  # (row, key) -> alert times
    alerted: dict[str, set[Key]] = defaultdict(set)
    own: dict[str, set[Key]] = defaultdict(set)  # alerted with the row's own typology
    best: dict[Key, float] = {}
    by_detector: dict[tuple[str, str, Key], float] = {}
    rows = {r: RowMetrics(r) for r in (*ACCEPTED, ALL)}
    places = 0
    wrong: Counter[tuple[str, str, str]] = Counter()
    for a in alerts:
        if a.typology in PLACE_TYPOLOGIES:
            places += 1
            continue
        key = idx.key(a)
        best[key] = max(best.get(key, 0.0), a.score)
        by_detector[a.detector or a.reason, a.typology, key] = max(
            by_detector.get((a.detector or a.reason, a.typology, key), 0.0), a.score
        )
        if key not in idx.rows and key not in idx.neutral:
            who = a.detector or a.reason
            wrong[a.typology, who, "decoy" if key in idx.decoys else "false"] += 1
        for r in [r for r, acc in ACCEPTED.items() if a.typology in acc] + [ALL]:
            rows[r].alerts += 1
            alerted[r].add(key)
            first[r, key].append(a.event_ms)
            if r in (a.typology, ALL):  # a false alert counts in its own typology's row only
                rows[r].decoy_alerts += key in idx.decoys
                own[r].add(key)
    positives_all = set(idx.rows)
    delays: dict[str, list[float | None]] = {}
    for r, m in rows.items():
        pos = positives_all if r == ALL else {k for k, rs in idx.rows.items() if r in rs}
        m.positives = len(pos)
        m.alerted_entities = len(alerted[r])
        tp = alerted[r] & pos
        m.false_entities = len(own[r] - positives_all - idx.neutral)
        m.cross_entities = m.alerted_entities - len(tp) - m.false_entities
        delays[r] = []
        for key in pos:
            starts = idx.start[key]
            s = min(starts.values()) if r == ALL else starts[r]
            after = [t for t in first.get((r, key), ()) if t >= s]
            delays[r].append((min(after) - s) / MS_HOUR if after else None)
        m.detected = sum(d is not None for d in delays[r])
        for start, per_row in idx.campaign_rows:
            if per_row.get(r):
                m.campaigns += 1
                hits = [t for k in per_row[r] for t in first.get((r, k), ()) if t >= start]
                if hits:
                    m.detected_campaigns += 1
                    m.ttd_hours.append((min(hits) - start) / MS_HOUR)
        _finish(m, total_events, total_entities)
    scam = [s for k, s in best.items() if k in positives_all]
    normal = [s for k, s in best.items() if k not in positives_all and k not in idx.neutral]
    judged = []
    for (_, typology, key), score in by_detector.items():
        if key in idx.rows:  # right, or a scam entity of another typology: left out
            if any(typology in ACCEPTED[r] for r in idx.rows[key]):
                judged.append((score, True))
        elif key not in idx.neutral:
            judged.append((score, False))
    return Evaluation(
        rows, total_events, total_entities, delays, scam, normal, places, wrong, judged
    )
