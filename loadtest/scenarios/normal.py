"""Normal behaviour: calls, person-to-person and bulk SMS, payments, salaries, remittances.

Generated hour by hour with each country's daily rhythm; only one hour of events is held in
memory at a time.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass

from loadtest.clock import MS_DAY, MS_HOUR, MS_MINUTE
from loadtest.countries import COUNTRIES, P2P_DOMAINS, local_hour
from loadtest.emit import Emitted, Emitter
from loadtest.population import Population, Subscriber
from loadtest.scenarios.base import call_duration, poisson, template_hash

#: Relative activity by local hour (people sleep 01-05, peak late morning and evening).
RHYTHM: tuple[float, ...] = (
    0.25,
    0.12,
    0.06,
    0.05,
    0.08,
    0.25,
    0.6,
    1.1,
    1.5,
    1.7,
    1.7,
    1.65,
    1.6,
    1.6,
    1.65,
    1.65,
    1.6,
    1.55,
    1.6,
    1.6,
    1.4,
    1.1,
    0.75,
    0.45,
)
_RHYTHM_SUM = sum(RHYTHM)


@dataclass(frozen=True, slots=True)
class Rates:
    """Mean events per subscriber per day, by kind."""

    calls: float = 4.0
    p2p_sms: float = 2.5
    bulk_sms: float = 2.0
    p2p_pay: float = 0.35
    merchant_pay: float = 0.5
    bill_pay: float = 0.05
    cash_out: float = 0.06
    remittance: float = 0.3


class NormalTraffic:
    """Hour-by-hour generator of normal traffic.

    Parameters
    ----------
    pop
        The population.
    rng
        Its own seeded stream.
    emitter
        Its own emitter (rank and event-id prefix).
    rates
        Per-subscriber daily rates.
    """

    def __init__(
        self, pop: Population, rng: random.Random, emitter: Emitter, rates: Rates | None = None
    ) -> None:
        self.pop, self.rng, self.em = pop, rng, emitter
        self.rates = rates or Rates()
        self.first_day = 0
        self.templates = {
            (s, kind): template_hash(f"{s}|{kind}")
            for c in COUNTRIES.values()
            for s in c.bulk_senders
            for kind in ("otp", "ship", "promo")
        }
        self.migrants = {
            code: [i for i in members if pop.subscribers[i].family_abroad]
            for code, members in pop.by_country.items()
        }

    def events(self, start_ms: int, end_ms: int) -> Iterator[Emitted]:
        """All normal events in ``[start_ms, end_ms)``, in time order."""
        self.first_day = start_ms // MS_DAY
        hour_ms = start_ms - start_ms % MS_HOUR
        pending: list[Emitted] = []
        # A few events of an hour fall just before it (OTPs) or after it (payroll runs), so
        # an hour is released only once the next one is generated.
        while hour_ms < end_ms:
            for e in self.hour(hour_ms):
                heapq.heappush(pending, e)
            while pending and pending[0][0] < hour_ms:
                e = heapq.heappop(pending)
                if start_ms <= e[0]:
                    yield e
            hour_ms += MS_HOUR
        while pending and pending[0][0] < end_ms:
            e = heapq.heappop(pending)
            if start_ms <= e[0]:
                yield e

    def hour(self, hour_ms: int) -> list[Emitted]:
        """The unsorted events of one hour."""
        out: list[Emitted] = []
        rng, r, day = self.rng, self.rates, hour_ms // MS_DAY - self.first_day
        for code, spec in COUNTRIES.items():
            share = RHYTHM[local_hour(hour_ms // MS_HOUR % 24, spec)] / _RHYTHM_SUM
            n = len(self.pop.by_country[code]) * share
            for _ in range(poisson(rng, n * r.calls)):
                self._call(out, hour_ms + rng.randrange(MS_HOUR), code)
            for _ in range(poisson(rng, n * r.p2p_sms)):
                self._p2p_sms(out, hour_ms + rng.randrange(MS_HOUR), code)
            for _ in range(poisson(rng, n * r.bulk_sms)):
                self._bulk_sms(out, hour_ms + rng.randrange(MS_HOUR), code)
            for kind, rate in (
                ("p2p", r.p2p_pay),
                ("shop", r.merchant_pay),
                ("bill", r.bill_pay),
                ("cash", r.cash_out),
            ):
                for _ in range(poisson(rng, n * rate)):
                    self._payment(out, hour_ms + rng.randrange(MS_HOUR), code, kind)
            migrants = self.migrants[code]
            for _ in range(poisson(rng, len(migrants) * share * r.remittance) if migrants else 0):
                self._remit(
                    out, hour_ms + rng.randrange(MS_HOUR), migrants[rng.randrange(len(migrants))]
                )
            if local_hour(hour_ms // MS_HOUR % 24, spec) == 9:
                self._payroll(out, hour_ms, code, day)
        return out

    def _call(self, out: list[Emitted], t: int, code: str) -> None:
        rng, caller = self.rng, self.pop.pick(self.rng, code)
        u = rng.random()
        if u < 0.8:
            callee, p_answer = self.pop.contact(caller, rng), 0.8
        elif u < 0.88:
            callee, p_answer = self.pop.pick(rng, rng.choice(tuple(COUNTRIES))), 0.6
        else:
            callee, p_answer = self.pop.pick(rng, code), 0.45
        answered = rng.random() < p_answer
        out.append(
            self.em.call(
                t,
                caller.operator,
                caller.msisdn,
                callee.msisdn,
                answered,
                call_duration(rng) if answered else 0.0,
                caller.imei,
                caller.cells[0 if rng.random() < 0.6 else rng.randrange(3)],
            )
        )

    def _p2p_sms(self, out: list[Emitted], t: int, code: str) -> None:
        rng, sender = self.rng, self.pop.pick(self.rng, code)
        recipient = self.pop.contact(sender, rng)
        url = rng.choice(P2P_DOMAINS) if rng.random() < 0.04 else None
        out.append(
            self.em.sms(
                t,
                sender.operator,
                sender.msisdn,
                recipient.msisdn,
                url_domain=url,
                template_hash=f"{rng.getrandbits(64):016x}",
                segments=1 if rng.random() < 0.85 else 2,
                imei=sender.imei,
                cell=sender.cells[0],
            )
        )

    def _bulk_sms(self, out: list[Emitted], t: int, code: str) -> None:
        rng, spec = self.rng, COUNTRIES[code]
        recipient, which = self.pop.pick(rng, code), rng.randrange(len(spec.bulk_senders))
        sender, u = spec.bulk_senders[which], rng.random()
        # The first two senders are banks (OTPs), the others couriers, shops and telcos.
        kind = "otp" if which < 2 or u < 0.2 else "ship" if u < 0.85 else "promo"
        url = None if kind == "otp" else spec.shop_domain
        out.append(
            self.em.sms(
                t,
                recipient.operator,
                sender,
                recipient.msisdn,
                url_domain=url,
                template_hash=self.templates[sender, kind],
            )
        )

    def _payment(self, out: list[Emitted], t: int, code: str, kind: str) -> None:
        rng, pop = self.rng, self.pop
        payer_sub, payer = pop.with_account(rng, code)
        if kind == "p2p":
            friend = pop.contact(payer_sub, rng)
            if not friend.accounts:
                return
            payee = friend.accounts[-1] if payer.rail == "ewallet" else friend.accounts[0]
            usd, rail = rng.lognormvariate(3.2, 1.0), None
        elif kind == "shop":
            payee = rng.choice(pop.merchants[code])
            usd, rail = rng.lognormvariate(2.5, 0.9), "card" if payer.rail != "ewallet" else None
        elif kind == "bill":
            payee, usd, rail = rng.choice(pop.billers[code]), rng.lognormvariate(3.7, 0.5), None
        else:
            payee, rail = rng.choice(pop.cash_agents[code]), "cash_out"
            usd = float(rng.choice((20, 50, 100, 200)))
        if payer.rail == "bank_transfer" and kind == "p2p" and rng.random() < 0.3:
            bank = COUNTRIES[code].bulk_senders[0]
            out.append(
                self.em.sms(
                    t - rng.randrange(5_000, 60_000),
                    payer_sub.operator,
                    bank,
                    payer_sub.msisdn,
                    template_hash=self.templates[bank, "otp"],
                )
            )
        out.append(self.em.payment(t, payer, payee, usd, rail))

    def _remit(self, out: list[Emitted], t: int, idx: int) -> None:
        worker = self.pop.subscribers[idx]
        for member in worker.family_abroad:
            family: Subscriber = self.pop.subscribers[member]
            if family.accounts:
                out.append(
                    self.em.payment(
                        t,
                        worker.accounts[0],
                        family.accounts[0],
                        self.rng.lognormvariate(5.0, 0.4),
                        "mobile_money",
                    )
                )
                t += self.rng.randrange(MS_MINUTE, 10 * MS_MINUTE)

    def _payroll(self, out: list[Emitted], hour_ms: int, code: str, day: int) -> None:
        for emp in self.pop.employers:
            if emp.account.country != code or emp.payday != day:
                continue
            t = hour_ms + self.rng.randrange(10 * MS_MINUTE)
            for i in emp.staff:
                staff = self.pop.subscribers[i]
                acct = next(a for a in staff.accounts if a.rail == "bank_transfer")
                out.append(self.em.payment(t, emp.account, acct, self.rng.lognormvariate(6.5, 0.4)))
                t += self.rng.randrange(1_000, 15_000)
