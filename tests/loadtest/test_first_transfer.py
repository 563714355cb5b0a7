"""Victims warned on their first transfer, later, or not at all."""

from __future__ import annotations

import orjson

from loadtest.first_transfer import first_transfer_outcomes
from loadtest.truth import Campaign, GroundTruth


def _pay(payer: str, payee: str, minute: int) -> bytes:
    return orjson.dumps(
        {
            "topic": "payments.events",
            "payer_account": payer,
            "payee_account": payee,
            "event_time": f"2026-11-23T00:{minute:02d}:00Z",
        }
    )


def _alert(entity: str, minute: int, typology: str = "victim_in_progress") -> bytes:
    created = f"2026-11-23T00:{minute:02d}:00Z"
    return orjson.dumps({"typology": typology, "entity_id": entity, "created_time": created})


def test_outcomes_per_victim() -> None:
    c = Campaign("c1", "smishing", 0, 1)
    for v in ("V1", "V2", "V3", "V4"):
        c.add("account", v, "victim")
    c.add("account", "M", "mule")
    swap = Campaign("c2", "sim_swap", 0, 1)
    swap.add("account", "T", "victim")  # an account takeover: not a victim who pays
    truth = GroundTruth("t", 0, 1, [c, swap], [])
    events = [
        _pay("V1", "SHOP", 1),  # not a scam account
        _pay("V1", "M", 5),
        _pay("V2", "M", 5),
        _pay("V3", "M", 5),
        _pay("T", "M", 5),
    ]
    alerts = [
        _alert("V1", 5),  # on the first scam transfer
        _alert("V2", 9),  # later
        _alert("V3", 1, typology="mule"),  # another typology does not count
    ]
    got = first_transfer_outcomes(truth, events, alerts)
    assert got == {
        ("smishing", "on first transfer"): 1,
        ("smishing", "later"): 1,
        ("smishing", "missed"): 1,
        ("smishing", "no scam payment"): 1,
    }
