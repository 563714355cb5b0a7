"""IBM AMLSim (``nodes.csv`` + ``transactions.csv``) -> contract payment events and ground truth.

AMLSim labels accounts, not transactions. Its laundering patterns (fan-in in the
``20K_fanin200`` sample) are mule networks. Patterns overlap, so campaigns are
approximated: each flagged account joins the flagged account it pays most (its fan-in
collector), one ``mule`` campaign per collector, every member in the ``mule`` role.
Every transfer is a ``bank_transfer``; a step is a day unless told otherwise.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from loadtest.adapters import write_payments
from loadtest.clock import MS_HOUR, iso_ms, parse_ms
from loadtest.truth import Campaign, GroundTruth


def adapt_amlsim(
    data_dir: Path,
    out_dir: Path,
    *,
    start: str = "2026-11-01T00:00:00Z",
    step_hours: float = 24.0,
    currency: str = "USD",
    institution: str = "AMLSIM",
    limit: int | None = None,
) -> GroundTruth:
    """Convert ``data_dir/{nodes,transactions}.csv`` into ``out_dir/{events.jsonl,truth.json}``.

    Transactions are sorted by step and spread evenly over it. ``limit`` keeps only the
    first transactions of the file (labels then cover the accounts still present).
    """
    with (data_dir / "nodes.csv").open(newline="", encoding="utf-8") as f:
        fraud = {r["nodeid"]: int(r["fraudStep"]) for r in csv.DictReader(f) if r["isFraud"] == "1"}
    txs: list[tuple[int, int, str, str, float]] = []
    with (data_dir / "transactions.csv").open(newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f)):
            if limit is not None and i >= limit:
                break
            value = float(r["value"])
            if value > 0:
                txs.append((int(r["time"]), i, r["sourceNodeId"], r["targetNodeId"], value))
    txs.sort()
    base, step_ms = parse_ms(start), int(step_hours * MS_HOUR)
    per_step: dict[int, int] = defaultdict(int)
    for step, *_ in txs:
        per_step[step] += 1
    seen: dict[int, int] = defaultdict(int)
    times = []
    for step, *_ in txs:
        times.append(base + (step - 1) * step_ms + seen[step] * step_ms // per_step[step])
        seen[step] += 1

    def payloads() -> Any:
        for (_, i, src, dst, value), t in zip(txs, times, strict=True):
            yield {
                "event_id": f"amlsim-{i}",
                "event_time": iso_ms(t),
                "institution": institution,
                "payer_account": f"AML-{src}",
                "payee_account": f"AML-{dst}",
                "amount": round(value, 2),
                "currency": currency,
                "rail": "bank_transfer",
                "status": "completed",
            }

    n = write_payments(payloads(), out_dir / "events.jsonl")
    present = {a for _, _, s, d, _ in txs for a in (s, d)}
    flagged = {a for a in fraud if a in present}
    targets: dict[str, Counter[str]] = defaultdict(Counter)
    for _, _, src, dst, _ in txs:
        if src in flagged and dst in flagged:
            targets[src][dst] += 1
    # One campaign per fan-in collector: a flagged account joins the collector it pays most.
    hub = {
        a: min(targets[a].items(), key=lambda kv: (-kv[1], int(kv[0])))[0] if targets.get(a) else a
        for a in flagged
    }
    groups: dict[str, list[str]] = defaultdict(list)
    for a in flagged:
        groups[hub[a]].append(a)
    first: dict[str, int] = {}
    for (_, _, src, dst, _), t in zip(txs, times, strict=True):
        for a in (src, dst):
            if a in flagged:
                first.setdefault(hub[a], t)
    truth = GroundTruth("amlsim", base, base + (max(per_step, default=1)) * step_ms)
    for key, members in sorted(groups.items(), key=lambda kv: int(kv[0])):
        members.sort(key=int)
        camp = Campaign(f"amlsim-{key}", "mule", first[key], first[key])
        camp.params = {"accounts": len(members), "collector": f"AML-{key}"}
        for a in members:
            camp.add("account", f"AML-{a}", "mule")
        truth.campaigns.append(camp)
    truth.entity_counts = {"account": len(present)}
    truth.event_counts = {"payments.events": n}
    truth.meta = {
        "transactions": len(txs),
        "flagged_accounts": len(flagged),
        "currency": currency,
        "step_hours": step_hours,
    }
    truth.save(out_dir / "truth.json")
    return truth
