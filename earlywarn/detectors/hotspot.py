"""Hot spots: clusters of alerted entities around one cell or on one country pair."""

from __future__ import annotations

from collections.abc import Mapping

from earlywarn.detectors.base import Detector, Finding
from earlywarn.detectors.terms import Term, gated_score


class HotspotDetector(Detector):
    """Many distinct entities alerted within hours in one cell or on one route.

    Examples
    --------
    >>> d = HotspotDetector()
    >>> d.score_one({"alerted_entities_6h": 12.0, "typologies_6h": 1.0}).score
    1.0
    >>> d.score_one({"alerted_entities_6h": 1.0}) is None
    True
    """

    name = "hotspot"
    typology = "hotspot"
    version = "1"
    entity_type = "cell"
    channel = "hotspot"
    ttl_s = 12 * 3600.0

    def __init__(self, *, min_entities: float = 5.0, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.gate = Term(
            "alerted_entities_6h",
            2.0,
            min_entities,
            1.0,
            "{value:g} distinct entities alerted here in 6 h (threshold {threshold:g})",
        )
        self.pattern = (Term("typologies_6h", 0.0, 1.0, 1.0, "{value:g} typologies involved"),)

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one place's features; ``None`` below the cluster gate."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="monitor")
