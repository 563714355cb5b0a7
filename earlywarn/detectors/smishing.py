"""Smishing: URL blasts from new numbers, brand-imitating sender ids and fresh domains."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from earlywarn.detectors.base import Detector, Finding
from earlywarn.detectors.terms import Term, gated_score

_NON_ALNUM = re.compile(r"[^A-Z0-9]")


def brand_imitation(sender: str, brands: Iterable[str]) -> float:
    """1.0 when an alphanumeric sender id imitates a known brand without being it.

    Imitation: the normalised id (upper case, letters and digits) starts with or contains
    the first five letters of a brand (the whole brand when shorter, at least 3), but is
    not the brand itself.

    Examples
    --------
    >>> brand_imitation("Mayba-Info", ["Maybank", "CIMB"]), brand_imitation("Maybank", ["Maybank"])
    (1.0, 0.0)
    >>> brand_imitation("PROMO", ["Maybank"])
    0.0
    """
    norm = _NON_ALNUM.sub("", sender.upper())
    for brand in brands:
        b = _NON_ALNUM.sub("", brand.upper())
        if len(b) < 3 or norm == b:
            continue
        if b[:5] in norm:
            return 1.0
    return 0.0


class SmishingSenderDetector(Detector):
    """A sender pushing URL messages to many recipients within minutes.

    Established brands send URLs too (delivery notices), so the URL blast only becomes
    smishing when the sender is not an established brand id: a mobile number (a SIM
    farm) or an alphanumeric id imitating a brand (``sender_suspect``, set by the engine
    from the artifact's known brands).

    Reach is judged over 10 minutes and over the hour, whichever says more: a farm that
    spreads one blast over many SIMs sends from each only a few messages per 10 minutes,
    but still to dozens of recipients an hour.

    Examples
    --------
    >>> d = SmishingSenderDetector()
    >>> blast = {"distinct_recipients_10m": 40.0, "url_share_1h": 1.0,
    ...          "sender_suspect": 1.0, "top_template_share_1h": 0.9}
    >>> round(d.score_one(blast).score, 2)
    1.0
    >>> d.score_one({**blast, "sender_suspect": 0.0}).score < d.threshold
    True
    >>> spread = {**blast, "distinct_recipients_10m": 4.0, "distinct_recipients_1h": 25.0}
    >>> f = d.score_one(spread)
    >>> round(f.score, 2), f.reasons[0].feature
    (1.0, 'distinct_recipients_1h')
    """

    name = "smishing"
    typology = "smishing"
    version = "3"  # 3: reach over the hour too; 2: a phone-number sender is an msisdn
    entity_type = ""
    channel = "sms"
    ttl_s = 48 * 3600.0

    def __init__(
        self,
        *,
        min_recipients: float = 8.0,
        min_recipients_1h: float = 24.0,
        threshold: float = 0.75,
    ) -> None:
        self.threshold = threshold
        self.gate = Term(
            "distinct_recipients_10m",
            2.0,
            min_recipients,
            1.0,
            "messaged {value:g} distinct recipients in 10 minutes (threshold {threshold:g})",
        )
        self.gate_1h = Term(
            "distinct_recipients_1h",
            min_recipients_1h / 4.0,
            min_recipients_1h,
            1.0,
            "messaged {value:g} distinct recipients in the last hour (threshold {threshold:g})",
        )
        self.pattern = (
            Term("url_share_1h", 0.3, 0.8, 0.4, "{value:.0%} of its messages carry a URL"),
            Term(
                "sender_suspect",
                0.0,
                1.0,
                0.45,
                "sender is a mobile number or imitates a known brand id",
            ),
            Term(
                "top_template_share_1h",
                0.2,
                0.6,
                0.15,
                "{value:.0%} of its messages share one text template",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one sender's features; ``None`` below both reach gates."""
        score, reasons = max(
            gated_score(self.gate, self.pattern, features),
            gated_score(self.gate_1h, self.pattern, features),
            key=lambda sr: sr[0],
        )
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="block_number")


class SmishingDomainDetector(Detector):
    """A recently first-seen URL domain spread to many recipients by suspect senders.

    Runs on the domain's re-keyed state (:class:`~earlywarn.features.linked.DomainState`)
    plus ``suspect_share_1h``, the share of its messages whose sender scored as smishing.

    Examples
    --------
    >>> d = SmishingDomainDetector()
    >>> f = d.score_one({"domain_recipients_1h": 40.0, "suspect_share_1h": 0.9,
    ...                  "domain_age_s": 600.0})
    >>> round(f.score, 2), f.recommended_action
    (1.0, 'block_number')
    """

    name = "smishing-domain"
    typology = "smishing"
    version = "1"
    entity_type = "url_domain"
    channel = "domain"
    ttl_s = 7 * 24 * 3600.0

    def __init__(self, *, min_recipients: float = 10.0, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.gate = Term(
            "domain_recipients_1h",
            3.0,
            min_recipients,
            1.0,
            "domain sent to {value:g} recipients in the last hour (threshold {threshold:g})",
        )
        self.pattern = (
            Term(
                "suspect_share_1h",
                0.2,
                0.6,
                0.8,
                "{value:.0%} of its messages came from senders scored as smishing",
            ),
            Term(
                "domain_age_s",
                7 * 86400.0,
                86400.0,
                0.2,
                "domain first seen {value:g} s ago (recent below {threshold:g} s)",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one domain's features; ``None`` below the reach gate."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="block_number")
