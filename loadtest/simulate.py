"""Build a seeded scenario and stream its events in time order.

Per-source generators (normal traffic hour by hour, decoy call centres, each campaign, the
labels) are merged with :func:`heapq.merge`; only one hour of normal traffic and the
(small) campaign streams are in memory at once.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from loadtest.clock import MS_DAY, MS_HOUR, iso_ms, parse_ms
from loadtest.countries import COUNTRIES
from loadtest.emit import Emitted, Emitter
from loadtest.identifiers import IdFactory
from loadtest.labels import campaign_labels, decoy_labels
from loadtest.population import build_population
from loadtest.scenarios import CAMPAIGNS, CampaignSpec, Context
from loadtest.scenarios.decoys import call_centres, crypto_investors, registered_decoys
from loadtest.scenarios.normal import NormalTraffic, Rates
from loadtest.truth import Campaign, GroundTruth

#: How long each campaign family stays active.
DURATIONS_H: dict[str, float] = {
    "wangiri": 8,
    "simbox": 48,
    "smishing": 12,
    "impersonation": 24,
    "mule": 36,
    "pig_butchering": 60,
    "sim_swap": 8,
}


@dataclass(frozen=True)
class ScenarioConfig:
    """Everything that determines a scenario; the same config gives the same bytes.

    The defaults (50k subscribers, 3 days) give about 1.4M events.
    """

    seed: int = 7
    subscribers: int = 50_000
    days: float = 3.0
    start: str = "2026-11-23T00:00:00Z"
    campaigns_per_typology: int = 3
    typologies: tuple[str, ...] = tuple(CAMPAIGNS)
    intensity: float = 1.0
    evasion: float = 0.3
    label_rate: float = 0.6
    rates: Rates = field(default_factory=Rates)

    def expected_events(self) -> int:
        """Rough number of normal events, for progress bars."""
        r = self.rates
        per_day = (
            r.calls
            + r.p2p_sms
            + r.bulk_sms
            + r.p2p_pay * 1.3
            + r.merchant_pay
            + r.bill_pay
            + r.cash_out
        ) * 0.93
        return int(self.subscribers * self.days * per_day)


@dataclass
class Scenario:
    """A built scenario: its ground truth and its per-source event streams."""

    config: ScenarioConfig
    truth: GroundTruth
    streams: list[Iterator[Emitted]]

    def events(self) -> Iterator[Emitted]:
        """Every event of every source, merged in (time, source, sequence) order."""
        return heapq.merge(*self.streams)


def _specs(config: ScenarioConfig, start_ms: int, end_ms: int) -> list[CampaignSpec]:
    rng = random.Random(f"{config.seed}/schedule")
    countries = sorted(COUNTRIES)
    specs = []
    for t_i, typology in enumerate(config.typologies):
        if typology not in CAMPAIGNS:
            raise ValueError(f"unknown typology {typology!r}")
        for k in range(config.campaigns_per_typology):
            start = start_ms + int((end_ms - start_ms) * rng.uniform(0.05, 0.65))
            duration = min(int(DURATIONS_H[typology] * MS_HOUR), end_ms - start)
            evasion = min(1.0, max(0.0, config.evasion + rng.uniform(-0.2, 0.2)))
            intensity = config.intensity * rng.uniform(0.7, 1.3)
            country = countries[(t_i + k * 2) % len(countries)]
            specs.append(
                CampaignSpec(
                    typology, start, duration, round(intensity, 3), round(evasion, 3), country
                )
            )
    return specs


def _drop_unseen(campaign: Campaign, events: list[Emitted]) -> None:
    """Keep only the campaign entities that occur (by id or alias) in its emitted events.

    A campaign that starts near the end of the scenario records victims, mules and numbers
    whose events fall after the end and are cut; no detector can see those, so they are
    not ground truth.
    """
    seen = {v for e in events for v in e[4].values() if isinstance(v, str)}
    keep = [e for e in campaign.entities if any(i in seen for _, i in e.keys())]  # noqa: SIM118
    campaign.entities = keep


def _start_at_first_event(campaign: Campaign, events: list[Emitted]) -> None:
    """Start ``campaign`` at its first event; its drawn window start goes to its params.

    A campaign's window is drawn first and its events placed in it: a wangiri campaign's
    first burst comes at a random time in its window, often hours after the window
    opens. Time to detect is measured from the campaign's start, and nothing can be
    detected before the first scam event, so that is where the campaign starts; its
    labels are reported after it, never before the scam began.
    """
    campaign.params["window_start"] = iso_ms(campaign.start_ms)
    if events:
        campaign.start_ms = max(campaign.start_ms, min(e[0] for e in events))


def build_scenario(config: ScenarioConfig) -> Scenario:
    """Draw the population, inject campaigns and decoys, and prepare the streams."""
    seed = config.seed
    start_ms = parse_ms(config.start)
    end_ms = start_ms + int(config.days * MS_DAY)
    pop_rng = random.Random(f"{seed}/population")
    ids = IdFactory(pop_rng)
    pop = build_population(config.subscribers, pop_rng, ids, max(1, int(config.days)))
    truth = GroundTruth("loadtest.simulate", start_ms, end_ms)
    label_em, label_rng = Emitter(1, "lb-"), random.Random(f"{seed}/labels")
    streams: list[Iterator[Emitted]] = []
    labels: list[Emitted] = []
    for i, spec in enumerate(_specs(config, start_ms, end_ms)):
        ctx = Context(
            pop, ids, random.Random(f"{seed}/campaign/{i}"), Emitter(10 + i, f"c{i}-"), end_ms
        )
        campaign, events = CAMPAIGNS[spec.typology](ctx, spec, f"c{i:03d}-{spec.typology}")
        campaign.params["country"] = spec.country
        _drop_unseen(campaign, events)
        truth.campaigns.append(campaign)
        streams.append(iter(events))
        _start_at_first_event(campaign, events)
        labels += campaign_labels(
            campaign, spec.country, label_rng, label_em, end_ms, config.label_rate
        )
    decoy_ctx = Context(pop, ids, random.Random(f"{seed}/decoys"), Emitter(2, "d-"), end_ms)
    centres, centre_events = call_centres(decoy_ctx, start_ms)
    busy = frozenset(i for c in truth.campaigns for e in c.entities for _, i in e.keys())  # noqa: SIM118
    investors, investor_events = crypto_investors(decoy_ctx, start_ms, skip=busy)
    truth.decoys = centres + registered_decoys(pop) + investors
    streams.append(iter(centre_events))
    streams.append(iter(investor_events))
    labels += decoy_labels(truth.decoys, start_ms, end_ms, label_rng, label_em)
    streams.append(iter(sorted(labels)))
    normal = NormalTraffic(pop, random.Random(f"{seed}/normal"), Emitter(0, "n-"), config.rates)
    streams.insert(0, normal.events(start_ms, end_ms))
    counts = pop.entity_counts()
    counts["msisdn"] += sum(len(d.entities) for d in centres)
    counts["account"] += 2 * len(COUNTRIES)  # the exchanges' deposit accounts
    truth.entity_counts = counts
    truth.meta = {
        "seed": seed,
        "subscribers": len(pop.subscribers),
        "days": config.days,
        "countries": sorted(COUNTRIES),
        "campaigns_per_typology": config.campaigns_per_typology,
        "intensity": config.intensity,
        "evasion": config.evasion,
    }
    return Scenario(config, truth, streams)
