"""The simulator: determinism, contract validity, realism checks, ground truth."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import orjson
import phonenumbers
import pytest
from loadtest_helpers import SMALL, Written, write_scenario

from earlywarn.contract import ContractError, decode, is_e164
from loadtest.clock import parse_ms
from loadtest.countries import COUNTRIES
from loadtest.scenarios import CAMPAIGNS
from loadtest.truth import GroundTruth

TINY = replace(SMALL, subscribers=600, days=0.5, intensity=0.2)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def test_same_seed_same_bytes_other_seed_different(tmp_path: Path) -> None:
    a = write_scenario(TINY, tmp_path / "a")
    b = write_scenario(TINY, tmp_path / "b")
    c = write_scenario(replace(TINY, seed=TINY.seed + 1), tmp_path / "c")
    assert (a.out / "events.jsonl").read_bytes() == (b.out / "events.jsonl").read_bytes()
    assert (a.out / "truth.json").read_bytes() == (b.out / "truth.json").read_bytes()
    assert (a.out / "events.jsonl").read_bytes() != (c.out / "events.jsonl").read_bytes()


def test_every_event_is_contract_valid_and_sorted(small: Written) -> None:
    last, topics = 0, Counter[str]()
    for line in _lines(small.out / "events.jsonl"):
        obj = orjson.loads(line)
        topic = obj["topic"]
        try:
            decode(topic, line)
        except ContractError as err:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{topic} event breaks the contract: {err}")
        t = parse_ms(obj.get("event_time") or obj["reported_time"])
        assert t >= last
        last = t
        topics[topic] += 1
    assert set(topics) == {"telco.cdr", "telco.sms", "payments.events", "earlywarn.labels"}
    assert dict(topics) == small.counts


def test_event_ids_are_unique(small: Written) -> None:
    ids = [orjson.loads(x).get("event_id") for x in _lines(small.out / "events.jsonl")]
    ids = [i for i in ids if i is not None]
    assert len(ids) == len(set(ids))


def test_numbers_are_valid_e164_mobiles(small: Written) -> None:
    numbers = set()
    for line in _lines(small.out / "events.jsonl"):
        obj = orjson.loads(line)
        for key in ("caller", "callee", "recipient", "payer_msisdn", "payee_msisdn", "sender"):
            value = obj.get(key)
            if value is not None and value.startswith("+"):
                numbers.add(value)
    assert len(numbers) > 1000
    for n in numbers:
        assert is_e164(n)
        assert phonenumbers.is_valid_number(phonenumbers.parse(n, None)), n


def test_population_spans_asean_markets(small: Written) -> None:
    assert small.truth.meta["countries"] == ["ID", "MY", "PH", "SG", "TH", "VN"]
    currencies = Counter(
        orjson.loads(x).get("currency") for x in _lines(small.out / "events.jsonl")
    )
    assert {"THB", "MYR", "IDR", "PHP", "VND", "SGD"} <= set(currencies)


def test_every_typology_is_in_ground_truth_with_scammers(small: Written) -> None:
    truth = GroundTruth.load(small.out / "truth.json")
    by_typology = {c.typology: c for c in truth.campaigns}
    assert set(by_typology) == set(CAMPAIGNS)
    for camp in truth.campaigns:
        roles = {e.role for e in camp.entities}
        assert roles & {"scammer", "mule"}, camp.campaign_id
        assert truth.start_ms <= camp.start_ms < truth.end_ms
    assert {e.role for e in by_typology["impersonation"].entities} >= {"scammer", "victim"}
    assert {e.role for e in by_typology["sim_swap"].entities} >= {"victim", "mule"}
    assert {d.kind for d in truth.decoys} == {
        "call_centre",
        "otp_sender",
        "payroll_fanout",
        "family_remittance",
        "crypto_investor",
    }


def test_campaign_entities_appear_in_events(small: Written) -> None:
    text = (small.out / "events.jsonl").read_text()
    for camp in small.truth.campaigns:
        scammers = [e for e in camp.entities if e.role in ("scammer", "mule")]
        assert any(e.entity_id in text for e in scammers), camp.campaign_id


def test_labels_are_delayed_after_campaign_start(small: Written) -> None:
    starts = {}
    for c in small.truth.campaigns:
        for e in c.entities:
            starts.setdefault(e.entity_id, c.start_ms)
    delays = []
    for line in _lines(small.out / "events.jsonl"):
        obj = orjson.loads(line)
        if obj["topic"] == "earlywarn.labels" and obj["label"] != "legit":
            delays.append(parse_ms(obj["reported_time"]) - starts[obj["entity_id"]])
    assert delays
    assert min(delays) >= 2 * 3_600_000


def test_campaigns_start_at_their_first_event(small: Written) -> None:
    # campaign i's events carry event ids "c<i>-..." (its own emitter)
    first: dict[str, int] = {}
    for line in _lines(small.out / "events.jsonl"):
        obj = orjson.loads(line)
        if obj["topic"] != "earlywarn.labels" and obj["event_id"].startswith("c"):
            prefix = obj["event_id"].split("-", 1)[0]
            t = parse_ms(obj["event_time"])
            first[prefix] = min(first.get(prefix, t), t)
    for camp in small.truth.campaigns:
        prefix = f"c{int(camp.campaign_id.split('-', 1)[0][1:])}"
        assert camp.start_ms == first[prefix], camp.campaign_id
        assert parse_ms(camp.params["window_start"]) <= camp.start_ms


def test_crypto_investors_are_decoys_depositing_to_their_exchanges(small: Written) -> None:
    """Ordinary crypto buyers are decoys: the exchanges' deposit accounts and each
    investor's account; every deposit to an exchange comes from one of them."""
    (decoy,) = [d for d in small.truth.decoys if d.kind == "crypto_investor"]
    ids = {e.entity_id for e in decoy.entities}
    exchanges = {i for i in ids if i.split(":")[0].endswith("-XCHG")}
    deposits: Counter[str] = Counter()
    for line in _lines(small.out / "events.jsonl"):
        obj = orjson.loads(line)
        if obj["topic"] == "payments.events" and obj["payee_account"] in exchanges:
            assert obj["rail"] == "crypto_onramp" and obj["payer_account"] in ids
            deposits[obj["payer_account"]] += 1
    assert len(exchanges) == 2 * len(COUNTRIES)
    assert deposits
    assert set(deposits) <= ids - exchanges
