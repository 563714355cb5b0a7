"""CLI spoofing: a domestic caller id presented on a roaming leg while the subscriber is home."""

from __future__ import annotations

from collections.abc import Mapping

from earlywarn.detectors.base import Detector, Finding
from earlywarn.detectors.terms import Term, gated_score


class CliSpoofDetector(Detector):
    """The same number seen roaming and on a home cell within the hour.

    A subscriber cannot be both; the roaming (or international) leg presents a spoofed
    caller id.

    Examples
    --------
    >>> d = CliSpoofDetector()
    >>> d.score_one({"roaming_share_1h": 0.5, "home_share_1h": 0.5, "calls_1h": 8.0}).score
    1.0
    >>> d.score_one({"roaming_share_1h": 1.0, "home_share_1h": 0.0, "calls_1h": 8.0}).score
    0.2
    """

    name = "cli-spoof"
    typology = "cli_spoofing"
    version = "1"
    entity_type = "msisdn"
    channel = "cdr"
    ttl_s = 24 * 3600.0

    def __init__(self, *, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.gate = Term(
            "roaming_share_1h",
            0.0,
            0.2,
            1.0,
            "{value:.0%} of the number's calls in the hour came over a roaming leg",
        )
        self.pattern = (
            Term(
                "home_share_1h",
                0.0,
                0.3,
                0.8,
                "while {value:.0%} were made on a home cell (threshold {threshold:.0%})",
            ),
            Term("calls_1h", 1.0, 4.0, 0.2, "{value:g} calls in the hour"),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one caller's features; ``None`` without roaming calls."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0 and features.get("roaming_share_1h", 0.0) <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="block_number")
