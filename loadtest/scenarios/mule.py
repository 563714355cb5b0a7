"""Mule network: fan-in from many victims, rapid fan-out, then cash-out or crypto."""

from __future__ import annotations

from loadtest.clock import MS_HOUR, MS_MINUTE
from loadtest.countries import COUNTRIES
from loadtest.emit import Emitted
from loadtest.population import Account
from loadtest.scenarios.base import CampaignSpec, Context, account_entity, new_campaign, within
from loadtest.truth import Campaign


def mule(ctx: Context, spec: CampaignSpec, campaign_id: str) -> tuple[Campaign, list[Emitted]]:
    """Victims pay collector accounts; collectors split to a second layer within minutes;
    the second layer withdraws cash, buys crypto or wires abroad.

    Evasion lengthens the holding time and keeps each hop under round thresholds.
    """
    rng, em, camp = ctx.rng, ctx.emitter, new_campaign(spec, campaign_id)
    collectors = ctx.mules(spec.country, 2 + round(2 * spec.intensity), recruited=0.4)
    layer = ctx.mules(spec.country, 4 + round(6 * spec.intensity), recruited=0.6)
    abroad_cc = rng.choice([c for c in sorted(COUNTRIES) if c != spec.country])
    abroad = ctx.mules(abroad_cc, 2, recruited=0.0)
    crypto = ctx.new_account(spec.country, "crypto")
    for acct in collectors + layer + abroad:
        account_entity(camp, acct, "mule")
    account_entity(camp, crypto, "scammer")
    hold = (5 * MS_MINUTE, 30 * MS_MINUTE) if spec.evasion < 0.5 else (MS_HOUR, 12 * MS_HOUR)
    cap = 1e9 if spec.evasion < 0.3 else 950.0
    events: list[Emitted] = []
    victims: set[str] = set()
    for _ in range(round(25 * spec.intensity)):
        _sub, acct = ctx.pop.with_account(rng, spec.country)
        if acct.account_id in victims:
            continue
        victims.add(acct.account_id)
        account_entity(camp, acct, "victim")
        t = spec.start_ms + rng.randrange(spec.duration_ms)
        for _ in range(rng.randint(1, 2)):
            usd = rng.lognormvariate(6.0, 0.9)
            collector = rng.choice(collectors)
            events.append(em.payment(t, acct, collector, usd))
            events.extend(
                _fan_out(
                    ctx,
                    collector,
                    layer,
                    usd * rng.uniform(0.9, 0.98),
                    t + rng.randrange(*hold),
                    cap,
                    (crypto, *abroad),
                )
            )
            t += rng.randrange(MS_HOUR, 12 * MS_HOUR)
    return camp, within(events, ctx.end_ms)


def _fan_out(
    ctx: Context,
    source: Account,
    layer: list[Account],
    usd: float,
    t: int,
    cap: float,
    exits: tuple[Account, ...],
) -> list[Emitted]:
    """Split ``usd`` from ``source`` over 2-4 layer accounts, each of which then exits."""
    rng, em = ctx.rng, ctx.emitter
    out: list[Emitted] = []
    parts = rng.randint(2, 4)
    for hop in rng.sample(layer, min(parts, len(layer))):
        share = min(cap, usd / parts)
        t += rng.randrange(30_000, 5 * MS_MINUTE)
        out.append(em.payment(t, source, hop, share))
        leave = t + rng.randrange(10 * MS_MINUTE, 90 * MS_MINUTE)
        route = rng.random()
        if route < 0.5:
            agent = rng.choice(ctx.pop.cash_agents[hop.country])
            out.append(em.payment(leave, hop, agent, share * 0.99, "cash_out"))
        else:
            exit_acct = exits[0] if route < 0.8 else rng.choice(exits[1:])
            rail = "crypto_onramp" if exit_acct is exits[0] else "bank_transfer"
            out.append(em.payment(leave, hop, exit_acct, share * 0.98, rail))
    return out
