"""Pig butchering: a victim's transfers to crypto on-ramps growing step after step."""

from __future__ import annotations

from collections.abc import Mapping

from earlywarn.detectors.base import Detector, Finding
from earlywarn.detectors.terms import Term, gated_score


class PigButcheringDetector(Detector):
    """Escalating crypto on-ramp deposits by one payer.

    Reads the payer's debit features on a deposit; the payer is warned as a victim in
    progress, and the deposit account is told, to be flagged once victims are two and
    half its payers (:func:`earlywarn.scoring.credits.process_victim_deposit`). Version
    1 flagged the account at once, and with it an exchange paid by many ordinary buyers
    when one of them happened to pay more three times in a row.

    Examples
    --------
    >>> d = PigButcheringDetector()
    >>> round(d.score_one({"crypto_steps": 4.0, "crypto_growth": 6.0}).score, 2)
    1.0
    >>> d.score_one({"crypto_steps": 1.0, "crypto_growth": 0.0}) is None
    True
    """

    name = "pig-butchering"
    typology = "pig_butchering"
    version = "2"  # 2: warns the payer only; the deposit account by its victims
    entity_type = "account"
    channel = "payments"
    ttl_s = 7 * 24 * 3600.0

    def __init__(self, *, min_steps: float = 3.0, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.gate = Term(
            "crypto_steps",
            1.0,
            min_steps,
            1.0,
            "{value:g} crypto on-ramp transfers in a row, each 20 % or more above the last",
        )
        self.pattern = (
            Term(
                "crypto_growth",
                1.2,
                3.0,
                1.0,
                "the latest is {value:.1f}x the first of the run (threshold {threshold:g}x)",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one payer's debit features; ``None`` without a growing run."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="hold_payment")


class PigGroomerDetector(Detector):
    """The number behind several pig-butchering victims: it held long first calls, or
    started chatting by text, with each of them and kept in touch, in the days before
    they started sending money to a crypto on-ramp.

    Runs on the caller's subscriber state (``channel = "groomer"``): ``groomed_victims``
    counts distinct people whose long first call or first message without a link came
    from this number in the 7 days before their deposits began, and who then made a
    first deposit to a new on-ramp account or a growing one; one with whom it was in
    touch only once by then counts half (twice: a first chat and a second one, or a
    call and a chat). ``groomed_growing`` counts those of
    them whose deposits grow (one 1.2x or more the one before), as the fleeced are
    talked into paying more each time. Three are enough, or two growing: one is not,
    since a new acquaintance may call anyone for long, while a groomer works on one
    victim after another.

    Ordinary people buy crypto too, and their friends call and text them: with ordinary
    buyers in the simulator (tuning seed 11), a number that had held long first calls
    with two buyers before their first deposits was taken for a groomer by the gate of
    versions 2-4, two called (``groomed_by_call``, still counted, no longer a gate). Two
    growing depositors are rarer: a buyer's deposits vary around a habit. (Version 1
    counted escalating runs only, three growing deposits; a campaign that starts late in
    a week is over before its victims make them. Version 3 counted first chats: a
    groomer who mostly texts, as the "wrong number" opener does, held no long first call
    with half its victims. Version 4 counted two growing depositors: tuning seed 12, a
    groomer that only texted its two victims, whose deposits grew 1.7x and 2x. Version 6
    counts a depositor contacted once half: grooming is days of talk, and on tuning
    seeds 15, 17 and 18 with ordinary crypto buyers, three numbers named that were no
    groomers had contacted most of their depositors once, while groomers had contacted
    most of their victims two to six times before their first deposit. Not counting
    them at all missed a late campaign's groomer on seed 11, in touch twice with two
    victims and once with two more.)

    Examples
    --------
    >>> d = PigGroomerDetector()
    >>> f = d.score_one({"groomed_victims": 3.0, "groomed_growing": 0.0})
    >>> f.score, f.recommended_action
    (1.0, 'block_number')
    >>> d.score_one({"groomed_victims": 2.0, "groomed_by_call": 2.0}) is None
    True
    >>> d.score_one({"groomed_victims": 2.0, "groomed_growing": 2.0}).score
    1.0
    """

    name = "pig-groomer"
    typology = "pig_butchering"
    # 2: first deposits count, not only escalating runs; 3: first chats too; 4: two
    # growing; 5: two called no longer enough; 6: one contact counts half
    version = "6"
    entity_type = "msisdn"
    channel = "groomer"
    ttl_s = 7 * 24 * 3600.0

    def __init__(
        self, *, min_all: float = 3.0, min_growing: float = 2.0, threshold: float = 0.75
    ) -> None:
        self.threshold = threshold
        self.gates = (
            Term(
                "groomed_victims",
                min_all - 1.0,
                min_all,
                1.0,
                "first called or texted {value:g} people (those in touch once count half) "
                "who then started sending money to crypto on-ramps (threshold {threshold:g})",
            ),
            Term(
                "groomed_growing",
                min_growing - 1.0,
                min_growing,
                1.0,
                "first called or texted {value:g} people (those in touch once count half) "
                "whose crypto on-ramp deposits then grew step by step (threshold {threshold:g})",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one number's groomed-victim counts; ``None`` below both gates."""
        # the strongest gate gives the reason; on a tie, the first
        score, gate = max((g.strength(features), -i) for i, g in enumerate(self.gates))
        gate = -gate
        if score <= 0.0:
            return None
        reasons = (self.gates[gate].explain(features),)
        return Finding(score=score, reasons=reasons, recommended_action="block_number")
