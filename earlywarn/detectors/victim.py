"""Fusion detectors on the subscriber's re-keyed state: victims in progress, SIM swaps."""

from __future__ import annotations

from collections.abc import Mapping

from earlywarn.contract.alert import Explanation
from earlywarn.detectors.base import Detector, Finding
from earlywarn.detectors.terms import Term, gated_score


class VictimInProgressDetector(Detector):
    """A payment to a first-time payee shortly after contact from a risky party.

    ``contact_risk`` is the highest current risk (from the watchlist: local detections
    and shared intel) of the parties that called or messaged the payer's number in the
    last ``window_s``; ``payee_risk`` that of the payee itself (a flagged mule).

    After a risky contact, the amount counts too (``amount_vs_max_prior``: this payment
    over the payer's largest in the last 24 h, from 2x to full at 5x; 0 when there was
    none, which counts half). Most people a scam number reaches are not scammed, and
    some of them pay someone new that day for ordinary reasons: on tuning seeds 7 and 12
    such payments were 1.5x to 3.5x the payer's largest of the day (ordinary variation),
    while victims paid mostly 6x to 300x. A payer's first payment of the day is
    ambiguous (15 victims, 10 others there), so it keeps half. A payment to a flagged
    payee needs only not to be smaller than the payer's largest of the day: victims pay
    what they are told to, and the friends and employers who pay a recruited mule's own
    account their usual small amounts are no victims (seed 12: 9 of the 14 false
    alerts of that kind, 3 of 110 victims).

    Examples
    --------
    >>> d = VictimInProgressDetector()
    >>> f = d.score_one({"contact_risk": 0.95, "new_payee": 1.0, "contact_age_s": 900.0,
    ...                  "amount_vs_max_prior": 8.0})
    >>> round(f.score, 2), f.recommended_action
    (1.0, 'hold_payment')
    >>> usual = {"contact_risk": 0.95, "new_payee": 1.0, "contact_age_s": 900.0,
    ...          "amount_vs_max_prior": 1.8}
    >>> d.score_one(usual).score < d.threshold
    True
    >>> round(d.score_one({**usual, "amount_vs_max_prior": 0.0}).score, 2)  # first: half
    0.85
    >>> d.score_one({"payee_risk": 0.95, "new_payee": 1.0}).score
    1.0
    >>> d.score_one({"payee_risk": 0.95, "new_payee": 1.0, "amount_vs_max_prior": 0.4}).score
    0.7
    >>> d.score_one({"contact_risk": 0.95, "new_payee": 0.0, "contact_age_s": 900.0,
    ...              "amount_vs_max_prior": 6.0}).score
    0.5
    """

    name = "victim-in-progress"
    typology = "victim_in_progress"
    version = "3"
    entity_type = "account"
    channel = "subscriber"
    ttl_s = 6 * 3600.0
    #: Contacts older than this (seconds) are not linked to a payment.
    window_s = 3 * 3600.0

    def __init__(self, *, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.payee_gate = Term("risk", 0.4, 0.7, 1.0, "paid an account scored {value:.2f} risky")
        self.contact_gate = Term(
            "risk",
            0.6,
            0.85,
            1.0,
            "paid after contact from a party scored {value:.2f} risky",
        )
        self.pattern = (
            Term("new_payee", 0.0, 1.0, 0.5, "the payee is a first-time payee"),
            Term(
                "contact_age_s",
                self.window_s,
                1800.0,
                0.2,
                "the risky contact was {value:g} s before the payment",
            ),
            Term(
                "amount_vs_max_prior",
                2.0,
                5.0,
                0.3,
                "amount is {value:.1f}x the payer's largest payment in 24 h",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one payment's fusion features; ``None`` without a risky party."""
        x = dict(features)
        x["risk"] = max(x.get("contact_risk", 0.0), x.get("payee_risk", 0.0))
        to_payee = x.get("payee_risk", 0.0) >= x.get("contact_risk", 0.0)
        ratio = x.get("amount_vs_max_prior", 0.0)
        if to_payee:
            x["contact_age_s"] = 0.0
            x["amount_vs_max_prior"] = 5.0 if ratio <= 0.0 or ratio >= 1.0 else 0.0
            score, reasons = gated_score(self.payee_gate, self.pattern, x)
            # the two terms set above to count in full say nothing true: reword them
            reasons = tuple(_payee_reason(r, ratio) for r in reasons if r.feature != _AGE)
        else:
            if ratio <= 0.0:  # no earlier payment: half
                x["amount_vs_max_prior"] = 3.5
            score, reasons = gated_score(self.contact_gate, self.pattern, x)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="hold_payment")


_AGE, _AMOUNT = "contact_age_s", "amount_vs_max_prior"


def _payee_reason(r: Explanation, ratio: float) -> Explanation:
    """The amount reason of a payment to a flagged payee, with the true ratio."""
    if r.feature != _AMOUNT:
        return r
    detail = (
        "the payer's first payment in 24 h"
        if ratio <= 0.0
        else f"amount is {ratio:.1f}x the payer's largest payment in 24 h (at least 1x)"
    )
    return Explanation(_AMOUNT, round(ratio, 4), 1.0, detail)


class SimSwapDetector(Detector):
    """A new device on the payer's number, then a transfer to a first-time payee.

    Examples
    --------
    >>> d = SimSwapDetector()
    >>> f = d.score_one({"device_change_s": 1200.0, "new_payee": 1.0,
    ...                  "amount_vs_max_prior": 3.0})
    >>> round(f.score, 2), f.recommended_action
    (1.0, 'hold_payment')
    >>> d.score_one({"device_change_s": -1.0, "new_payee": 1.0}) is None
    True

    A taken-over account that made no payment in the last 24 h has no usual amount to
    exceed; that counts half, as in :class:`VictimInProgressDetector` (tuning seed 11: a
    victim drained 1 h after the swap, with nothing paid the day before, scored 0.70):

    >>> round(d.score_one({"device_change_s": 3600.0, "new_payee": 1.0}).score, 2)
    0.85
    """

    name = "sim-swap"
    typology = "sim_swap"
    version = "1"
    entity_type = "account"
    channel = "subscriber"
    ttl_s = 24 * 3600.0

    def __init__(self, *, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.gate = Term(
            "device_change_s",
            24 * 3600.0,
            6 * 3600.0,
            1.0,
            "the payer's number moved to a new device {value:g} s before",
        )
        self.pattern = (
            Term("new_payee", 0.0, 1.0, 0.7, "the payee is a first-time payee"),
            Term(
                "amount_vs_max_prior",
                0.5,
                1.5,
                0.3,
                "amount is {value:.1f}x the largest recent payment",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one payment's features; ``None`` without a recent device change."""
        if features.get("device_change_s", -1.0) < 0:
            return None
        x = dict(features)
        if x.get("amount_vs_max_prior", 0.0) <= 0.0:  # no earlier payment: half
            x["amount_vs_max_prior"] = 1.0
        score, reasons = gated_score(self.gate, self.pattern, x)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="hold_payment")


class VictimFanInDetector(Detector):
    """Several people, each just contacted by a flagged scam party, paying one new payee.

    Runs on the payee's suspect list (``channel = "suspect"``): ``suspect_payers_24h``
    counts distinct payers in 24 h whose payment followed a risky call (weight 1) or
    message with a link (0.7), ``suspect_share`` their share of all the account's payers
    then, which must pass half. Two scam-text recipients paying one new payee are enough
    (1.4): payments to someone the payer phones are no longer reported as suspects (see
    :func:`earlywarn.scoring.victims._vetted`), and a smishing mule gets one to three
    victims. One suspect after a call is not.

    A biller or shop is paid by many people every day; after a scam text reached
    much of the population, up to 40-46 % of its payers that day had been contacted
    (tuning seeds 11 and 12: 4 billers flagged, and 36 of one biller's customers then
    alerted as victims for paying it). A collector is paid by victims, and a recruited
    mule's own account by a friend or two besides: 60-100 %.

    Examples
    --------
    >>> d = VictimFanInDetector()
    >>> f = d.score_one({"suspect_payers_24h": 3.0, "suspect_share": 1.0})
    >>> round(f.score, 2), f.recommended_action
    (1.0, 'freeze_account')
    >>> d.score_one({"suspect_payers_24h": 1.4, "suspect_share": 1.0}).score
    1.0
    >>> d.score_one({"suspect_payers_24h": 1.0, "suspect_share": 1.0}).score < d.threshold
    True
    >>> d.score_one({"suspect_payers_24h": 4.0, "suspect_share": 0.45}).score < d.threshold
    True
    """

    name = "mule-victims"
    typology = "mule"
    version = "3"  # 3: two text suspects (1.4) are enough, was 2.0
    entity_type = "account"
    channel = "suspect"
    ttl_s = 72 * 3600.0

    def __init__(self, *, min_victims: float = 1.4, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.gate = Term(
            "suspect_payers_24h",
            min_victims - 1.0,
            min_victims,
            1.0,
            "{value:g} people paid it right after contact from a flagged scam party "
            "(threshold {threshold:g})",
        )
        self.pattern = (
            Term(
                "suspect_share",
                0.4,
                0.6,
                1.0,
                "{value:.0%} of its payers in 24 h were such contacts (threshold {threshold:.0%})",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one payee's suspect features; ``None`` below two suspected victims."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="freeze_account")
