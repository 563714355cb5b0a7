"""The simulated population: subscribers, devices, cells, accounts, merchants, employers.

Everything is drawn from one seeded stream, so a seed always gives the same people.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_right
from dataclasses import dataclass, field

from loadtest.countries import COUNTRIES
from loadtest.identifiers import IdFactory

#: Registered migrant corridors: workers in the first country, family in the second.
CORRIDORS: tuple[tuple[str, str], ...] = (
    ("SG", "ID"),
    ("SG", "PH"),
    ("MY", "ID"),
    ("MY", "VN"),
    ("TH", "VN"),
    ("SG", "MY"),
)


@dataclass(slots=True, frozen=True)
class Account:
    """A bank account or e-wallet, optionally linked to a phone number."""

    account_id: str
    institution: str
    rail: str
    country: str
    msisdn: str | None = None


@dataclass(slots=True)
class Subscriber:
    """A mobile subscriber with a handset, usual cells and linked accounts."""

    idx: int
    msisdn: str
    country: str
    operator: str
    imei: str
    cells: tuple[str, ...]
    accounts: tuple[Account, ...]
    activity: float
    family_abroad: tuple[int, ...] = ()


@dataclass(slots=True)
class Employer:
    """A company paying salaries from one account to its staff on a pay day."""

    account: Account
    staff: tuple[int, ...]
    payday: int


@dataclass
class Population:
    """All normal entities of a simulation."""

    subscribers: list[Subscriber]
    by_country: dict[str, list[int]]
    cum_activity: dict[str, list[float]]
    position: list[int]
    merchants: dict[str, list[Account]]
    billers: dict[str, list[Account]]
    cash_agents: dict[str, list[Account]]
    employers: list[Employer]
    cells: dict[str, list[str]] = field(default_factory=dict)

    def pick(self, rng: random.Random, country: str) -> Subscriber:
        """A subscriber of ``country``, more active ones more often."""
        cum = self.cum_activity[country]
        i = bisect_right(cum, rng.random() * cum[-1])
        return self.subscribers[self.by_country[country][min(i, len(cum) - 1)]]

    def contact(self, sub: Subscriber, rng: random.Random) -> Subscriber:
        """One of the ~8 people ``sub`` usually talks to (a fixed social circle)."""
        members = self.by_country[sub.country]
        offset = (sub.idx * 2_654_435_761 + rng.randrange(8) * 40_503) % 997 + 1
        return self.subscribers[members[(self.position[sub.idx] + offset) % len(members)]]

    def with_account(self, rng: random.Random, country: str) -> tuple[Subscriber, Account]:
        """A subscriber of ``country`` who has at least one account, and that account."""
        while True:
            sub = self.pick(rng, country)
            if sub.accounts:
                return sub, sub.accounts[0]

    def entity_counts(self) -> dict[str, int]:
        """Number of distinct normal entities per contract entity type."""
        accounts = sum(len(s.accounts) for s in self.subscribers)
        accounts += sum(
            len(v) for d in (self.merchants, self.billers, self.cash_agents) for v in d.values()
        )
        senders = sum(len(c.bulk_senders) for c in COUNTRIES.values())
        return {
            "msisdn": len(self.subscribers),
            "imei": len(self.subscribers),
            "account": accounts + len(self.employers),
            "sender_id": senders,
        }


def _institution_accounts(
    ids: IdFactory, country: str, kind: str, count: int, rng: random.Random
) -> list[Account]:
    spec = COUNTRIES[country]
    out = []
    for _ in range(count):
        inst = rng.choice(spec.banks + spec.wallets)
        rail = "ewallet" if inst in spec.wallets else "bank_transfer"
        out.append(Account(ids.account(f"{inst}-{kind}"), inst, rail, country))
    return out


def _personal_accounts(
    ids: IdFactory, country: str, msisdn: str, rng: random.Random
) -> tuple[Account, ...]:
    spec = COUNTRIES[country]
    accounts = []
    if rng.random() < 0.85:
        bank = rng.choice(spec.banks)
        accounts.append(Account(ids.account(bank), bank, "bank_transfer", country, msisdn))
    if rng.random() < 0.55:
        wallet = rng.choice(spec.wallets)
        accounts.append(Account(ids.account(wallet), wallet, "ewallet", country, msisdn))
    return tuple(accounts)


def build_population(size: int, rng: random.Random, ids: IdFactory, days: int) -> Population:
    """Draw ``size`` subscribers across the markets of :data:`COUNTRIES`.

    Parameters
    ----------
    size
        Number of subscribers (at least one per country).
    rng, ids
        Seeded random stream and identifier factory.
    days
        Simulated days, to place employers' pay days inside the window.
    """
    total_weight = sum(c.weight for c in COUNTRIES.values())
    subs: list[Subscriber] = []
    by_country: dict[str, list[int]] = {}
    position: list[int] = []
    cells: dict[str, list[str]] = {}
    for code, spec in COUNTRIES.items():
        for op in spec.operators:
            n_cells = max(20, int(size * spec.weight / total_weight / 150))
            cells[op] = [ids.cell(op) for _ in range(n_cells)]
        members = by_country.setdefault(code, [])
        for _ in range(max(1, round(size * spec.weight / total_weight))):
            op = rng.choice(spec.operators)
            msisdn = ids.msisdn(code)
            home = rng.randrange(len(cells[op]))
            own_cells = tuple(cells[op][(home + k * 7) % len(cells[op])] for k in range(3))
            sub = Subscriber(
                len(subs),
                msisdn,
                code,
                op,
                ids.imei(),
                own_cells,
                _personal_accounts(ids, code, msisdn, rng),
                rng.lognormvariate(0.0, 0.7),
            )
            position.append(len(members))
            members.append(sub.idx)
            subs.append(sub)
    for work, family in CORRIDORS:
        workers = [i for i in by_country[work] if subs[i].accounts and rng.random() < 0.05]
        for i in workers:
            subs[i].family_abroad = tuple(rng.sample(by_country[family], rng.randint(1, 3)))
    cum = {
        c: list(itertools.accumulate(subs[i].activity for i in m)) for c, m in by_country.items()
    }
    pop = Population(subs, by_country, cum, position, {}, {}, {}, [], cells)
    for code in COUNTRIES:
        n = len(by_country[code])
        pop.merchants[code] = _institution_accounts(ids, code, "M", max(10, n // 40), rng)
        pop.billers[code] = _institution_accounts(ids, code, "B", 6, rng)
        pop.cash_agents[code] = _institution_accounts(ids, code, "ATM", max(5, n // 500), rng)
        staffed = [
            i for i in by_country[code] if any(a.rail == "bank_transfer" for a in subs[i].accounts)
        ]
        rng.shuffle(staffed)
        for start in range(0, len(staffed) // 3, 120):
            team = tuple(sorted(staffed[start : start + rng.randint(30, 120)]))
            account = _institution_accounts(ids, code, "PAY", 1, rng)[0]
            pop.employers.append(Employer(account, team, rng.randrange(max(1, days))))
    return pop
