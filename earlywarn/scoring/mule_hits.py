"""The mule findings the payment steps raise beyond the mule detector's own: an account
that cashes out suspected victims' money, one that splits fresh money among flagged mules
(a feeder), and the payee of a flagged mule (a layer). Graded as ``mule`` grades.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from earlywarn.contract.alert import Explanation
from earlywarn.detectors import Detector, Finding
from earlywarn.scoring.watch import FEEDER, LAYER

if TYPE_CHECKING:
    from earlywarn.scoring.core import Hit

#: A payee flagged as a mule from this score on (any mule alert) makes its payer a
#: feeder, which is then flagged at :data:`FEEDER_SCORE`: the split of fresh money is the
#: evidence, not how sure the flag on one payee was.
FEED_RISK = 0.7
FEEDER_SCORE = 0.85
#: A cash-out or crypto purchase within this long after an account received suspected
#: victims' payments (ones that followed a call or text from a flagged scam party), of
#: at least :data:`CASHOUT_SHARE` of each, flags the account as a mule once their
#: weights reach :data:`CASHOUT_WEIGHT`: one victim after a call, or two after texts. A
#: scam's collector gets the money out within hours; the suspected victims are warned.
#: A text reaches thousands, and some of them pay a friend who draws cash that day.
CASHOUT_S = 6 * 3600.0
CASHOUT_SHARE = 0.2
CASHOUT_WEIGHT = 1.0
#: The detector name of that finding.
CASHOUT = "mule-cashout"


def cashout_finding(mule: Detector, victims: int) -> Hit:
    """A mule finding on an account cashing out ``victims`` suspected victims' money."""
    detail = (
        f"cashed out or bought crypto within {CASHOUT_S / 3600:g} h of receiving money "
        f"from {victims} people just contacted by a flagged scam party"
    )
    why = Explanation("cashed_out_suspects", float(victims), 1.0, detail)
    return mule_hit(mule, CASHOUT, why, FEEDER_SCORE, "freeze_account")


def feeder_finding(mule: Detector, paid: int) -> Hit:
    """A mule finding on an account passing fresh money on to ``paid`` flagged mules."""
    detail = f"split money that had just arrived among payees, {paid} of them flagged as mules"
    why = Explanation("mules_paid_2h", float(paid), 1.0, detail)
    return mule_hit(mule, FEEDER, why, FEEDER_SCORE, "hold_payment")


def layer_finding(mule: Detector, risk: float) -> Hit:
    """A mule finding on the payee of an account already flagged as a mule."""
    detail = f"received money from an account flagged as a mule (score {risk:.2f})"
    why = Explanation("payer_mule_risk", round(risk, 4), 0.85, detail)
    return mule_hit(mule, LAYER, why, risk * 0.95, "hold_payment", subject="payee")


def mule_hit(
    mule: Detector, name: str, why: Explanation, score: float, action: str, subject: str = "self"
) -> Hit:
    """A mule finding named ``name`` (its watchlist group), graded as ``mule`` grades."""
    f = Finding(score=score, reasons=(why,), recommended_action=action)
    return (name, "mule", "account", f, mule.severity(f.score), mule.ttl_s, subject)
