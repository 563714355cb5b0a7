"""The built-in seeded sample used by ``make demo`` and the integration tests.

Two hours of normal traffic between a few hundred Thai and Malaysian subscribers, plus one
Wangiri campaign (a foreign number ringing many Thai numbers once) and one money-mule
account (fan-in from several victims, cash-out within minutes). The full scenario
simulator, with every typology and decoys, is ``earlywarn simulate`` (``loadtest/``).

Examples
--------
>>> events = sample_events(seed=1, subscribers=20)
>>> sorted({e["topic"] for e in events})
['payments.events', 'telco.cdr', 'telco.sms']
>>> events == sample_events(seed=1, subscribers=20)
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from earlywarn.contract.alert import iso

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC).timestamp()
HOURS = 2.0
#: The campaigns' ground truth: (typology, entity_type, entity id) of the scammer side.
WANGIRI_CALLER = "+2348031234567"
MULE_ACCOUNT = "TH-BANK-B:mule-0001"

#: Malformed messages appended to the sample: (topic, raw value, expected reason).
MALFORMED: tuple[tuple[str, bytes, str], ...] = (
    ("telco.cdr", b"{not json", "not_json"),
    ("telco.cdr", b'{"event_id": "bad-1", "event_time": "2026-11-23T01:00:00Z"}', "missing_field"),
    (
        "payments.events",
        b'{"event_id": "bad-2", "event_time": "2026-11-23T01:00:00Z", "institution": "X",'
        b' "payer_account": "a", "payee_account": "b", "amount": -5, "currency": "THB",'
        b' "rail": "card"}',
        "negative_value",
    ),
    ("telco.sms", b"[1, 2, 3]", "not_object"),
)


@dataclass(frozen=True, slots=True)
class _Sub:
    msisdn: str
    account: str
    country: str
    operator: str
    bank: str


def _subscribers(rng: random.Random, n: int) -> list[_Sub]:
    subs = []
    for i in range(n):
        if i % 3 == 2:
            msisdn = f"+601{rng.randint(2, 9)}{rng.randint(1_000_000, 9_999_999)}"
            subs.append(_Sub(msisdn, f"MY-BANK-A:{i:05d}", "MY", "MY-MAXIS", "MY-BANK-A"))
        else:
            msisdn = f"+668{rng.randint(1, 9)}{rng.randint(1_000_000, 9_999_999)}"
            subs.append(_Sub(msisdn, f"TH-BANK-A:{i:05d}", "TH", "TH-AIS", "TH-BANK-A"))
    return subs


def sample_events(*, seed: int = 7, subscribers: int = 300) -> list[dict[str, Any]]:
    """Contract events (each with a ``"topic"`` field), sorted by event time."""
    rng = random.Random(seed)
    subs = _subscribers(rng, subscribers)
    events: list[tuple[float, dict[str, Any]]] = []
    seq = 0

    def add(topic: str, t: float, **fields: Any) -> None:
        nonlocal seq
        seq += 1
        events.append((t, {"topic": topic, "event_id": f"{topic[:3]}-{seed}-{seq:06d}",
                           "event_time": iso(t), **fields}))  # fmt: skip

    span = HOURS * 3600
    for sub in subs:  # normal behaviour
        for _ in range(rng.randint(3, 12)):
            other = rng.choice(subs)
            answered = rng.random() < 0.8
            add("telco.cdr", START + rng.random() * span, operator=sub.operator,
                caller=sub.msisdn, callee=other.msisdn, answered=answered,
                duration_s=round(rng.lognormvariate(4.0, 1.0), 1) if answered else 0,
                cell_id=f"{sub.operator}-cell-{rng.randint(1, 40)}")  # fmt: skip
        for _ in range(rng.randint(1, 6)):
            other = rng.choice(subs)
            add("telco.sms", START + rng.random() * span, operator=sub.operator,
                sender=sub.msisdn, recipient=other.msisdn, has_url=rng.random() < 0.05)  # fmt: skip
        for _ in range(rng.randint(0, 3)):
            other = rng.choice(subs)
            add("payments.events", START + rng.random() * span, institution=sub.bank,
                payer_account=sub.account, payee_account=other.account,
                amount=round(rng.lognormvariate(6.0, 1.0), 2),
                currency="THB" if sub.country == "TH" else "MYR",
                rail=rng.choice(("bank_transfer", "mobile_money", "ewallet")),
                payer_msisdn=sub.msisdn, payee_msisdn=other.msisdn)  # fmt: skip
    for _ in range(20):  # a bank's OTP sender: many recipients, legitimate
        add("telco.sms", START + rng.random() * span, operator="TH-AIS", sender="THBANK",
            recipient=rng.choice(subs).msisdn, has_url=False, template_hash="otp-v1")  # fmt: skip

    # Wangiri: one foreign number rings 60 Thai numbers once, within ten minutes.
    t0 = START + 0.6 * span
    thai = [s for s in subs if s.country == "TH"]
    for i, victim in enumerate(rng.sample(thai, min(60, len(thai)))):
        add("telco.cdr", t0 + i * 9 + rng.random() * 5, operator="TH-AIS",
            caller=WANGIRI_CALLER, callee=victim.msisdn, answered=False,
            duration_s=0, caller_roaming=False)  # fmt: skip

    # Money mule: eight victims pay one account; it cashes out within minutes.
    t1 = START + 0.3 * span
    for i, victim in enumerate(rng.sample(thai, min(8, len(thai)))):
        add("payments.events", t1 + i * 120, institution=victim.bank,
            payer_account=victim.account, payee_account=MULE_ACCOUNT,
            amount=round(rng.uniform(15_000, 40_000), 2), currency="THB",
            rail="bank_transfer", payer_msisdn=victim.msisdn, payee_country="TH")  # fmt: skip
        add("payments.events", t1 + i * 120 + 200, institution="TH-BANK-B",
            payer_account=MULE_ACCOUNT, payee_account=f"TH-CASH:{i % 2}",
            amount=round(rng.uniform(14_000, 38_000), 2), currency="THB",
            rail="cash_out" if i % 2 else "crypto_onramp", payer_country="TH",
            payee_country="TH")  # fmt: skip
    events.sort(key=lambda pair: pair[0])
    return [ev for _, ev in events]
