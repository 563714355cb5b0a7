"""Seeded event streams shared by the detector and engine tests."""

from __future__ import annotations

import random

from earlywarn.contract.events import CallEvent, PaymentEvent

T0 = 1_790_000_000.0


def call(
    i: int,
    t: float,
    caller: str,
    callee: str,
    *,
    answered: bool,
    dur: float,
    callee_country: str = "TH",
) -> CallEvent:
    return CallEvent(
        event_id=f"cdr-{caller[-4:]}-{i}",
        event_time=T0 + t,
        operator="TH-AIS",
        caller=caller,
        callee=callee,
        answered=answered,
        duration_s=dur,
        caller_country="TH",
        callee_country=callee_country,
    )


def wangiri_burst(seed: int = 1, n: int = 60, caller: str = "+66900000001") -> list[CallEvent]:
    """``n`` one-ring calls in 8 minutes to distinct numbers abroad, from a new number."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        answered = rng.random() < 0.05
        out.append(
            call(
                i,
                480.0 * i / n,
                caller,
                f"+2327{rng.randrange(10**7):07d}",
                answered=answered,
                dur=rng.uniform(1.0, 3.0) if answered else 0.0,
                callee_country="SL",
            )
        )
    return out


def call_centre(seed: int = 2, n: int = 80, caller: str = "+6621234567") -> list[CallEvent]:
    """A call centre: many distinct callees, mostly answered long calls, some abroad."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        answered = rng.random() < 0.8
        out.append(
            call(
                i,
                1200.0 * i / n,
                caller,
                f"+668{rng.randrange(10**8):08d}",
                answered=answered,
                dur=rng.uniform(60.0, 400.0) if answered else 0.0,
                callee_country="MY" if rng.random() < 0.3 else "TH",
            )
        )
    return out


def normal_caller(seed: int = 3, caller: str = "+66811111111") -> list[CallEvent]:
    """A person: a dozen calls over a few hours to a handful of friends."""
    rng = random.Random(seed)
    friends = [f"+6681{rng.randrange(10**7):07d}" for _ in range(5)]
    return [
        call(
            i,
            900.0 * i + rng.uniform(0, 300),
            caller,
            rng.choice(friends),
            answered=rng.random() < 0.85,
            dur=rng.uniform(20.0, 600.0),
        )
        for i in range(12)
    ]


def pay(i: int, t: float, payer: str, payee: str, amount: float, rail: str) -> PaymentEvent:
    return PaymentEvent(
        event_id=f"pay-{i}",
        event_time=T0 + t,
        institution="TH-BANK",
        payer_account=payer,
        payee_account=payee,
        amount=round(amount, 2),
        currency="THB",
        rail=rail,
        payer_country="TH",
        payee_country="KH" if payee.startswith("X") else "TH",
    )


def mule(seed: int = 4, account: str = "MULE1") -> list[PaymentEvent]:
    """Ten victims pay the mule over an hour; it cashes out within minutes of each credit."""
    rng = random.Random(seed)
    out = []
    for i in range(10):
        t = 360.0 * i
        amount = rng.uniform(2_000, 9_000)
        out.append(pay(i, t, f"VICTIM{i}", account, amount, "mobile_money"))
        rail = "crypto_onramp" if i % 2 else "cash_out"
        out.append(pay(100 + i, t + rng.uniform(60, 300), account, "XCHG", amount * 0.97, rail))
    return out


def payroll(seed: int = 5, account: str = "EMPLOYER") -> list[PaymentEvent]:
    """An employer funded by one transfer pays 40 employees within half an hour."""
    rng = random.Random(seed)
    out = [pay(0, 0.0, "HOLDCO", account, 800_000.0, "bank_transfer")]
    out += [
        pay(i, 60.0 + 40.0 * i, account, f"EMP{i}", rng.uniform(12_000, 30_000), "bank_transfer")
        for i in range(1, 41)
    ]
    return out


def merchant(seed: int = 6, account: str = "SHOP") -> list[PaymentEvent]:
    """A shop: 120 customers pay through the day, the takings are swept once at closing."""
    rng = random.Random(seed)
    out = [
        pay(i, 300.0 * i, f"CUST{i}", account, rng.uniform(50, 1_500), "card") for i in range(120)
    ]
    takings = sum(e.amount for e in out)
    out.append(pay(999, 300.0 * 119 + 120.0, account, "SHOP-BANK", takings, "bank_transfer"))
    return out
