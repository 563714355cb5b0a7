"""SIM swap: the victim's number moves to a fraudster's device, then the account is drained."""

from __future__ import annotations

from loadtest.clock import MS_HOUR, MS_MINUTE
from loadtest.countries import COUNTRIES
from loadtest.emit import Emitted
from loadtest.scenarios.base import (
    CampaignSpec,
    Context,
    account_entity,
    call_duration,
    new_campaign,
    template_hash,
    within,
)
from loadtest.truth import Campaign


def sim_swap(ctx: Context, spec: CampaignSpec, campaign_id: str) -> tuple[Campaign, list[Emitted]]:
    """Per victim: a new IMEI in a new cell, bank OTPs, a new payee and a large transfer.

    The victim (account aliased to the number) is the account taken over. Evasion waits
    longer after the swap and splits the drain into smaller transfers.
    """
    rng, em, camp = ctx.rng, ctx.emitter, new_campaign(spec, campaign_id)
    country = COUNTRIES[spec.country]
    mules = ctx.mules(spec.country, 1 + round(spec.intensity), recruited=0.5)
    for acct in mules:
        account_entity(camp, acct, "mule")
    events: list[Emitted] = []
    chosen: set[int] = set()
    for _ in range(max(1, round(3 * spec.intensity))):
        victim, acct = ctx.pop.with_account(rng, spec.country)
        if victim.idx in chosen:
            continue
        chosen.add(victim.idx)
        imei = ctx.ids.imei()
        account_entity(camp, acct, "victim")
        camp.add("imei", imei, "scammer")
        cell = rng.choice(ctx.pop.cells[victim.operator])
        t = spec.start_ms + rng.randrange(max(1, spec.duration_ms // 2))
        contact = ctx.pop.contact(victim, rng)
        events.append(
            em.call(
                t,
                victim.operator,
                victim.msisdn,
                contact.msisdn,
                True,
                call_duration(rng, 20.0, 0.5),
                imei,
                cell,
            )
        )
        t += rng.randrange(5 * MS_MINUTE, int((0.5 + 6 * spec.evasion) * MS_HOUR))
        bank = country.bulk_senders[0]
        for _ in range(rng.randint(1, 3)):
            events.append(
                em.sms(
                    t,
                    victim.operator,
                    bank,
                    victim.msisdn,
                    template_hash=template_hash(f"{bank}|otp"),
                )
            )
            t += rng.randrange(20_000, 120_000)
        total = rng.lognormvariate(7.3, 0.6)
        parts = 1 + round(3 * spec.evasion * rng.random())
        mule = rng.choice(mules)
        for _ in range(parts):
            events.append(em.payment(t, acct, mule, total / parts, status="initiated"))
            t += rng.randrange(2 * MS_MINUTE, 20 * MS_MINUTE)
        agent = rng.choice(ctx.pop.cash_agents[spec.country])
        events.append(em.payment(t + rng.randrange(MS_HOUR), mule, agent, total * 0.97, "cash_out"))
    return camp, within(events, ctx.end_ms)
