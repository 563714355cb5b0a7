"""PaySim mobile-money CSV -> contract payment events and ground truth.

PaySim (Lopez-Rojas et al., 2016) steps are hours. Its frauds are account takeovers:
the fraudster empties a customer's account by a ``TRANSFER`` to an account it controls
and/or a ``CASH_OUT``. Rails (see ``loadtest/README.md``):

=========  ===============  =====================================================
type       rail             direction
=========  ===============  =====================================================
PAYMENT    ``ewallet``      nameOrig (customer) -> nameDest (merchant)
TRANSFER   ``mobile_money``  nameOrig -> nameDest (wallet to wallet)
CASH_OUT   ``cash_out``     nameOrig -> nameDest (the agent paying out cash)
CASH_IN    ``mobile_money``  nameDest (agent) -> nameOrig (money enters the wallet)
DEBIT      ``bank_transfer``  nameOrig -> nameDest (wallet to bank account)
=========  ===============  =====================================================
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtest.adapters import write_payments
from loadtest.clock import MS_HOUR, iso_ms, parse_ms
from loadtest.truth import Campaign, GroundTruth

RAILS: dict[str, str] = {
    "PAYMENT": "ewallet",
    "TRANSFER": "mobile_money",
    "CASH_OUT": "cash_out",
    "CASH_IN": "mobile_money",
    "DEBIT": "bank_transfer",
}


@dataclass(frozen=True, slots=True)
class _Row:
    step: int
    row: int
    kind: str
    amount: float
    orig: str
    dest: str
    fraud: bool


def _read(path: Path, limit: int | None) -> tuple[list[_Row], int]:
    rows, skipped = [], 0
    with path.open(newline="", encoding="utf-8") as f:
        for i, rec in enumerate(csv.DictReader(f)):
            if limit is not None and i >= limit:
                break
            amount = float(rec["amount"])
            if amount <= 0 or rec["type"] not in RAILS:
                skipped += 1
                continue
            rows.append(
                _Row(
                    int(rec["step"]),
                    i,
                    rec["type"],
                    amount,
                    rec["nameOrig"],
                    rec["nameDest"],
                    float(rec["isFraud"]) >= 1,
                )
            )
    rows.sort(key=lambda r: (r.step, r.row))
    return rows, skipped


def adapt_paysim(
    csv_path: Path,
    out_dir: Path,
    *,
    start: str = "2026-11-01T00:00:00Z",
    currency: str = "USD",
    institution: str = "PAYSIM",
    limit: int | None = None,
) -> GroundTruth:
    """Convert ``csv_path`` into ``out_dir/events.jsonl`` and ``out_dir/truth.json``.

    Rows are sorted by step (the sample is not in time order) and spread evenly over
    their hour. Rows with a zero amount break the contract and are skipped. Each group
    of fraud rows with the same step and amount (PaySim's transfer-then-cash-out pairs) is
    one ``account_takeover`` campaign: ``nameOrig`` is the ``victim``, the destination of a
    fraudulent ``TRANSFER`` a ``mule``.
    """
    rows, skipped = _read(csv_path, limit)
    base = parse_ms(start)
    per_step = Counter(r.step for r in rows)
    seen: Counter[int] = Counter()
    times: dict[int, int] = {}
    for r in rows:
        times[r.row] = base + (r.step - 1) * MS_HOUR + seen[r.step] * MS_HOUR // per_step[r.step]
        seen[r.step] += 1

    def payloads() -> Any:
        for r in rows:
            payer, payee = (r.dest, r.orig) if r.kind == "CASH_IN" else (r.orig, r.dest)
            yield {
                "event_id": f"paysim-{r.row}",
                "event_time": iso_ms(times[r.row]),
                "institution": institution,
                "payer_account": payer,
                "payee_account": payee,
                "amount": round(r.amount, 2),
                "currency": currency,
                "rail": RAILS[r.kind],
                "status": "completed",
                "paysim_type": r.kind,
            }

    n = write_payments(payloads(), out_dir / "events.jsonl")
    groups: dict[tuple[int, float], list[_Row]] = defaultdict(list)
    for r in rows:
        if r.fraud:
            groups[r.step, r.amount].append(r)
    truth = GroundTruth("paysim", base, base + max(per_step, default=1) * MS_HOUR)
    for (step, _), members in sorted(groups.items()):
        t = [times[r.row] for r in members]
        camp = Campaign(f"paysim-{step}-{members[0].row}", "account_takeover", min(t), max(t))
        for r in members:
            camp.add("account", r.orig, "victim")
            if r.kind == "TRANSFER":
                camp.add("account", r.dest, "mule")
        truth.campaigns.append(camp)
    accounts = {r.orig for r in rows} | {r.dest for r in rows}
    truth.entity_counts = {"account": len(accounts)}
    truth.event_counts = {"payments.events": n}
    truth.meta = {
        "csv": csv_path.name,
        "rows": len(rows),
        "skipped_rows": skipped,
        "currency": currency,
        "step": "1 hour",
    }
    truth.save(out_dir / "truth.json")
    return truth
