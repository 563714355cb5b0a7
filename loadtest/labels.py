"""Delayed confirmed outcomes on ``earlywarn.labels``, the way anti-scam centres report.

Most scams are reported hours to days after they start, and never all of them: victims
report to the national anti-scam centre, banks report mules, operators report scam numbers.
"""

from __future__ import annotations

import math
import random

from loadtest.clock import MS_DAY, MS_HOUR
from loadtest.emit import Emitted, Emitter
from loadtest.truth import Campaign, Decoy

_LABEL_OF_ROLE = {"scammer": "scam", "mule": "mule", "victim": "victim"}


def _source(entity_type: str, entity_id: str, role: str, country: str) -> str:
    if entity_type == "account" and role == "mule":
        return entity_id.split(":", 1)[0]  # the bank that froze it
    if entity_type in ("msisdn", "imei") and role == "scammer":
        return f"{country}-OPERATOR"
    return f"{country}-ASC"  # national anti-scam centre


def campaign_labels(
    campaign: Campaign,
    country: str,
    rng: random.Random,
    emitter: Emitter,
    end_ms: int,
    report_rate: float = 0.6,
    median_delay_h: float = 36.0,
) -> list[Emitted]:
    """Labels for a share of the campaign's scam, mule and victim entities.

    Delays are lognormal around ``median_delay_h`` (2 h to 10 days) after the campaign
    start; labels that would arrive after ``end_ms`` are not emitted.
    """
    out: list[Emitted] = []
    for ent in campaign.entities:
        label = _LABEL_OF_ROLE.get(ent.role)
        if label is None or rng.random() >= report_rate:
            continue
        delay_h = rng.lognormvariate(math.log(median_delay_h), 0.8)
        t = campaign.start_ms + int(min(max(delay_h * MS_HOUR, 2 * MS_HOUR), 10 * MS_DAY))
        if t <= end_ms:
            source = _source(ent.entity_type, ent.entity_id, ent.role, country)
            out.append(
                emitter.label(t, ent.entity_type, ent.entity_id, label, source, campaign.typology)
            )
    return out


def decoy_labels(
    decoys: list[Decoy],
    start_ms: int,
    end_ms: int,
    rng: random.Random,
    emitter: Emitter,
    rate: float = 0.1,
) -> list[Emitted]:
    """``legit`` reports (allow-listing) for a small share of decoy entities."""
    out: list[Emitted] = []
    for decoy in decoys:
        for ent in decoy.entities:
            if rng.random() < rate:
                t = start_ms + rng.randrange(max(1, end_ms - start_ms))
                out.append(
                    emitter.label(
                        t, ent.entity_type, ent.entity_id, "legit", "OPERATOR-ALLOWLIST", None
                    )
                )
    return sorted(out)
