"""Wangiri: one-ring calls from foreign numbers, hoping for premium-rate call-backs."""

from __future__ import annotations

from loadtest.clock import MS_HOUR, MS_MINUTE
from loadtest.countries import FOREIGN
from loadtest.emit import Emitted
from loadtest.scenarios.base import CampaignSpec, Context, call_duration, new_campaign, within
from loadtest.truth import Campaign


def wangiri(ctx: Context, spec: CampaignSpec, campaign_id: str) -> tuple[Campaign, list[Emitted]]:
    """Bursts of unanswered calls to many subscribers; ~3 % call back.

    Evasion spreads the calls over more numbers, adds jitter and a few answered 1-3 s calls.
    """
    rng, em, camp = ctx.rng, ctx.emitter, new_campaign(spec, campaign_id)
    origin = rng.choice(sorted(FOREIGN))
    numbers = [
        ctx.ids.foreign_msisdn(origin)
        for _ in range(max(1, round(3 * spec.intensity * (1 + 4 * spec.evasion))))
    ]
    for n in numbers:
        camp.add("msisdn", n, "scammer")
    events: list[Emitted] = []
    n_calls = round(1500 * spec.intensity)
    n_bursts = max(1, round(n_calls / (150 * (1 - 0.7 * spec.evasion))))
    per_burst = max(1, n_calls // n_bursts)
    callers_back: set[str] = set()
    for _ in range(n_bursts):
        t = spec.start_ms + rng.randrange(max(1, spec.duration_ms - MS_HOUR))
        number = rng.choice(numbers)
        for _ in range(per_burst):
            t += int(rng.uniform(1.0, 6.0 + 60 * spec.evasion) * 1000)
            if spec.evasion > 0.3 and rng.random() < 0.2:
                number = rng.choice(numbers)
            target = ctx.pop.pick(rng, spec.country)
            answered = rng.random() < 0.02 + 0.15 * spec.evasion
            dur = float(rng.randint(1, 3)) if answered else 0.0
            events.append(em.call(t, target.operator, number, target.msisdn, answered, dur))
            if rng.random() < 0.03 and target.msisdn not in callers_back:
                callers_back.add(target.msisdn)
                back = t + rng.randrange(2 * MS_MINUTE, 6 * MS_HOUR)
                events.append(
                    em.call(
                        back,
                        target.operator,
                        target.msisdn,
                        number,
                        True,
                        call_duration(rng, 90.0, 0.6),
                        target.imei,
                        target.cells[0],
                    )
                )
    for msisdn in sorted(callers_back):
        camp.add("msisdn", msisdn, "target")
    return camp, within(events, ctx.end_ms)
