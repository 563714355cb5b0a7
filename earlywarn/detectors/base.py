"""The one interface every typology detector implements.

A detector reads the streaming features of one entity and says how much that entity
looks like its typology, and why. It holds no per-entity state of its own (state lives
in :mod:`earlywarn.features`), so one instance serves every entity and every worker.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from earlywarn.contract.alert import Explanation


@dataclass(slots=True, frozen=True)
class Finding:
    """What a detector says about one entity after one event.

    Parameters
    ----------
    score
        0..1; how strongly the features match the typology.
    reasons
        Why, feature by feature, in words an analyst reads.
    recommended_action
        One of the contract's actions.
    """

    score: float
    reasons: tuple[Explanation, ...]
    recommended_action: str


class Detector(ABC):
    """Base class of typology detectors.

    Subclasses set the class attributes and implement :meth:`score_one`.
    ``threshold`` is the score from which a finding becomes an alert.
    """

    #: Short name, used in ``model_version`` and metrics.
    name: str = ""
    #: Contract typology of the alerts it raises.
    typology: str = ""
    #: Bump when the logic changes; appears on every alert.
    version: str = "1"
    #: Entity type the features describe (``msisdn``, ``account``, ``sender_id`` ...);
    #: ``""``: the scored entity's own type (an SMS sender is an msisdn or a sender id).
    entity_type: str = ""
    #: Input channel whose features it reads (``cdr``, ``sms``, ``payments``).
    channel: str = ""
    #: How long, in seconds, an alert stays actionable.
    ttl_s: float = 24 * 3600.0
    threshold: float = 0.7
    #: Whom the alert is about: the entity whose state was scored (``"self"``) or, for a
    #: payment, its payee (``"payee"``).
    subject: str = "self"

    @abstractmethod
    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one entity's current features; ``None`` when nothing is suspicious."""

    def severity(self, score: float) -> str:
        """Map a score to a contract severity."""
        if score >= 0.95:
            return "critical"
        if score >= 0.85:
            return "high"
        if score >= self.threshold:
            return "medium"
        return "low"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(version={self.version!r}, threshold={self.threshold})"


@dataclass(slots=True, frozen=True)
class Detection:
    """A finding that crossed its detector's threshold, ready to become an alert.

    Built by :class:`earlywarn.scoring.Engine`; turned into a contract
    :class:`~earlywarn.contract.Alert` by :mod:`earlywarn.alerts`.

    ``window_start`` is the event-time start of the dedup window the detection falls in;
    with ``detector`` and ``entity_id`` it makes the ``alert_id`` deterministic, so a
    replay or a redelivery raises the same alert id.

    ``score`` is the detector's own score, which the engine passes on (risky contacts,
    watchlists); ``confidence`` is that score through the artifact's calibration curve
    for the detector, when it has one, and is what the alert publishes as its score.
    """

    detector: str
    typology: str
    entity_type: str
    entity_id: str
    score: float
    severity: str
    reasons: tuple[Explanation, ...]
    recommended_action: str
    event_id: str
    event_time: float
    evidence_event_ids: tuple[str, ...]
    window_start: float
    ttl_s: float
    jurisdictions: tuple[str, ...]
    reporter: str
    channel: str
    model_version: Mapping[str, str]
    confidence: float | None = None
