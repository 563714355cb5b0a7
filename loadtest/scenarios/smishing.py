"""Smishing: bank or parcel lures with a lookalike URL, some recipients pay a mule."""

from __future__ import annotations

from loadtest.clock import MS_HOUR, MS_MINUTE
from loadtest.countries import COUNTRIES
from loadtest.emit import Emitted
from loadtest.scenarios.base import (
    CampaignSpec,
    Context,
    account_entity,
    new_campaign,
    template_hash,
    within,
)
from loadtest.truth import Campaign

_WORDS = ("verify", "secure", "update", "login", "refund", "parcel", "reward")
_TLDS = ("com", "net", "top", "xyz", "info", "online")


def smishing(ctx: Context, spec: CampaignSpec, campaign_id: str) -> tuple[Campaign, list[Emitted]]:
    """A blast of URL SMS from spoofed sender ids or a SIM farm; ~0.4 % of recipients pay.

    Evasion rotates more sender SIMs, domains and text variants (template hashes).
    """
    rng, em, camp = ctx.rng, ctx.emitter, new_campaign(spec, campaign_id)
    country = COUNTRIES[spec.country]
    brand = rng.choice(country.bulk_senders)
    spoofed = rng.random() < 0.4
    senders: list[tuple[str, str | None, str | None, str]] = []  # sender, imei, cell, operator
    if spoofed:
        for suffix in ("-Info", "-Alert", "Secure")[: 1 + round(2 * spec.evasion)]:
            sid = (brand[:5] + suffix)[:11]
            senders.append((sid, None, None, ""))
            camp.add("sender_id", sid, "scammer")
    else:
        operator = rng.choice(country.operators)
        cell = rng.choice(ctx.pop.cells[operator])
        for _ in range(max(1, round(3 * spec.intensity * (1 + 3 * spec.evasion)))):
            msisdn, imei = ctx.ids.msisdn(spec.country), ctx.ids.imei()
            senders.append((msisdn, imei, cell, operator))
            camp.add("msisdn", msisdn, "scammer")
            camp.add("imei", imei, "scammer")
    domains = [
        f"{brand.lower()}-{rng.choice(_WORDS)}{rng.randrange(10, 99)}.{rng.choice(_TLDS)}"
        for _ in range(1 + round(3 * spec.evasion))
    ]
    for domain in dict.fromkeys(domains):
        camp.add("url_domain", domain, "scammer")
    templates = [template_hash(f"{campaign_id}/{i}") for i in range(1 + round(4 * spec.evasion))]
    mules = ctx.mules(spec.country, 2 + round(2 * spec.intensity), recruited=0.5)
    for mule in mules:
        account_entity(camp, mule, "mule")
    events: list[Emitted] = []
    victims: set[int] = set()
    for _ in range(round(3000 * spec.intensity)):
        t = spec.start_ms + rng.randrange(spec.duration_ms)
        sender, sender_imei, sender_cell, operator = rng.choice(senders)
        target = ctx.pop.pick(rng, spec.country)
        events.append(
            em.sms(
                t,
                operator or target.operator,
                sender,
                target.msisdn,
                url_domain=rng.choice(domains),
                template_hash=rng.choice(templates),
                segments=2,
                imei=sender_imei,
                cell=sender_cell,
            )
        )
        if rng.random() < 0.004 and target.accounts and target.idx not in victims:
            victims.add(target.idx)
            account_entity(camp, target.accounts[0], "victim")
            pay = t + rng.randrange(5 * MS_MINUTE, 90 * MS_MINUTE)
            mule = rng.choice(mules)
            for _ in range(rng.randint(1, 2)):
                events.append(
                    em.payment(pay, target.accounts[0], mule, rng.lognormvariate(5.7, 0.8))
                )
                agent = rng.choice(ctx.pop.cash_agents[spec.country])
                events.append(
                    em.payment(
                        pay + rng.randrange(MS_HOUR, 6 * MS_HOUR),
                        mule,
                        agent,
                        rng.lognormvariate(5.5, 0.6),
                        "cash_out",
                    )
                )
                pay += rng.randrange(3 * MS_MINUTE, 30 * MS_MINUTE)
    return camp, within(events, ctx.end_ms)
