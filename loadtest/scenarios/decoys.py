"""Decoys: legitimate entities whose traffic looks like a scam at first glance.

Call centres and crypto investors are generated here; OTP senders, payroll fan-out and
family remittances are part of normal traffic and only registered as decoys in the ground
truth.
"""

from __future__ import annotations

from loadtest.clock import MS_DAY, MS_HOUR
from loadtest.countries import COUNTRIES, local_hour
from loadtest.emit import Emitted
from loadtest.population import Population
from loadtest.scenarios.base import Context, call_duration
from loadtest.scenarios.normal import RHYTHM
from loadtest.truth import Decoy, TruthEntity


def call_centres(
    ctx: Context, start_ms: int, per_country: int = 1
) -> tuple[list[Decoy], list[Emitted]]:
    """Outbound call centres (banks' service lines, couriers, telemarketing).

    Each has 4-10 lines making ~150 short calls per line and working day to many distinct
    subscribers, answered about half the time: the shape of wangiri or impersonation.
    """
    rng, em = ctx.rng, ctx.emitter
    decoys: list[Decoy] = []
    events: list[Emitted] = []
    for code, spec in COUNTRIES.items():
        for k in range(per_country):
            operator = rng.choice(spec.operators)
            cell = rng.choice(ctx.pop.cells[operator])
            lines = [(ctx.ids.msisdn(code), ctx.ids.imei()) for _ in range(rng.randint(4, 10))]
            decoy = Decoy(f"decoy-callcentre-{code}-{k}", "call_centre")
            decoy.entities = [TruthEntity("msisdn", m, "decoy", (("imei", i),)) for m, i in lines]
            decoys.append(decoy)
            n_calls = round(150 * len(lines) * (ctx.end_ms - start_ms) / MS_DAY)
            for _ in range(n_calls):
                t = start_ms + rng.randrange(ctx.end_ms - start_ms)
                hour = local_hour(t // MS_HOUR % 24, spec)
                if not 8 <= hour < 20 or rng.random() > RHYTHM[hour] / 1.7:
                    continue
                msisdn, imei = rng.choice(lines)
                callee = ctx.pop.pick(rng, code)
                answered = rng.random() < 0.5
                dur = call_duration(rng, 95.0, 0.6) if answered else 0.0
                events.append(
                    em.call(t, operator, msisdn, callee.msisdn, answered, dur, imei, cell)
                )
    events.sort()
    return decoys, events


def crypto_investors(
    ctx: Context,
    start_ms: int,
    share: float = 0.03,
    per_day: float = 0.3,
    skip: frozenset[str] = frozenset(),
) -> tuple[list[Decoy], list[Emitted]]:
    """Ordinary people buying crypto: deposits to their country's two exchanges.

    A ``share`` of the subscribers with an account invest, each making about ``per_day``
    deposits a day in waking hours, of amounts around a habit of their own (some the
    same each time, most varying, so some runs grow by chance). What the
    pig-butchering detectors must not mistake for victims paying in more each time;
    their friends' first texts and calls come with them, from normal traffic. People in
    a campaign (``skip``: their numbers and accounts) are not drawn: a pig-butchering
    victim's own deposits are no decoy's.
    """
    rng, em = ctx.rng, ctx.emitter
    decoy = Decoy("decoy-crypto-investors", "crypto_investor")
    events: list[Emitted] = []
    for code, spec in COUNTRIES.items():
        exchanges = [ctx.new_account(code, "crypto") for _ in range(2)]
        decoy.entities += [TruthEntity("account", x.account_id, "decoy") for x in exchanges]
        for i in ctx.pop.by_country[code]:
            sub = ctx.pop.subscribers[i]
            drawn = rng.random() < share  # drawn for everyone, so skipping shifts no one
            if not sub.accounts or not drawn or sub.msisdn in skip:
                continue
            if any(a.account_id in skip for a in sub.accounts):
                continue
            acct, habit = sub.accounts[0], rng.lognormvariate(4.0, 1.0)
            spread = 0.0 if rng.random() < 0.2 else 0.5
            decoy.entities.append(
                TruthEntity("account", acct.account_id, "decoy", (("msisdn", sub.msisdn),))
            )
            exchange = rng.choice(exchanges)
            t = start_ms + int(rng.expovariate(per_day) * MS_DAY)
            while t < ctx.end_ms:
                if 8 <= local_hour(t // MS_HOUR % 24, spec) < 23:
                    usd = habit * rng.lognormvariate(0.0, spread)
                    events.append(em.payment(t, acct, exchange, usd, "crypto_onramp"))
                t += int(rng.expovariate(per_day) * MS_DAY)
    events.sort()
    return [decoy], events


def registered_decoys(pop: Population) -> list[Decoy]:
    """Decoys inside normal traffic: OTP/bulk senders, payroll accounts, remitting workers."""
    out = []
    for code, spec in COUNTRIES.items():
        senders = Decoy(f"decoy-bulk-{code}", "otp_sender")
        senders.entities = [TruthEntity("sender_id", s, "decoy") for s in spec.bulk_senders]
        out.append(senders)
    payroll = Decoy("decoy-payroll", "payroll_fanout")
    payroll.entities = [
        TruthEntity("account", e.account.account_id, "decoy") for e in pop.employers
    ]
    out.append(payroll)
    remit = Decoy("decoy-remittance", "family_remittance")
    for sub in pop.subscribers:
        if sub.family_abroad:
            acct = sub.accounts[0]
            remit.entities.append(
                TruthEntity("account", acct.account_id, "decoy", (("msisdn", sub.msisdn),))
            )
    out.append(remit)
    return out
