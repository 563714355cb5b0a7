"""The seeded input of a chaos run and what it must produce (``earlywarn replay``).

Replay is the deterministic reference: the same Pipeline over the same events in event-time
order, with no transport. A fault run must raise every alert the replay raises (compared by
``alert_id``, after dedup) and nothing else.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from earlywarn.alerts import load_keys
from earlywarn.contract import severity_rank
from earlywarn.digest import digests
from earlywarn.replay import Replay
from earlywarn.sample import sample_events
from loadtest.simulate import ScenarioConfig, build_scenario

#: Typologies whose alerts depend on the arrival order of the re-keyed topics (a payment
#: joined with an earlier call on the by-msisdn topic), so a stream may differ from replay.
ARRIVAL_ORDER_DEPENDENT = frozenset({"victim_in_progress"})

#: Fields of input events holding raw identifiers (phone numbers, accounts, IMEIs, cells).
IDENTIFIER_FIELDS = (
    "caller",
    "callee",
    "sender",
    "recipient",
    "payer_account",
    "payee_account",
    "payer_msisdn",
    "payee_msisdn",
    "caller_imei",
    "sender_imei",
    "cell_id",
)
#: Alphanumeric sender ids of legitimate brands, shown in clear by design.
PUBLIC_SENDERS = frozenset({"THBANK"})


#: Below this size the input is the built-in sample (normal traffic, one Wangiri campaign,
#: one mule): the simulator's decoys and campaigns alone are about 4k events.
SMALL = 3_000


def events_for(n: int, seed: int) -> list[dict[str, Any]]:
    """About ``n`` seeded contract events.

    From :data:`SMALL` events on: one simulated day (``earlywarn simulate``) with one campaign
    of every typology, decoys and labels, scaled by the number of subscribers. Below it: the
    built-in sample (:func:`earlywarn.sample.sample_events`), for fast CI runs.
    """
    if n < SMALL:
        return sample_events(seed=seed, subscribers=max(30, round(n / 12.4)))
    config = ScenarioConfig(
        seed=seed,
        subscribers=max(60, round(n / 10) - 300),
        days=1.0,
        campaigns_per_typology=1,
        intensity=min(1.0, max(0.3, n / 40_000)),
    )
    return [{"topic": topic, **body} for *_, topic, body in build_scenario(config).events()]


def raw_identifiers(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every raw phone number, account, IMEI and cell id of ``events``."""
    return {str(e[f]) for e in events for f in IDENTIFIER_FIELDS if e.get(f)} - PUBLIC_SENDERS


def final(alerts: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """alert_id -> (typology, highest severity) over an alert's updates."""
    out: dict[str, tuple[str, str]] = {}
    for a in alerts:
        prev = out.get(a["alert_id"])
        if prev is None or severity_rank(a["severity"]) > severity_rank(prev[1]):
            out[a["alert_id"]] = (a["typology"], a["severity"])
    return out


@dataclass
class Reference:
    """What a replay of the input raised, and the state it ended with."""

    events: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    tables: dict[str, dict[str, Any]]

    @property
    def expected(self) -> dict[str, tuple[str, str]]:
        """alert_id -> (typology, severity) every run must raise."""
        return {k: v for k, v in final(self.alerts).items() if v[0] not in ARRIVAL_ORDER_DEPENDENT}

    @property
    def allowed(self) -> set[str]:
        """Every alert_id a run may raise."""
        return {a["alert_id"] for a in self.alerts}


def replay(events: list[dict[str, Any]], keys_file: Path, models_dir: Path | None) -> Reference:
    """Replay ``events`` in event-time order, as ``earlywarn replay`` does."""
    rep = Replay(pseudonymiser=load_keys(keys_file), models_dir=models_dir)
    out = io.StringIO()
    rep.run_lines([orjson.dumps(e) for e in events], out=out)
    alerts = [orjson.loads(line) for line in out.getvalue().splitlines()]
    stores = rep.pipeline.stores
    names = ("callers", "senders", "debits", "credits", "imeis", "domains", "subscribers")
    tables = digests({name: getattr(stores, name) for name in (*names, "hotspots")})
    return Reference(events=events, alerts=alerts, tables=tables)
