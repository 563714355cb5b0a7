"""What every campaign generator gets and returns, plus small shared samplers."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from loadtest.countries import COUNTRIES
from loadtest.emit import Emitted, Emitter
from loadtest.identifiers import IdFactory
from loadtest.population import Account, Population
from loadtest.truth import Campaign


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """Parameters of one injected campaign.

    Attributes
    ----------
    typology
        Campaign family (a key of :data:`loadtest.scenarios.CAMPAIGNS`).
    start_ms, duration_ms
        When it starts and how long the scammers stay active.
    intensity
        Scale of the campaign, 1.0 is typical (more numbers, victims, messages).
    evasion
        0..1: how hard the scammers try to look normal (rotation, jitter, smaller amounts).
    country
        Target market.
    """

    typology: str
    start_ms: int
    duration_ms: int
    intensity: float
    evasion: float
    country: str


@dataclass(slots=True)
class Context:
    """Shared state a campaign generator draws from."""

    pop: Population
    ids: IdFactory
    rng: random.Random
    emitter: Emitter
    end_ms: int

    def new_account(self, country: str, kind: str = "bank", msisdn: str | None = None) -> Account:
        """A fresh account (``bank``, ``ewallet`` or ``crypto`` on-ramp deposit account)."""
        spec = COUNTRIES[country]
        if kind == "crypto":
            inst = f"{country}-XCHG"
            return Account(self.ids.account(inst), inst, "crypto_onramp", country, msisdn)
        if kind == "ewallet":
            inst = self.rng.choice(spec.wallets)
            return Account(self.ids.account(inst), inst, "ewallet", country, msisdn)
        inst = self.rng.choice(spec.banks)
        return Account(self.ids.account(inst), inst, "bank_transfer", country, msisdn)

    def mules(self, country: str, n: int, recruited: float) -> list[Account]:
        """``n`` mule accounts; a ``recruited`` share are real subscribers' own accounts."""
        out = []
        for _ in range(n):
            if self.rng.random() < recruited:
                out.append(self.pop.with_account(self.rng, country)[1])
            else:
                kind = "ewallet" if self.rng.random() < 0.3 else "bank"
                out.append(self.new_account(country, kind, self.ids.msisdn(country)))
        return out


#: A campaign generator: (context, spec, campaign id) -> ground truth and its events.
CampaignFn = Callable[[Context, CampaignSpec, str], tuple[Campaign, list[Emitted]]]


def new_campaign(spec: CampaignSpec, campaign_id: str) -> Campaign:
    """The ground-truth record of ``spec`` with its parameters."""
    params = {"intensity": spec.intensity, "evasion": spec.evasion}
    return Campaign(
        campaign_id, spec.typology, spec.start_ms, spec.start_ms + spec.duration_ms, params
    )


def account_entity(campaign: Campaign, account: Account, role: str) -> None:
    """Record ``account`` (aliased to its phone number, when linked) in ``campaign``."""
    aliases = (("msisdn", account.msisdn),) if account.msisdn else ()
    campaign.add("account", account.account_id, role, *aliases)


def within(events: list[Emitted], end_ms: int) -> list[Emitted]:
    """The events up to ``end_ms``, sorted."""
    return sorted(e for e in events if e[0] <= end_ms)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (normal approximation above 30)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def call_duration(rng: random.Random, median_s: float = 70.0, sigma: float = 1.0) -> float:
    """A lognormal call duration in whole seconds, 1 s to 1 h."""
    return float(min(3600, max(1, round(rng.lognormvariate(math.log(median_s), sigma)))))


def template_hash(text: str) -> str:
    """Stand-in for the operator's fuzzy hash of a normalised SMS body."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
