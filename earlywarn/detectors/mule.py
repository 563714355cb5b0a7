"""Money mules: accounts that collect from many payers and pass the money straight on."""

from __future__ import annotations

from collections.abc import Mapping

from earlywarn.detectors.base import Detector, Finding
from earlywarn.detectors.terms import Term, gated_score


class MuleDetector(Detector):
    """Fan-in from many distinct payers followed by rapid pass-through or cash-out.

    The score is the fan-in (distinct payers in 24 h) times a weighted sum of the
    pass-through ratio, the speed from a credit to the next debit, the cash-out/crypto
    share of debits and the fan-out. A merchant has fan-in but keeps the money; an
    employer paying salaries has fan-out but no fan-in: both stay low. It reads the
    combined features of :func:`earlywarn.features.account_features`.

    Parameters
    ----------
    min_payers
        Distinct payers in 24 h from which the fan-in fully counts.
    pass_through
        Pass-through ratio from which that term fully counts.
    fast_s, slow_s
        A credit-to-debit gap of ``fast_s`` fully counts, one of ``slow_s`` not at all.
    cash_out_share
        Share of debited amount to cash-out/crypto rails from which that term fully counts.
    min_payees
        Distinct payees in 24 h from which the fan-out fully counts.
    threshold
        Score from which a finding becomes an alert.

    Examples
    --------
    >>> d = MuleDetector()
    >>> mule = {"fan_in_24h": 9.0, "pass_through_ratio": 0.92, "min_credit_to_debit_s": 240.0,
    ...         "cash_out_share_24h": 0.8, "fan_out_24h": 1.0}
    >>> f = d.score_one(mule)
    >>> round(f.score, 2), f.recommended_action
    (0.9, 'freeze_account')
    >>> d.score_one({**mule, "pass_through_ratio": 0.0, "min_credit_to_debit_s": 86400.0,
    ...              "cash_out_share_24h": 0.0}) is None
    True
    """

    name = "mule"
    typology = "mule"
    version = "1"
    entity_type = "account"
    channel = "payments"
    ttl_s = 72 * 3600.0

    def __init__(
        self,
        *,
        min_payers: float = 5.0,
        pass_through: float = 0.7,
        fast_s: float = 900.0,
        slow_s: float = 7200.0,
        cash_out_share: float = 0.5,
        min_payees: float = 3.0,
        threshold: float = 0.7,
    ) -> None:
        self.min_payers = min_payers
        self.pass_through = pass_through
        self.fast_s = fast_s
        self.slow_s = slow_s
        self.cash_out_share = cash_out_share
        self.min_payees = min_payees
        self.threshold = threshold
        self.gate = Term(
            "fan_in_24h",
            1.0,
            min_payers,
            1.0,
            "received money from {value:g} distinct payers in 24 h (threshold {threshold:g})",
        )
        self.pattern = (
            Term(
                "pass_through_ratio",
                pass_through / 3.0,
                pass_through,
                0.45,
                "{value:.0%} of the money received was sent on within minutes "
                "(threshold {threshold:.0%})",
            ),
            Term(
                "min_credit_to_debit_s",
                slow_s,
                fast_s,
                0.25,
                "money left {value:g} s after it arrived (threshold {threshold:g} s)",
            ),
            Term(
                "cash_out_share_24h",
                cash_out_share / 5.0,
                cash_out_share,
                0.20,
                "{value:.0%} of the amount sent went to cash-out or crypto "
                "(threshold {threshold:.0%})",
            ),
            Term(
                "fan_out_24h",
                1.0,
                min_payees,
                0.10,
                "sent money to {value:g} distinct payees in 24 h (threshold {threshold:g})",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one account's combined features; ``None`` without fan-in."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0:
            return None
        severe = self.severity(score) in ("high", "critical")
        action = "freeze_account" if severe else "hold_payment"
        return Finding(score=score, reasons=reasons, recommended_action=action)
