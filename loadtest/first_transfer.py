"""Were victims warned on their first transfer? (issue 4's ``victim_in_progress`` target).

For each victim account of a simulated campaign (account takeovers aside), find its first
payment to an account of the same scenario's scammers or mules, and compare it with the
``created_time`` of the victim's first ``victim_in_progress`` alert: an alert created at
or before that payment's time was raised while the first transfer was processed.

``python -m loadtest.first_transfer SIM_DIR ALERTS.jsonl`` prints the counts per campaign
typology.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import orjson

from loadtest.clock import parse_ms
from loadtest.truth import GroundTruth

_TAKEOVERS = frozenset(("sim_swap", "account_takeover"))


def first_transfer_outcomes(
    truth: GroundTruth, events: Iterable[bytes], alerts: Iterable[bytes]
) -> Counter[tuple[str, str]]:
    """``(campaign typology, outcome)`` counts; outcomes: ``on first transfer``, ``later``,
    ``missed`` and ``no scam payment``.

    >>> from loadtest.truth import Campaign
    >>> c = Campaign("c", "impersonation", 0, 1)
    >>> c.add("account", "V", "victim"); c.add("account", "M", "mule")
    >>> t = GroundTruth("t", 0, 1, [c], [])
    >>> pay = b'{"topic":"payments.events","payer_account":"V","payee_account":"M",' \\
    ...       b'"event_time":"2026-11-23T00:10:00Z"}'
    >>> alert = b'{"typology":"victim_in_progress","entity_id":"V",' \\
    ...         b'"created_time":"2026-11-23T00:10:00Z"}'
    >>> dict(first_transfer_outcomes(t, [pay], [alert]))
    {('impersonation', 'on first transfer'): 1}
    """
    victims: dict[str, str] = {}
    payees: set[str] = set()
    for c in truth.campaigns:
        for e in c.entities:
            if e.entity_type != "account":
                continue
            if e.role == "victim" and c.typology not in _TAKEOVERS:
                victims[e.entity_id] = c.typology
            elif e.role in ("mule", "scammer"):
                payees.add(e.entity_id)
    first_pay: dict[str, int] = {}
    for line in events:
        ev = orjson.loads(line)
        if ev.get("topic") != "payments.events":
            continue
        payer = ev.get("payer_account")
        if payer in victims and ev.get("payee_account") in payees:
            t = parse_ms(ev["event_time"])
            first_pay[payer] = min(first_pay.get(payer, t), t)
    first_alert: dict[str, int] = {}
    for line in alerts:
        a = orjson.loads(line)
        if a.get("typology") == "victim_in_progress" and a.get("entity_id") in victims:
            t = parse_ms(a["created_time"])
            first_alert[a["entity_id"]] = min(first_alert.get(a["entity_id"], t), t)
    out: Counter[tuple[str, str]] = Counter()
    for victim, typology in victims.items():
        if victim not in first_pay:
            out[typology, "no scam payment"] += 1
        elif victim not in first_alert:
            out[typology, "missed"] += 1
        elif first_alert[victim] <= first_pay[victim]:
            out[typology, "on first transfer"] += 1
        else:
            out[typology, "later"] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the outcomes for ``SIM_DIR`` (events.jsonl, truth.json) and an alerts file."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m loadtest.first_transfer SIM_DIR ALERTS.jsonl", file=sys.stderr)
        return 2
    sim, alerts_path = Path(args[0]), Path(args[1])
    truth = GroundTruth.load(sim / "truth.json")
    with (sim / "events.jsonl").open("rb") as ev, alerts_path.open("rb") as al:
        counts = first_transfer_outcomes(truth, ev, al)
    for (typology, outcome), n in sorted(counts.items()):
        print(f"{typology:16} {outcome:18} {n}")
    paid = sum(n for (_, o), n in counts.items() if o != "no scam payment")
    on_first = sum(n for (_, o), n in counts.items() if o == "on first transfer")
    print(f"on first transfer: {on_first} of {paid} victims who paid a scam account")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
