"""Wangiri ("one ring and cut"): a number rings many people briefly to bait call-backs."""

from __future__ import annotations

from collections.abc import Mapping

from earlywarn.detectors.base import Detector, Finding
from earlywarn.detectors.terms import Term, gated_score

DAY = 86400.0


class WangiriDetector(Detector):
    """One-ring bursts from a calling number.

    The score is the burst volume (distinct callees in 10 minutes) times a weighted sum
    of the share of short or unanswered calls, the share of international callees and
    how new the number is. A call centre making many answered, long calls has volume
    but no one-ring pattern, so it stays low.

    Parameters
    ----------
    min_callees
        Distinct callees in 10 minutes from which the volume fully counts.
    short_share
        Share of short/unanswered calls from which that term fully counts.
    intl_share
        Share of international callees from which that term fully counts.
    new_caller_s
        A caller first seen at most this long ago counts as fully new.
    threshold
        Score from which a finding becomes an alert.

    Examples
    --------
    >>> d = WangiriDetector()
    >>> burst = {"distinct_callees_10m": 40.0, "short_share_10m": 0.97,
    ...          "intl_share_10m": 0.9, "caller_age_s": 540.0}
    >>> f = d.score_one(burst)
    >>> round(f.score, 2), f.recommended_action, d.severity(f.score)
    (1.0, 'block_number', 'critical')
    >>> d.score_one({**burst, "short_share_10m": 0.05, "intl_share_10m": 0.0}).score < 0.7
    True
    """

    name = "wangiri"
    typology = "wangiri"
    version = "1"
    entity_type = "msisdn"
    channel = "cdr"
    ttl_s = 24 * 3600.0

    def __init__(
        self,
        *,
        min_callees: float = 20.0,
        short_share: float = 0.8,
        intl_share: float = 0.5,
        new_caller_s: float = DAY,
        threshold: float = 0.7,
    ) -> None:
        self.min_callees = min_callees
        self.short_share = short_share
        self.intl_share = intl_share
        self.new_caller_s = new_caller_s
        self.threshold = threshold
        self.gate = Term(
            "distinct_callees_10m",
            min_callees / 4.0,
            min_callees,
            1.0,
            "called {value:g} distinct numbers in 10 minutes (threshold {threshold:g})",
        )
        self.pattern = (
            Term(
                "short_share_10m",
                short_share / 2.0,
                short_share,
                0.55,
                "{value:.0%} of calls unanswered or under 5 s (threshold {threshold:.0%})",
            ),
            Term(
                "intl_share_10m",
                intl_share / 5.0,
                intl_share,
                0.30,
                "{value:.0%} of callees in another country (threshold {threshold:.0%})",
            ),
            Term(
                "caller_age_s",
                7 * new_caller_s,
                new_caller_s,
                0.15,
                "number first seen {value:g} s ago (new below {threshold:g} s)",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one caller's features; ``None`` without a burst of distinct callees."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="block_number")


class WangiriRouteDetector(Detector):
    """One-ring calls from several new numbers of one origin country within minutes.

    Runs on the route's ring state (``channel = "ring"``), for the number that just
    rang; the engine alerts that number. A campaign that rotates its numbers keeps each
    below :class:`WangiriDetector`'s burst gate, but not the route: ``route_rings_10m``
    counts rings (short or unanswered calls from foreign numbers first seen within a
    day) on the route, ``route_ring_numbers_10m`` the numbers behind them, and
    ``caller_rings_10m`` this number's share of them.

    Examples
    --------
    >>> d = WangiriRouteDetector()
    >>> f = d.score_one({"route_rings_10m": 15.0, "route_ring_numbers_10m": 5.0,
    ...                  "caller_rings_10m": 3.0})
    >>> round(f.score, 2), f.recommended_action
    (1.0, 'block_number')
    >>> lone = {"route_rings_10m": 15.0, "route_ring_numbers_10m": 1.0, "caller_rings_10m": 15.0}
    >>> d.score_one(lone).score < d.threshold  # one number: WangiriDetector's case
    True
    """

    name = "wangiri-route"
    typology = "wangiri"
    version = "1"
    entity_type = "msisdn"
    channel = "ring"
    ttl_s = DAY

    def __init__(self, *, min_rings: float = 12.0, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.gate = Term(
            "route_rings_10m",
            min_rings / 3.0,
            min_rings,
            1.0,
            "{value:g} one-ring calls from new foreign numbers of one origin in 10 minutes "
            "(threshold {threshold:g})",
        )
        self.pattern = (
            Term(
                "route_ring_numbers_10m",
                1.0,
                3.0,
                0.5,
                "from {value:g} different numbers (threshold {threshold:g})",
            ),
            Term("caller_rings_10m", 1.0, 2.0, 0.5, "this number rang {value:g} of them"),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one ring's route features; ``None`` below the route's gate."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="block_number")
