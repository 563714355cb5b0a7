"""Pig butchering: weeks of grooming, then escalating "investments" via crypto on-ramps."""

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
    template_hash,
    within,
)
from loadtest.truth import Campaign


def pig_butchering(
    ctx: Context, spec: CampaignSpec, campaign_id: str
) -> tuple[Campaign, list[Emitted]]:
    """A groomer chats with each victim, who then sends escalating deposits to
    scam-controlled crypto on-ramp accounts.

    Evasion lengthens grooming, slows the escalation and rotates deposit accounts.
    """
    rng, em, camp = ctx.rng, ctx.emitter, new_campaign(spec, campaign_id)
    foreign = rng.random() < 0.5
    groomer = (
        ctx.ids.foreign_msisdn(rng.choice(sorted(FOREIGN)))
        if foreign
        else ctx.ids.msisdn(spec.country)
    )
    groomer_imei = None if foreign else ctx.ids.imei()
    camp.add("msisdn", groomer, "scammer")
    deposits = [ctx.new_account(spec.country, "crypto") for _ in range(1 + round(2 * spec.evasion))]
    for acct in deposits:
        account_entity(camp, acct, "scammer")
    events: list[Emitted] = []
    groom_ms = int(spec.duration_ms * (0.25 + 0.25 * spec.evasion))
    chat = template_hash(f"{campaign_id}/hello")
    chosen: set[int] = set()
    for _ in range(max(1, round(4 * spec.intensity))):
        victim = ctx.pop.pick(ctx.rng, spec.country)
        if not victim.accounts or victim.idx in chosen:
            continue
        chosen.add(victim.idx)
        account_entity(camp, victim.accounts[0], "victim")
        t = spec.start_ms + rng.randrange(max(1, groom_ms // 4))
        operator = victim.operator
        while t < spec.start_ms + groom_ms:
            if rng.random() < 0.7:
                events.append(
                    em.sms(
                        t, operator, groomer, victim.msisdn, template_hash=chat, imei=groomer_imei
                    )
                )
            else:
                events.append(
                    em.call(
                        t,
                        operator,
                        groomer,
                        victim.msisdn,
                        True,
                        call_duration(rng, 600.0, 0.5),
                        groomer_imei,
                    )
                )
            t += rng.randrange(MS_HOUR, 8 * MS_HOUR)
        usd, growth = rng.uniform(50, 150), 2.0 - 0.7 * spec.evasion
        while t < spec.start_ms + spec.duration_ms:
            events.append(
                em.payment(t, victim.accounts[0], rng.choice(deposits), usd, "crypto_onramp")
            )
            if rng.random() < 0.3:  # a "profit" withdrawal to keep the victim hooked
                events.append(
                    em.payment(
                        t + 30 * MS_MINUTE,
                        deposits[0],
                        victim.accounts[0],
                        usd * 0.1,
                        "bank_transfer",
                    )
                )
            usd *= growth * rng.uniform(0.8, 1.2)
            t += rng.randrange(6 * MS_HOUR, 20 * MS_HOUR)
    return camp, within(events, ctx.end_ms)
