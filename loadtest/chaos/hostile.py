"""Hostile input for the contract: strategies, the invariants they must keep, and a fuzz loop.

The property tests in ``tests/contract/`` and the fuzz run of ``make chaos`` share these
strategies. Every input kind gets valid base events (drawn from the seeded sample), and a
message is made hostile by replacing, dropping or adding a field with a value from a pool
of wrong types, huge and non-finite numbers, negative values, times in year 1 and 9999,
unicode and control characters, deep nesting and oversize padding; or by arbitrary bytes
and arbitrary JSON. The invariants:

* :func:`earlywarn.contract.decode` returns an event or raises ``ContractError`` with a
  reason code, never anything else;
* a rejected message's detail never echoes a value of the message;
* :meth:`earlywarn.pipeline.Pipeline.handle` dead-letters exactly the rejected messages,
  with the same reason, and scores every accepted one (no ``processing_error``), so good
  events of the same entities interleaved with bad ones are all scored.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st

from earlywarn.contract import ContractError, Reason, decode
from earlywarn.contract.events import (
    TOPIC_CDR,
    TOPIC_INTEL,
    TOPIC_LABELS,
    TOPIC_PAYMENTS,
    TOPIC_SMS,
)
from earlywarn.sample import sample_events

TOPICS: tuple[str, ...] = (TOPIC_CDR, TOPIC_SMS, TOPIC_PAYMENTS, TOPIC_LABELS, TOPIC_INTEL)
MIB = 1024 * 1024


def _base_events() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TOPICS}
    for ev in sample_events(seed=3, subscribers=12):
        body = dict(ev)
        out[body.pop("topic")].append(body)
    calls = out[TOPIC_CDR]
    accounts = [e["payer_account"] for e in out[TOPIC_PAYMENTS]]
    for i, call in enumerate(calls[:8]):
        out[TOPIC_LABELS].append(
            {
                "entity_type": "msisdn" if i % 2 else "account",
                "entity_id": call["caller"] if i % 2 else accounts[i % len(accounts)],
                "label": ("scam", "mule", "victim", "legit")[i % 4],
                "typology": "wangiri",
                "source": "TH-ASC",
                "reported_time": "2026-11-24T01:00:00Z",
            }
        )
        out[TOPIC_INTEL].append(
            {
                "indicator_type": "msisdn",
                "indicator": call["caller"],
                "pseudonymised": False,
                "confidence": 0.5 + i / 20,
                "source_country": "MY",
                "typology": "wangiri",
                "expires_time": "2026-12-24T01:00:00Z",
            }
        )
    return out


#: Valid events of each topic (each decodes): the bases that hostile messages mutate.
BASES: dict[str, list[dict[str, Any]]] = _base_events()

_TIMES = (
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-12:00",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59+14:00",
    "2026-11-23T06:00:00",  # no zone
    "2026-02-30T00:00:00Z",
    "2026-11-23T06:00:00+25:00",
    "1970-01-01T00:00:00Z",
    "",
    "now",
)
_NUMBERS: tuple[Any, ...] = (
    0,
    -0.0,
    -1,
    -1e-300,
    5e-324,
    1e308,
    -1e308,
    1.7976931348623157e308,
    2**63 - 1,
    -(2**63),
    2**64 - 1,
    1e15,
    1e15 + 2,
    30 * 86_400,
    30 * 86_400 + 1,
)
_TEXT: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\n\r",
    "\u202e+66812345678",  # right-to-left override
    "\u200b",
    "\ufeff",
    "\U0001f4a9" * 20,
    "Ω" * 65,
    "x" * 257,
    "+66812345678\n",
    "+٦٦٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits
    "+0000000",
    "+999999999999999",
    "+66 81 234 5678",
)
_SCALARS: tuple[Any, ...] = (None, True, False, [], {}, [1, 2], {"a": 1}, *_NUMBERS, *_TEXT)


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = [value] if i % 2 else {"d": value}
    return value


#: Raw byte messages no JSON encoder would write: non-finite literals, lone surrogates,
#: invalid UTF-8, BOMs, nesting past the parser's limit, 1 MiB bodies.
RAW_MESSAGES: tuple[bytes, ...] = (
    b"",
    b"null",
    b"0",
    b'"str"',
    b"[]",
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00",
    b'{"event_id": NaN}',
    b'{"duration_s": Infinity}',
    b'{"amount": -Infinity}',
    b'{"event_id": "\\ud800"}',
    b'{"event_id": "\xed\xa0\x80"}',
    b'{"a": 1, "a": 2}',
    b"[" * 5000 + b"]" * 5000,
    b'{"x": ' + b"[" * 1100 + b"]" * 1100 + b"}",
    b'{"pad": "' + b"x" * MIB + b'"}',
    b" " * MIB + b"{}",
    b'{"n": 1' + b"0" * 400 + b"}",
)


@st.composite
def mutated(draw: st.DrawFn, topic: str) -> bytes:
    """A base event of ``topic`` with one to three fields replaced, dropped or added."""
    base = dict(draw(st.sampled_from(BASES[topic])))
    names = [*sorted(base), "extra_field", "event_time", "event_id"]
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(names))
        action = draw(st.integers(0, 9))
        if action == 0:
            base.pop(name, None)
        elif action == 1:
            base[name] = draw(st.sampled_from(_TIMES))
        elif action == 2:
            base[name] = _deep(draw(st.integers(1, 250)))  # orjson writes up to 254 levels
        elif action == 3:
            base[name] = draw(st.text(max_size=80))
        elif action == 4:
            base[name] = draw(st.floats(allow_nan=False, allow_infinity=False))
        elif action == 5:
            base[name] = draw(st.integers(-(2**63), 2**64 - 1))
        else:
            base[name] = draw(st.sampled_from(_SCALARS))
    raw = orjson.dumps(base)
    if draw(st.integers(0, 19)) == 0:  # oversize: padded past the 64 KiB limit, up to 1 MiB
        pad = draw(st.sampled_from((64 * 1024, 256 * 1024, MIB)))
        raw = raw[:-1] + b', "pad": "' + b"p" * pad + b'"}'
    return raw


def any_json() -> st.SearchStrategy[bytes]:
    """Arbitrary JSON documents (objects most of the time)."""
    leaves = (
        st.none()
        | st.booleans()
        | st.integers(-(2**63), 2**64 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=30)
    )
    docs = st.recursive(
        leaves,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids),
        max_leaves=30,
    )
    return (st.dictionaries(st.text(max_size=12), docs) | docs).map(orjson.dumps)


def hostile(topic: str) -> st.SearchStrategy[bytes]:
    """Every kind of hostile message for ``topic``."""
    return (
        mutated(topic)
        | st.sampled_from(RAW_MESSAGES)
        | st.binary(max_size=300)
        | any_json()
        | st.sampled_from([orjson.dumps(e) for e in BASES[topic]])
    )


def _values(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [v for x in obj.values() for v in _values(x)]
    if isinstance(obj, list):
        return [v for x in obj for v in _values(x)]
    return [obj] if isinstance(obj, str) and len(obj) >= 6 else []


def check_decode(topic: str, raw: bytes) -> str | None:
    """Decode ``raw``; the reason code if rejected, ``None`` if accepted.

    Raises
    ------
    AssertionError
        If decode raised anything but ``ContractError``, or the detail echoes a value.
    """
    try:
        decode(topic, raw)
    except ContractError as err:
        assert isinstance(err.reason, Reason)
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            obj = None
        leaked = [v for v in _values(obj) if v in err.detail]
        assert not leaked, f"detail {err.detail!r} echoes a value"
        return err.reason.value
    return None


@dataclass
class FuzzReport:
    """What a fuzz run tried and found."""

    inputs: int = 0
    accepted: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def fuzz_decode(examples: int, *, seed: int = 0) -> FuzzReport:
    """Run :func:`check_decode` over ``examples`` hostile inputs per topic (hypothesis).

    Raises
    ------
    AssertionError
        On the first input breaking an invariant (hypothesis shrinks it first).
    """
    report = FuzzReport()
    started = time.perf_counter()

    def once(topic: str) -> Callable[[], None]:
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
        )
        @given(raw=hostile(topic))
        def run(raw: bytes) -> None:
            report.inputs += 1
            reason = check_decode(topic, raw)
            if reason is None:
                report.accepted += 1
            else:
                report.rejected_by_reason[reason] = report.rejected_by_reason.get(reason, 0) + 1

        seeded: Callable[[], None] = fixed_seed(rng.getrandbits(64))(run)
        return seeded

    rng = random.Random(seed)
    for topic in TOPICS:
        once(topic)()
    report.seconds = time.perf_counter() - started
    return report
