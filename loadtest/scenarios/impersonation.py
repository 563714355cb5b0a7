"""Impersonation: fake bank or police officers talk victims into transferring money."""

from __future__ import annotations

from loadtest.clock import MS_HOUR, MS_MINUTE
from loadtest.countries import FOREIGN
from loadtest.emit import Emitted
from loadtest.scenarios.base import (
    CampaignSpec,
    Context,
    account_entity,
    call_duration,
    new_campaign,
    within,
)
from loadtest.truth import Campaign


def impersonation(
    ctx: Context, spec: CampaignSpec, campaign_id: str
) -> tuple[Campaign, list[Emitted]]:
    """Long persuasion calls; ~8 % of answering targets then pay new payees (mules).

    The victims are labelled ``victim`` (alert typology ``victim_in_progress``). Evasion
    rotates more caller numbers and spaces the calls out.
    """
    rng, em, camp = ctx.rng, ctx.emitter, new_campaign(spec, campaign_id)
    callers: list[tuple[str, str | None, str | None, str | None]] = []  # number, imei, cell, op
    for _ in range(max(1, round(2 * spec.intensity * (1 + 2 * spec.evasion)))):
        if rng.random() < 0.4:
            callers.append((ctx.ids.foreign_msisdn(rng.choice(sorted(FOREIGN))), None, None, None))
        else:
            sub = ctx.pop.pick(rng, spec.country)  # a SIM on the same network, in a farm
            callers.append(
                (ctx.ids.msisdn(spec.country), ctx.ids.imei(), sub.cells[0], sub.operator)
            )
    for number, imei, _, _ in callers:
        camp.add("msisdn", number, "scammer", *((("imei", imei),) if imei else ()))
    mules = ctx.mules(spec.country, 3 + round(2 * spec.intensity), recruited=0.6)
    for mule in mules:
        account_entity(camp, mule, "mule")
    events: list[Emitted] = []
    seen: set[int] = set()
    gap = 30_000 + int(spec.evasion * 10 * MS_MINUTE)
    t = spec.start_ms
    for _ in range(round(400 * spec.intensity)):
        t += rng.randrange(gap // 2, gap * 3 // 2)
        number, imei, cell, operator = rng.choice(callers)
        target = ctx.pop.pick(rng, spec.country)
        if target.idx in seen:
            continue
        answered = rng.random() < 0.35
        dur = call_duration(rng, 240.0, 0.7) if answered else 0.0
        events.append(
            em.call(
                t, operator or target.operator, number, target.msisdn, answered, dur, imei, cell
            )
        )
        if not answered:
            continue
        seen.add(target.idx)
        if rng.random() >= 0.08 or not target.accounts:
            camp.add("msisdn", target.msisdn, "target")
            continue
        account_entity(camp, target.accounts[0], "victim")
        pay = t + int(dur * 1000) + rng.randrange(2 * MS_MINUTE, 2 * MS_HOUR)
        usd = rng.lognormvariate(6.2, 0.7)
        for _ in range(rng.randint(1, 3)):
            mule = rng.choice(mules)
            events.append(em.payment(pay, target.accounts[0], mule, usd, status="initiated"))
            if rng.random() < 0.5:  # the "officer" calls back while the money moves
                events.append(
                    em.call(
                        pay + 60_000,
                        operator or target.operator,
                        number,
                        target.msisdn,
                        True,
                        call_duration(rng, 300.0, 0.5),
                        imei,
                        cell,
                    )
                )
            agent = rng.choice(ctx.pop.cash_agents[spec.country])
            events.append(
                em.payment(
                    pay + rng.randrange(MS_HOUR // 2, 8 * MS_HOUR),
                    mule,
                    agent,
                    usd * 0.95,
                    "cash_out",
                )
            )
            pay += rng.randrange(5 * MS_MINUTE, 40 * MS_MINUTE)
            usd *= rng.uniform(1.1, 1.8)
    return camp, within(events, ctx.end_ms)
