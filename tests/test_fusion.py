"""Cross-channel fusion, shared intel, labels and artifacts through the transport-free pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from earlywarn.alerts import Pseudonymiser, Router
from earlywarn.contract.alert import iso
from earlywarn.pipeline import Outcome, Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Topics

T = "2026-11-23T06:{:02d}:{:02d}Z"


def _pipe(engine: Engine | None = None) -> Pipeline:
    return Pipeline(
        engine=engine or Engine(anomaly=False),
        router=Router(Topics(), Pseudonymiser({})),
        stores=Stores.in_memory(),
    )


def _run(pipe: Pipeline, topic: str, body: dict[str, Any]) -> list[Outcome]:
    """One message and, like replay, every forward it raises, depth first."""
    out = [pipe.handle(topic, orjson.dumps(body), now=0.0)]
    stack = list(reversed(out[0].forwards))
    while stack:
        f = stack.pop()
        done = pipe.handle_internal(f.kind, f.raw, now=0.0)
        out.append(done)
        stack.extend(reversed(done.forwards))
    return out


def _alerts(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    return [(a.typology, a.entity_id) for o in outcomes for a in o.alerts]


def _call(i: int, caller: str, callee: str, imei: str | None = None, m: int = 0) -> dict[str, Any]:
    return {
        "event_id": f"c{i}",
        "event_time": T.format(m + i // 60, i % 60),
        "operator": "TH-AIS",
        "caller": caller,
        "callee": callee,
        "answered": False,
        "duration_s": 0,
        **({"caller_imei": imei, "cell_id": "C1"} if imei else {}),
    }


def test_sims_sharing_one_device_raise_simbox_on_the_device_and_each_sim() -> None:
    pipe = _pipe()
    found: list[tuple[str, str]] = []
    for i in range(8):
        found += _alerts(
            _run(
                pipe,
                "telco.cdr",
                _call(i, f"+6681234560{i}", f"+6689999000{i}", imei="356741085048204"),
            )
        )
    assert ("simbox", "356741085048204") in found
    sims = {e for t, e in found if t == "simbox" and e.startswith("+66")}
    assert len(sims) >= 4 and len(found) == len(set(found))


SCAMMER, VICTIM = "+23276000001", "+66811111111"


def _flag(
    pipe: Pipeline,
    party: str,
    typology: str = "impersonation",
    *,
    kind: str = "msisdn",
    confidence: float = 0.95,
    country: str = "TH",
    expires: str = "2026-11-24T00:00:00Z",
) -> None:
    """Mark ``party`` as a confirmed scam number (or account) through shared intel."""
    intel = {
        "indicator_type": kind,
        "indicator": party,
        "pseudonymised": False,
        "confidence": confidence,
        "source_country": country,
        "typology": typology,
        "expires_time": expires,
    }
    pipe.handle("earlywarn.intel", orjson.dumps(intel))


def _pay(i: int, payer: str, msisdn: str, minute: int, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"p{i}",
        "event_time": T.format(minute, i % 60),
        "institution": "TH-KBANK",
        "payer_account": payer,
        "payee_account": "TH-KBANK:MULE",
        "amount": 500,
        "currency": "THB",
        "rail": "bank_transfer",
        "payer_msisdn": msisdn,
        **extra,
    }


def _vip(outcomes: list[Outcome]) -> list[str]:
    return [a.entity_id for o in outcomes for a in o.alerts if a.typology == "victim_in_progress"]


def test_payment_after_a_call_from_a_flagged_number_is_a_victim_in_progress() -> None:
    pipe = _pipe()
    _flag(pipe, SCAMMER)
    _run(pipe, "telco.cdr", {**_call(40, SCAMMER, VICTIM), "answered": True, "duration_s": 300})
    outcomes = _run(pipe, "payments.events", _pay(1, "TH-KBANK:1", VICTIM, 20))
    vip = [a for o in outcomes for a in o.alerts if a.typology == "victim_in_progress"]
    assert [a.entity_id for a in vip] == ["TH-KBANK:1"]
    assert vip[0].recommended_action == "hold_payment" and vip[0].model_version
    assert iso(vip[0].event_time) == "2026-11-23T06:20:01.000Z"  # the payment's own time
    # a second transfer to the same payee is no longer to a first-time payee
    assert _vip(_run(pipe, "payments.events", _pay(2, "TH-KBANK:1", VICTIM, 21))) == []


def test_a_payment_after_a_scam_call_to_someone_the_payer_phones_is_no_victim() -> None:
    pipe = _pipe()
    _flag(pipe, SCAMMER)
    friend, stranger = "+66822222201", "+66822222202"
    # the payer phoned a friend earlier: someone they know
    _run(pipe, "telco.cdr", {**_call(10, VICTIM, friend), "answered": True, "duration_s": 90})
    _run(pipe, "telco.cdr", {**_call(40, SCAMMER, VICTIM), "answered": True, "duration_s": 300})
    to_friend = {**_pay(1, "TH-KBANK:1", VICTIM, 20, amount=2000), "payee_msisdn": friend}
    out = _run(pipe, "payments.events", {**to_friend, "payee_account": "TH-KBANK:F1"})
    assert _vip(out) == []
    # a payee whose number they never called, texted or heard from is not: the payer is
    # warned, at the payment's own time
    to_mule = {**_pay(2, "TH-KBANK:1", VICTIM, 25, amount=20000), "payee_msisdn": stranger}
    out = _run(pipe, "payments.events", {**to_mule, "payee_account": "TH-KBANK:M1"})
    vip = [a for o in out for a in o.alerts if a.typology == "victim_in_progress"]
    assert [a.entity_id for a in vip] == ["TH-KBANK:1"]
    assert iso(vip[0].event_time) == "2026-11-23T06:25:02.000Z"
    # the friend's payment was not reported as a suspected victim's: two more like it
    # do not make the friend's account a mule
    for i, payer in enumerate(("+66811111121", "+66811111122")):
        _run(pipe, "telco.cdr", {**_call(11 + i, payer, friend), "answered": True})
        _run(pipe, "telco.cdr", {**_call(41 + i, SCAMMER, payer), "answered": True})
        body = {**_pay(3 + i, f"TH-KBANK:P{i}", payer, 26, amount=2000), "payee_msisdn": friend}
        out = _run(pipe, "payments.events", {**body, "payee_account": "TH-KBANK:F1"})
        assert ("mule", "TH-KBANK:F1") not in _alerts(out) and _vip(out) == []


def test_a_payment_to_a_flagged_mule_by_someone_who_knows_its_number_is_no_victim() -> None:
    """A recruited mule's friends pay its own account too: only strangers are warned."""
    pipe = _pipe()
    mule_no, friend, texter, caller, stranger = (f"+6681111114{i}" for i in range(5))
    _flag(pipe, "TH-KBANK:MULE", "mule", kind="account")
    _run(pipe, "telco.cdr", _call(10, friend, mule_no))  # a call, even unanswered
    sms = {"event_id": "s1", "event_time": T.format(11, 0), "operator": "TH-AIS"}
    _run(pipe, "telco.sms", {**sms, "sender": texter, "recipient": mule_no, "has_url": False})
    _run(pipe, "telco.cdr", {**_call(12, mule_no, caller), "answered": True})  # phoned them
    warned = []
    for i, payer in enumerate((friend, texter, caller, stranger)):
        body = {**_pay(i, f"TH-KBANK:{i}", payer, 20 + i), "payee_msisdn": mule_no}
        out = _run(pipe, "payments.events", body)
        assert not out[0].alerts  # judged at the payer's number, one hop on
        warned += _vip(out)
    assert warned == ["TH-KBANK:3"]
    a = next(a for o in out for a in o.alerts if a.typology == "victim_in_progress")
    assert (a.reasons[0].feature, a.reasons[0].value, a.severity) == ("risk", 0.95, "critical")
    assert iso(a.event_time) == "2026-11-23T06:23:03.000Z"  # the payment's own time
    # without the payee's number there is nothing to check: warned on the payment itself
    out = _run(pipe, "payments.events", _pay(9, "TH-KBANK:9", friend, 30))
    assert _vip(out[:1]) == ["TH-KBANK:9"]
    a = next(a for a in out[0].alerts if a.typology == "victim_in_progress")
    assert a.reasons[0].feature == "risk" and a.reasons[0].value == 0.95


def test_a_call_that_arrives_after_its_payment_still_joins_it() -> None:
    """Symmetric join: the by-msisdn topic may deliver the payment before the call."""
    pipe = _pipe()
    _flag(pipe, SCAMMER)
    assert _vip(_run(pipe, "payments.events", _pay(1, "TH-KBANK:1", VICTIM, 20))) == []
    late = _run(pipe, "telco.cdr", {**_call(40, SCAMMER, VICTIM), "answered": True})
    assert _vip(late) == ["TH-KBANK:1"]
    again = _run(pipe, "telco.cdr", {**_call(41, SCAMMER, VICTIM), "answered": True})
    assert _vip(again) == []  # one alert per account and window


def test_no_victim_alert_for_card_payments_or_after_wangiri_rings() -> None:
    pipe = _pipe()  # Wangiri costs a call back, not a transfer
    scammer = "+23276000002"
    for i in range(30):  # a one-ring burst flags the number as Wangiri
        _run(pipe, "telco.cdr", _call(i, scammer, f"+668100{i:05d}"))
    _run(pipe, "telco.cdr", {**_call(40, scammer, VICTIM), "answered": True})
    assert _vip(_run(pipe, "payments.events", _pay(1, "TH-KBANK:1", VICTIM, 20))) == []
    pipe = _pipe()
    _flag(pipe, SCAMMER)
    _run(pipe, "telco.cdr", {**_call(40, SCAMMER, VICTIM), "answered": True})
    card = _pay(1, "TH-KBANK:1", VICTIM, 20, rail="card")
    assert _vip(_run(pipe, "payments.events", card)) == []


def test_victims_of_a_scam_text_paying_one_account_flag_it_and_each_of_them() -> None:
    pipe = _pipe()
    sender = "+66899000001"
    _flag(pipe, sender, typology="smishing")
    seen: list[list[Outcome]] = []
    for i in range(3):
        victim = f"+6681111110{i}"
        sms = {
            "event_id": f"s{i}",
            "event_time": T.format(10, i),
            "operator": "TH-AIS",
            "sender": sender,
            "recipient": victim,
            "has_url": True,
            "url_domain": "kbank-verify.top",
        }
        _run(pipe, "telco.sms", sms)
        seen.append(_run(pipe, "payments.events", _pay(i, f"TH-KBANK:{i}", victim, 20 + i)))
    # one text is weak evidence: no alert on the first payment alone; the second text
    # victim paying the same new payee flags it and warns both
    assert _vip(seen[0]) == [] and ("mule", "TH-KBANK:MULE") not in _alerts(seen[0])
    assert ("mule", "TH-KBANK:MULE") in _alerts(seen[1])
    assert sorted(_vip(seen[1])) == ["TH-KBANK:0", "TH-KBANK:1"]
    assert _vip(seen[2]) == ["TH-KBANK:2"]  # and the next one pays a flagged mule


def test_an_account_cashing_out_a_scam_call_victims_payment_is_a_mule() -> None:
    pipe = _pipe()
    _flag(pipe, SCAMMER)
    _flag(pipe, "+66899000001", typology="smishing")

    def out(i: int, payer: str, minute: int, amount: float, rail: str) -> list[tuple[str, str]]:
        body = {**_pay(i, payer, "+66822222200", minute, amount=amount), "rail": rail}
        return _alerts(_run(pipe, "payments.events", {**body, "payee_account": "TH-AGENT:1"}))

    # called by a flagged number, the victim pays a new payee: warned at once (contact)
    _run(pipe, "telco.cdr", {**_call(0, SCAMMER, VICTIM), "answered": True, "duration_s": 300})
    paid = _run(pipe, "payments.events", {**_pay(1, "TH-KBANK:V1", VICTIM, 20), "amount": 5000})
    assert _vip(paid) == ["TH-KBANK:V1"]
    assert ("mule", "TH-KBANK:MULE") not in _alerts(paid)  # one victim is no fan-in
    # a card payment spends the money: not a cash-out
    assert ("mule", "TH-KBANK:MULE") not in out(2, "TH-KBANK:MULE", 40, 2000, "card")
    # cash taken out within hours: the payee is a mule
    assert ("mule", "TH-KBANK:MULE") in out(3, "TH-KBANK:MULE", 50, 1500, "cash_out")
    # a scam text reaches thousands: one of them paying a friend who then draws cash is
    # not enough (tuning seed 13: 14 such friends, no mule)
    sms = {
        "event_id": "s1",
        "event_time": T.format(10, 0),
        "operator": "TH-AIS",
        "sender": "+66899000001",
        "recipient": "+66811111100",
        "has_url": True,
        "url_domain": "kbank-verify.top",
    }
    _run(pipe, "telco.sms", sms)
    friend = {**_pay(4, "TH-KBANK:P2", "+66811111100", 20), "payee_account": "TH-KBANK:FRIEND"}
    _run(pipe, "payments.events", {**friend, "amount": 5000})
    assert ("mule", "TH-KBANK:FRIEND") not in out(5, "TH-KBANK:FRIEND", 50, 3000, "cash_out")


def test_shared_intel_matches_until_it_expires() -> None:
    pipe = _pipe()
    _flag(pipe, "+66812345600", confidence=0.9, country="MY", expires="2026-11-23T06:30:00Z")
    hit = _alerts(_run(pipe, "telco.cdr", _call(1, "+66812345600", "+66899990001")))
    assert ("impersonation", "+66812345600") in hit
    late = _alerts(_run(pipe, "telco.cdr", _call(2, "+66812345600", "+66899990002", m=40)))
    assert late == []


def test_labels_train_the_channel_model_from_kept_vectors(tmp_path: Path) -> None:
    engine = Engine(anomaly=False)
    pipe = _pipe(engine)
    _run(pipe, "telco.cdr", _call(1, "+66812345601", "+66899990001"))
    label = {
        "entity_type": "msisdn",
        "entity_id": "+66812345601",
        "label": "scam",
        "typology": "wangiri",
        "source": "TH-ASC",
        "reported_time": "2026-11-25T00:00:00Z",
    }
    pipe.handle("earlywarn.labels", orjson.dumps(label))
    assert engine.label_models["cdr"].counts["wangiri"] == 1
    engine.checkpoint(tmp_path / "v1")
    warm = Engine.from_artifact(tmp_path / "v1", anomaly=False)
    assert warm.label_models["cdr"].counts["wangiri"] == 1
    assert warm.model_version["artifact"] == engine.artifact_version


@pytest.mark.parametrize("first_call_s", [400, 90])
def test_a_caller_flagged_after_its_victim_paid_still_raises_the_victim_alert(
    first_call_s: int,
) -> None:
    """Also when the first call was short: the persuading is in the calls back."""
    pipe = _pipe()
    first = {**_call(40, SCAMMER, VICTIM), "answered": True, "duration_s": first_call_s}
    _run(pipe, "telco.cdr", first)
    assert _vip(_run(pipe, "payments.events", _pay(1, "TH-KBANK:1", VICTIM, 20))) == []
    _flag(pipe, SCAMMER)  # reported by a partner, after the payment
    later = _run(pipe, "telco.cdr", {**_call(50, SCAMMER, "+66822222222", m=30), "answered": True})
    assert ("impersonation", SCAMMER) in _alerts(later)
    vip = [a for o in later for a in o.alerts if a.typology == "victim_in_progress"]
    assert [a.entity_id for a in vip] == ["TH-KBANK:1"]
    assert iso(vip[0].event_time) == "2026-11-23T06:20:01.000Z"  # dated at the payment


def test_a_flagged_caller_tells_only_those_it_talked_to_for_a_minute_or_more() -> None:
    pipe = _pipe()
    for i, secs in enumerate((59, 60)):
        body = {**_call(40 + i, SCAMMER, f"+6681111115{i}"), "answered": True}
        _run(pipe, "telco.cdr", {**body, "duration_s": secs})
        _run(pipe, "payments.events", _pay(i, f"TH-KBANK:{i}", f"+6681111115{i}", 20 + i))
    _flag(pipe, SCAMMER)
    later = _run(pipe, "telco.cdr", {**_call(50, SCAMMER, "+66822222222", m=30), "answered": True})
    assert _vip(later) == ["TH-KBANK:1"]


def test_a_flagged_url_domain_flags_its_slower_bulk_senders_too() -> None:
    pipe = _pipe()
    fast, slow, domain = "+66899000011", "+66899000012", "kbank-verify.top"

    def sms(i: int, sender: str, second: int) -> dict[str, Any]:
        return {
            "event_id": f"s{i}",
            "event_time": T.format(second // 60, second % 60),
            "operator": "TH-AIS",
            "sender": sender,
            "recipient": f"+668111{i:05d}",
            "has_url": True,
            "url_domain": domain,
        }

    found: list[tuple[str, str]] = []
    for i in range(4):  # one message every 2 minutes: under any sender's rate gate
        found += _alerts(_run(pipe, "telco.sms", sms(100 + i, slow, 120 * i)))
    assert found == []
    for i in range(30):  # a blast: 30 recipients in 9 minutes
        found += _alerts(_run(pipe, "telco.sms", sms(i, fast, 480 + 18 * i)))
    assert ("smishing", fast) in found and ("smishing", domain) in found
    assert ("smishing", slow) in found  # through the domain it shares
    alerts = [a for o in _run(pipe, "telco.sms", sms(200, slow, 1100)) for a in o.alerts]
    assert alerts == []  # already alerted in this window


def test_a_flagged_mule_passing_fresh_money_on_flags_the_next_layer_only() -> None:
    pipe = _pipe()
    _flag(pipe, "TH-KBANK:MULE", "mule", kind="account")
    _run(pipe, "payments.events", _pay(1, "TH-KBANK:V1", "+66811111101", 0))  # money in

    def out(i: int, payee: str, minute: int, rail: str = "bank_transfer") -> list[Outcome]:
        body = {**_pay(i, "TH-KBANK:MULE", "+66822222201", minute), "payee_account": payee}
        return _run(pipe, "payments.events", {**body, "rail": rail})

    assert ("mule", "TH-KBANK:L1") in _alerts(out(2, "TH-KBANK:L1", 10))
    assert ("mule", "TH-KBANK:SHOP") not in _alerts(out(3, "TH-KBANK:SHOP", 20, rail="card"))
    # a bill paid from it is not a layer either: a tenth of the money that came in
    bill = {**_pay(7, "TH-KBANK:MULE", "+66822222201", 22), "payee_account": "TH-KBANK:BILLS"}
    assert ("mule", "TH-KBANK:BILLS") not in _alerts(
        _run(pipe, "payments.events", {**bill, "amount": 50})
    )
    late = {**_pay(4, "TH-KBANK:MULE", "+66822222201", 0), "payee_account": "TH-KBANK:L2"}
    late["event_time"] = "2026-11-23T09:00:00Z"  # three hours after the money arrived
    assert ("mule", "TH-KBANK:L2") not in _alerts(_run(pipe, "payments.events", late))
    # whoever pays the layer next is not a victim: victims pay collectors, and a mule
    # also pays shops and billers, whose every customer would otherwise look a victim
    shopper = {**_pay(5, "TH-KBANK:C1", "+66833333301", 15), "payee_account": "TH-KBANK:L1"}
    assert _vip(_run(pipe, "payments.events", shopper)) == []
    # a payer of the flagged collector itself is
    victim = _pay(6, "TH-KBANK:V2", "+66833333302", 16)
    assert _vip(_run(pipe, "payments.events", victim)) == ["TH-KBANK:V2"]


def test_after_a_scam_call_only_an_unusually_large_transfer_is_a_victim_in_progress() -> None:
    pipe = _pipe()
    _flag(pipe, SCAMMER)
    first = {**_pay(1, "TH-KBANK:1", VICTIM, 1), "payee_account": "TH-KBANK:FRIEND", "amount": 400}
    _run(pipe, "payments.events", first)  # an ordinary payment, before the call
    _run(pipe, "telco.cdr", {**_call(40, SCAMMER, VICTIM, m=10), "answered": True})
    usual = {**_pay(2, "TH-KBANK:1", VICTIM, 20), "payee_account": "TH-KBANK:NEW1", "amount": 350}
    assert _vip(_run(pipe, "payments.events", usual)) == []  # most people called are not scammed
    large = {**_pay(3, "TH-KBANK:1", VICTIM, 25), "payee_account": "TH-KBANK:NEW2", "amount": 2000}
    assert _vip(_run(pipe, "payments.events", large)) == ["TH-KBANK:1"]


def test_the_payee_of_a_sim_swapped_account_is_flagged_as_a_mule() -> None:
    pipe = _pipe()
    owner = "+66844444401"
    call = {**_call(1, owner, "+66855555501", imei="356741085048204"), "answered": True}
    _run(pipe, "telco.cdr", call)  # the number's usual device
    first = {**_pay(1, "TH-KBANK:OWN", owner, 2), "payee_account": "TH-KBANK:RENT", "amount": 300}
    _run(pipe, "payments.events", first)
    swapped = {**_call(2, owner, "+66855555501", m=30), "answered": True}
    swapped["caller_imei"], swapped["cell_id"] = "490154203237518", "C9"
    _run(pipe, "telco.cdr", swapped)  # the number moves to a new device
    drain = {**_pay(2, "TH-KBANK:OWN", owner, 40), "payee_account": "TH-KBANK:DROP"}
    found = _alerts(_run(pipe, "payments.events", {**drain, "amount": 3000}))
    assert ("sim_swap", "TH-KBANK:OWN") in found
    assert ("mule", "TH-KBANK:DROP") in found
    # the old payee of the same owner, paid again before the swap, was not flagged
    assert ("mule", "TH-KBANK:RENT") not in found


@pytest.mark.parametrize("device", ["356741085048204", "490154203237518"])
def test_a_sim_swap_is_seen_on_a_number_that_had_only_texted_before(device: str) -> None:
    """Its first call from another device than it texted from is a device change."""
    pipe = _pipe()
    owner = "+66844444402"
    sms: dict[str, Any] = {"event_id": "s1", "event_time": T.format(1, 0), "operator": "TH-AIS"}
    sms |= {"sender": owner, "recipient": "+66855555502", "has_url": False}
    _run(pipe, "telco.sms", {**sms, "sender_imei": "356741085048204"})
    first = {**_pay(1, "TH-KBANK:OWN2", owner, 2), "payee_account": "TH-KBANK:RENT", "amount": 300}
    _run(pipe, "payments.events", first)
    call = {**_call(2, owner, "+66855555502", m=30), "answered": True}
    _run(pipe, "telco.cdr", {**call, "caller_imei": device, "cell_id": "C9"})
    drain = {**_pay(2, "TH-KBANK:OWN2", owner, 40), "payee_account": "TH-KBANK:DROP2"}
    found = _alerts(_run(pipe, "payments.events", {**drain, "amount": 3000}))
    swapped = device != "356741085048204"  # the same handset is no swap
    assert (("sim_swap", "TH-KBANK:OWN2") in found) == swapped


def test_a_shop_paid_by_card_after_a_sim_swap_is_not_flagged_as_a_mule() -> None:
    pipe = _pipe()
    owner = "+66844444402"
    call = {**_call(1, owner, "+66855555502", imei="356741085048204"), "answered": True}
    _run(pipe, "telco.cdr", call)
    swapped = {**_call(2, owner, "+66855555502", m=30), "answered": True}
    swapped["caller_imei"], swapped["cell_id"] = "490154203237518", "C9"
    _run(pipe, "telco.cdr", swapped)
    shop = {**_pay(3, "TH-KBANK:OWN2", owner, 40), "payee_account": "TH-KBANK-M:SHOP"}
    found = _alerts(_run(pipe, "payments.events", {**shop, "rail": "card", "amount": 900}))
    assert ("sim_swap", "TH-KBANK:OWN2") in found  # the account is still at risk
    assert ("mule", "TH-KBANK-M:SHOP") not in found


def test_first_time_payers_of_an_account_flagged_as_a_collector_are_warned_then() -> None:
    pipe = _pipe()
    mule_no = "+66822222208"  # the account holder's number
    sms = {"event_id": "s1", "event_time": T.format(5, 0), "operator": "TH-AIS"}
    _run(
        pipe, "telco.sms", {**sms, "sender": "+66811111201", "recipient": mule_no, "has_url": False}
    )
    _run(pipe, "telco.cdr", _call(6, "+66811111202", mule_no))
    paid: list[tuple[str, str]] = []
    for i in range(6):  # six people pay one account; nothing flags it yet
        body = _pay(i, f"TH-KBANK:V{i}", f"+6681111120{i}", 10 + i, amount=800)
        body |= {"payee_msisdn": mule_no} if i < 3 else {}  # V1 and V2 know that number
        paid += _alerts(
            _run(pipe, "payments.events", {**body, "rail": "card" if i == 5 else "bank_transfer"})
        )
    assert _vip_of(paid) == []
    found: list[tuple[str, str]] = []
    for j in range(3):  # the account sends nearly all of it on within minutes, to cash
        out = {**_pay(20 + j, "TH-KBANK:MULE", "+66822222209", 20 + j), "amount": 1500}
        out = {**out, "payee_account": f"TH-KBANK:ATM{j}", "rail": "cash_out"}
        found += _alerts(_run(pipe, "payments.events", out))
    assert ("mule", "TH-KBANK:MULE") in found
    # those who pushed money to it are warned once each, but not the two who know its
    # holder (they texted or called that number), nor the card payer
    assert sorted(_vip_of(found)) == ["TH-KBANK:V0", "TH-KBANK:V3", "TH-KBANK:V4"]


def test_an_account_passing_fresh_money_on_to_flagged_mules_is_their_collector() -> None:
    pipe = _pipe()
    for layer in ("TH-KBANK:L1", "TH-KBANK:L2"):
        _flag(pipe, layer, "mule", kind="account")

    def pay(i: int, payer: str, payee: str, minute: int, amount: float) -> list[tuple[str, str]]:
        body = {**_pay(i, payer, f"+668111114{i:02d}", minute), "payee_account": payee}
        return _alerts(_run(pipe, "payments.events", {**body, "amount": amount}))

    pay(1, "TH-KBANK:V1", "TH-KBANK:COLL", 10, 900)  # a victim pays the collector
    pay(2, "TH-KBANK:F1", "TH-KBANK:FRIEND", 10, 1000)  # a friend lends someone money
    # one flagged payee paid from fresh money: a victim who borrowed, not yet a collector
    assert ("mule", "TH-KBANK:FRIEND") not in pay(3, "TH-KBANK:FRIEND", "TH-KBANK:L1", 12, 900)
    assert ("mule", "TH-KBANK:COLL") not in pay(4, "TH-KBANK:COLL", "TH-KBANK:X1", 12, 440)
    found = pay(5, "TH-KBANK:COLL", "TH-KBANK:L2", 13, 440)  # split, in part to a mule
    assert ("mule", "TH-KBANK:COLL") in found
    assert ("victim_in_progress", "TH-KBANK:COLL") not in found
    assert _vip_of(found) == ["TH-KBANK:V1"]  # who paid it is warned
    # a victim paying a flagged mule from savings is a victim, as before, even with a
    # little money just in from two people
    assert _vip_of(pay(6, "TH-KBANK:V2", "TH-KBANK:L1", 20, 700)) == ["TH-KBANK:V2"]
    pay(7, "TH-KBANK:F2", "TH-KBANK:V3", 21, 60)
    pay(8, "TH-KBANK:F3", "TH-KBANK:V3", 22, 40)
    found = pay(9, "TH-KBANK:V3", "TH-KBANK:L2", 23, 3000)
    assert ("mule", "TH-KBANK:V3") not in found and _vip_of(found) == ["TH-KBANK:V3"]
    # paying the collector makes a victim, never another collector: no chains of feeders
    pay(10, "TH-KBANK:F4", "TH-KBANK:V4", 24, 500)
    pay(11, "TH-KBANK:F5", "TH-KBANK:V4", 24, 500)
    found = pay(12, "TH-KBANK:V4", "TH-KBANK:COLL", 25, 900)
    assert ("mule", "TH-KBANK:V4") not in found and _vip_of(found) == ["TH-KBANK:V4"]


def test_earlier_payers_are_warned_only_if_the_collector_sent_their_money_on() -> None:
    pipe = _pipe()
    for layer in ("TH-KBANK:L1", "TH-KBANK:L2"):
        _flag(pipe, layer, "mule", kind="account")

    def pay(
        i: int, payer: str, payee: str, at: str, amount: float, rail: str = "bank_transfer"
    ) -> list[tuple[str, str]]:
        body = {**_pay(i, payer, f"+668111115{i:02d}", 0), "payee_account": payee}
        body = {**body, "amount": amount, "rail": rail, "event_time": f"2026-11-23T{at}:00Z"}
        return _alerts(_run(pipe, "payments.events", body))

    pay(1, "TH-KBANK:FRIEND", "TH-KBANK:COLL", "00:30", 300)  # kept: nothing leaves in 2 h
    pay(2, "TH-KBANK:V1", "TH-KBANK:COLL", "03:00", 900)
    pay(3, "TH-KBANK:COLL", "TH-KBANK:ATM", "03:10", 850, rail="cash_out")  # V1's money
    pay(4, "TH-KBANK:V2", "TH-KBANK:COLL", "09:00", 1000)
    # sent on to a flagged mule, from three payers: the collector is found
    found = pay(5, "TH-KBANK:COLL", "TH-KBANK:L1", "09:05", 500)
    assert ("mule", "TH-KBANK:COLL") in found
    assert sorted(_vip_of(found)) == ["TH-KBANK:V1", "TH-KBANK:V2"]  # not the friend


def test_a_stranger_paying_an_account_that_split_a_first_payers_money_is_held() -> None:
    pipe = _pipe()
    holder = "+66822222210"  # the number of the passing account's holder

    def pay(i: int, payer: str, payee: str, at: str, amount: float, **extra: Any) -> list[Any]:
        body = {**_pay(i, payer, f"+668111117{i:02d}", 0), "payee_account": payee}
        body |= {"amount": amount, "event_time": f"2026-11-23T{at}:00Z", **extra}
        return [a for o in _run(pipe, "payments.events", body) for a in o.alerts]

    # one payer's money, nearly all of it split among new payees within minutes: no alert
    assert pay(1, "TH-KBANK:V1", "TH-KBANK:COLL", "01:00", 1000) == []
    assert pay(2, "TH-KBANK:COLL", "TH-KBANK:L1", "01:08", 480) == []
    assert pay(3, "TH-KBANK:COLL", "TH-KBANK:L2", "01:11", 470) == []
    # hours later a stranger's first payment to it is held, with the reason
    held = pay(4, "TH-KBANK:V2", "TH-KBANK:COLL", "05:00", 800, payee_msisdn=holder)
    assert [(a.typology, a.entity_id) for a in held] == [("victim_in_progress", "TH-KBANK:V2")]
    assert held[0].recommended_action == "hold_payment"
    assert "payee_passed_on" in [e.feature for e in held[0].reasons]
    # someone who has texted the holder knows whom they pay
    sms = {"event_id": "s9", "event_time": "2026-11-23T04:00:00Z", "operator": "TH-AIS"}
    _run(
        pipe, "telco.sms", {**sms, "sender": "+66811111705", "recipient": holder, "has_url": False}
    )
    assert pay(5, "TH-KBANK:F5", "TH-KBANK:COLL", "05:10", 800, payee_msisdn=holder) == []
    # an account that passed on a third of it, or all of it to one payee, is not watched
    pay(6, "TH-KBANK:P6", "TH-KBANK:SOME", "01:00", 1000)
    pay(7, "TH-KBANK:SOME", "TH-KBANK:S1", "01:05", 200)
    pay(8, "TH-KBANK:SOME", "TH-KBANK:S2", "01:06", 100)
    pay(9, "TH-KBANK:P9", "TH-KBANK:ONE", "01:00", 1000)
    pay(10, "TH-KBANK:ONE", "TH-KBANK:O1", "01:05", 950)
    assert pay(11, "TH-KBANK:V11", "TH-KBANK:SOME", "05:00", 800) == []
    assert pay(12, "TH-KBANK:V12", "TH-KBANK:ONE", "05:00", 800) == []


def test_an_account_paid_by_two_flagged_mules_is_where_their_money_ends() -> None:
    pipe = _pipe()
    for layer in ("TH-KBANK:L1", "TH-KBANK:L2"):
        _flag(pipe, layer, "mule", kind="account")

    def pay(i: int, payer: str, payee: str, rail: str) -> list[tuple[str, str]]:
        body = {**_pay(i, payer, f"+668111116{i:02d}", 10 + i), "payee_account": payee}
        return _alerts(_run(pipe, "payments.events", {**body, "rail": rail}))

    assert ("mule", "TH-KBANK:EXIT") not in pay(1, "TH-KBANK:L1", "TH-KBANK:EXIT", "crypto_onramp")
    assert ("mule", "TH-KBANK:EXIT") in pay(2, "TH-KBANK:L2", "TH-KBANK:EXIT", "bank_transfer")
    # a cash agent serves everyone, mules too
    pay(3, "TH-KBANK:L1", "TH-KBANK:AGENT", "cash_out")
    assert ("mule", "TH-KBANK:AGENT") not in pay(4, "TH-KBANK:L2", "TH-KBANK:AGENT", "cash_out")
    # someone paid by one flagged mule and by ordinary people is not
    pay(5, "TH-KBANK:L1", "TH-KBANK:FRIEND", "bank_transfer")
    assert ("mule", "TH-KBANK:FRIEND") not in pay(6, "TH-KBANK:P1", "TH-KBANK:FRIEND", "ewallet")


def _vip_of(alerts: list[tuple[str, str]]) -> list[str]:
    return [e for t, e in alerts if t == "victim_in_progress"]


def _groomed(pipe: Pipeline, groomer: str, friend: str, victims: list[tuple[str, str]]) -> None:
    """Long first calls from ``groomer`` to each victim, then a text (grooming goes on);
    and from ``friend`` a long call and a text to the first (a long talk alone names
    nobody)."""
    for i, (_acct, msisdn) in enumerate(victims):
        talk = {**_call(i, groomer, msisdn), "answered": True, "duration_s": 900}
        _run(pipe, "telco.cdr", talk)
        _text(pipe, 20 + i, groomer, msisdn)
    chat = {**_call(5, friend, victims[0][1]), "answered": True, "duration_s": 600}
    _run(pipe, "telco.cdr", chat)
    _text(pipe, 30, friend, victims[0][1])


def _text(pipe: Pipeline, i: int, sender: str, to: str, minute: int = 2) -> None:
    """A message without a link from the number ``sender``."""
    body = {"event_id": f"x{i}", "event_time": T.format(minute, i % 60), "sender": sender}
    _run(pipe, "telco.sms", {**body, "operator": "TH-AIS", "recipient": to, "has_url": False})


def test_the_number_that_groomed_two_escalating_crypto_depositors_is_flagged() -> None:
    pipe = _pipe()
    groomer, friend = "+85512000001", "+66833333301"
    victims = [("TH-KBANK:PV1", "+66811111131"), ("TH-KBANK:PV2", "+66811111132")]
    _groomed(pipe, groomer, friend, victims)
    found: list[tuple[str, str]] = []
    for v, (acct, msisdn) in enumerate(victims):
        for step, amount in enumerate((100, 220, 480, 1000)):
            body = _pay(10 * v + step, acct, msisdn, 10 + 10 * v + step, amount=amount)
            body = {**body, "payee_account": "TH-XCHG:DEPOSIT", "rail": "crypto_onramp"}
            found += _alerts(_run(pipe, "payments.events", body))
        groomed = [e for t, e in found if t == "pig_butchering" and e.startswith("+")]
        # one escalating victim is not enough; the second names the groomer, once
        assert groomed == ([] if v == 0 else [groomer])
    assert ("pig_butchering", "TH-XCHG:DEPOSIT") in found
    assert ("pig_butchering", friend) not in found


def test_the_groomer_is_named_from_its_victims_first_deposits_to_new_on_ramps() -> None:
    """A campaign that starts late is over before its victims escalate three times.

    Its third victim's first deposit names it; that victim and the two before are warned
    at once, and each one after at their first deposit (two called are not enough:
    friends call crypto buyers too)."""
    pipe = _pipe()
    groomer, friend = "+85512000002", "+66833333302"
    victims = [(f"TH-KBANK:PV{3 + i}", f"+6681111113{3 + i}") for i in range(4)]
    _groomed(pipe, groomer, friend, victims)
    found: list[list[tuple[str, str]]] = []
    for v, (acct, msisdn) in enumerate(victims):  # hours after the calls
        body = _pay(40 + v, acct, msisdn, 20 + v, amount=150)
        body |= {"event_time": f"2026-11-23T12:0{v}:00Z", "payee_account": f"TH-XCHG:D{v}"}
        found.append(_alerts(_run(pipe, "payments.events", {**body, "rail": "crypto_onramp"})))
    assert [[e for t, e in f if t == "pig_butchering"] for f in found] == [[], [], [groomer], []]
    named = {"TH-KBANK:PV3", "TH-KBANK:PV4", "TH-KBANK:PV5"}  # the earlier two too
    assert [set(_vip_of(f)) for f in found] == [set(), set(), named, {"TH-KBANK:PV6"}]
    # a first deposit after long calls from a number never flagged is no one's victim
    talk = {**_call(9, "+66833333303", "+66811111139"), "answered": True, "duration_s": 900}
    _run(pipe, "telco.cdr", talk)
    body = {**_pay(49, "TH-KBANK:PF", "+66811111139", 29), "rail": "crypto_onramp"}
    body["event_time"] = "2026-11-23T12:09:00Z"
    assert _vip_of(_alerts(_run(pipe, "payments.events", body))) == []


def test_a_number_that_started_chatting_with_three_crypto_depositors_is_their_groomer() -> None:
    """The "wrong number" opener: a groomer that texts and never calls is named too, by
    a third depositor (a first text is weaker than a long first call), once it kept
    texting each; not a number that texted each once, nor by messages with a link, nor
    as a sender texting many people in the hour."""
    pipe = _pipe()
    groomer, spammer, bulk = "+85512000004", "+66833333304", "+66833333305"
    once = "+66833333309"
    victims = [(f"TH-KBANK:PT{i}", f"+6681111114{i}") for i in range(3)]

    def sms(i: int, sender: str, to: str, minute: int, **extra: Any) -> None:
        body = {"event_id": f"t{i}", "event_time": T.format(minute, i % 60), "sender": sender}
        body |= {"operator": "TH-AIS", "recipient": to, "has_url": False, **extra}
        _run(pipe, "telco.sms", body)

    for i, (_acct, msisdn) in enumerate(victims):
        sms(i, groomer, msisdn, 1)
        sms(5 + i, groomer, msisdn, 9)
        sms(10 + i, spammer, msisdn, 2, has_url=True, url_domain="promo.example")
        sms(15 + i, spammer, msisdn, 4, has_url=True, url_domain="promo.example")
        sms(40 + i, once, msisdn, 5)
    # a number texting eight people in the hour, the three depositors last, twice
    for i, to in enumerate([f"+668222222{i:02d}" for i in range(5)] + [m for _, m in victims]):
        sms(20 + i, bulk, to, 3 + i)
        sms(30 + i, bulk, to, 12 + i)
    found: list[list[tuple[str, str]]] = []
    for v, (acct, msisdn) in enumerate(victims):  # hours later, first deposits
        body = _pay(60 + v, acct, msisdn, 20 + v, amount=150)
        body |= {"event_time": f"2026-11-23T12:0{v}:00Z", "payee_account": f"TH-XCHG:E{v}"}
        found.append(_alerts(_run(pipe, "payments.events", {**body, "rail": "crypto_onramp"})))
    named = [[e for t, e in f if t == "pig_butchering"] for f in found]
    assert named == [[], [], [groomer]]  # by the third depositor; not the others
    assert [set(_vip_of(f)) for f in found] == [set(), set(), {f"TH-KBANK:PT{i}" for i in range(3)}]


def test_a_number_that_texted_two_depositors_whose_deposits_grow_is_their_groomer() -> None:
    """Two texting ties are enough when both depositors then pay more each time, as the
    fleeced do; not when one of them pays the same again."""
    pipe = _pipe()
    groomer, neighbour = "+85512000006", "+66833333306"
    victims = [(f"TH-KBANK:PG{i}", f"+6681111117{i}") for i in range(3)]

    def sms(i: int, sender: str, to: str) -> None:
        body = {"event_id": f"g{i}", "event_time": T.format(1, i), "sender": sender}
        _run(pipe, "telco.sms", {**body, "operator": "TH-AIS", "recipient": to, "has_url": False})

    for k in (0, 4):  # each texted twice
        sms(k, groomer, victims[0][1])
        sms(k + 1, groomer, victims[1][1])
        sms(k + 2, neighbour, victims[0][1])  # texted a growing depositor and a flat one
        sms(k + 3, neighbour, victims[2][1])

    def deposit(i: int, v: int, amount: int, hour: int) -> list[tuple[str, str]]:
        acct, msisdn = victims[v]
        body = _pay(70 + i, acct, msisdn, 0, amount=amount, rail="crypto_onramp")
        body |= {"event_time": f"2026-11-23T{hour:02d}:00:0{i}Z", "payee_account": "TH-XCHG:F"}
        return _alerts(_run(pipe, "payments.events", body))

    found = [deposit(0, 0, 200, 8), deposit(1, 2, 300, 8), deposit(2, 1, 150, 9)]
    found += [deposit(3, 2, 300, 10), deposit(4, 0, 340, 20), deposit(5, 1, 300, 22)]
    named = [[e for t, e in f if t == "pig_butchering" and e.startswith("+")] for f in found]
    # the second depositor's growing deposit names the groomer, and warns both depositors
    assert named == [[], [], [], [], [], [groomer]]
    assert set(_vip_of(found[5])) == {"TH-KBANK:PG0", "TH-KBANK:PG1"}


def test_a_friend_who_first_texts_crypto_buyers_after_they_began_is_no_groomer() -> None:
    """A groomer's first contact comes before its victims' deposits start; a number
    that first texts two people already buying crypto is not theirs, however their
    deposits then grow."""
    pipe = _pipe()
    friend = "+66833333308"
    buyers = [(f"TH-KBANK:PB{i}", f"+6681111121{i}") for i in range(2)]

    def deposit(i: int, v: int, amount: int, hour: int) -> list[tuple[str, str]]:
        acct, msisdn = buyers[v]
        body = _pay(110 + i, acct, msisdn, 0, amount=amount, rail="crypto_onramp")
        body |= {"event_time": f"2026-11-23T{hour:02d}:00:0{i}Z", "payee_account": "X:EX3"}
        return _alerts(_run(pipe, "payments.events", body))

    found = deposit(0, 0, 100, 7) + deposit(1, 1, 100, 7)
    for i, (_acct, msisdn) in enumerate(buyers):  # first texts, an hour later
        body = {"event_id": f"h{i}", "event_time": f"2026-11-23T08:00:0{i}Z"}
        body |= {"sender": friend, "operator": "TH-AIS", "recipient": msisdn}
        _run(pipe, "telco.sms", {**body, "has_url": False})
    found += deposit(2, 0, 200, 9) + deposit(3, 1, 250, 10)
    assert ("pig_butchering", friend) not in found


def test_victims_warned_at_their_deposits_flag_the_account_they_paid_afterwards() -> None:
    """A groomer's victims are warned when their deposits name it; the account had
    counted those deposits as ordinary ones, and learns of the warnings after. An
    exchange most of whose payers were never warned is not flagged."""
    pipe = _pipe()
    groomer, friend = "+85512000007", "+66833333307"
    victims = [(f"TH-KBANK:PW{i}", f"+6681111118{i}") for i in range(3)]
    _groomed(pipe, groomer, friend, victims)

    def deposit(i: int, v: int, amount: int, hour: int, to: str) -> list[tuple[str, str]]:
        acct, msisdn = victims[v]
        body = _pay(80 + i, acct, msisdn, 0, amount=amount, rail="crypto_onramp")
        body |= {"event_time": f"2026-11-23T{hour:02d}:00:0{i}Z", "payee_account": to}
        return _alerts(_run(pipe, "payments.events", body))

    for i in range(4):  # ordinary buyers at an exchange
        body = _pay(90 + i, f"TH-KBANK:B{i}", f"+6681111119{i}", 50, rail="crypto_onramp")
        _run(pipe, "payments.events", {**body, "payee_account": "X:BIG"})
    first = [deposit(v, v, 100, 8 + v, "X:PIGF") for v in range(3)]
    assert ("pig_butchering", "X:PIGF") not in first[0] + first[1]
    # the third names the groomer: its three victims are warned at their deposits, and
    # the account they paid learns of it
    assert ("pig_butchering", groomer) in first[2]
    assert set(_vip_of(first[2])) == {f"TH-KBANK:PW{i}" for i in range(3)}
    assert ("pig_butchering", "X:PIGF") in first[2]
    later = deposit(4, 0, 200, 13, "X:BIG") + deposit(5, 1, 160, 13, "X:BIG")
    assert set(_vip_of(later)) == {"TH-KBANK:PW0", "TH-KBANK:PW1"}
    assert ("pig_butchering", "X:BIG") not in later  # 2 of its 6 payers


def test_one_buyers_growing_deposits_warn_the_buyer_not_the_exchange() -> None:
    """Ordinary people's deposits grow by chance: one buyer paying more three times in a
    row is warned, but the exchange it pays, and whoever pays it next, are not."""
    pipe = _pipe()

    def deposit(i: int, payer: str, amount: int) -> list[tuple[str, str]]:
        body = _pay(100 + i, payer, f"+668111120{i:02d}", 10 + i, amount=amount)
        body = {**body, "payee_account": "X:EXCHANGE2", "rail": "crypto_onramp"}
        return _alerts(_run(pipe, "payments.events", body))

    for i in range(3):
        deposit(i, f"TH-KBANK:BUY{i}", 300)
    found = [deposit(3 + k, "TH-KBANK:BUYER", amount) for k, amount in enumerate((100, 200, 400))]
    assert [_vip_of(f) for f in found] == [[], [], ["TH-KBANK:BUYER"]]
    assert ("pig_butchering", "X:EXCHANGE2") not in [a for f in found for a in f]
    assert _vip_of(deposit(9, "TH-KBANK:BUY9", 300)) == []


def test_a_crypto_account_that_two_warned_victims_pay_into_is_a_pig_butchering_account() -> None:
    pipe = _pipe()
    _flag(pipe, SCAMMER)
    victims = [("TH-KBANK:DV1", "+66811111141"), ("TH-KBANK:DV2", "+66811111142")]
    found: list[list[tuple[str, str]]] = []
    for v, (acct, msisdn) in enumerate(victims):
        _run(pipe, "telco.cdr", {**_call(v, SCAMMER, msisdn), "answered": True, "duration_s": 300})
        warned = _alerts(_run(pipe, "payments.events", _pay(10 + v, acct, msisdn, 5 + v)))
        assert ("victim_in_progress", acct) in warned
        deposit = {**_pay(20 + v, acct, msisdn, 30 + v), "rail": "crypto_onramp"}
        found.append(_alerts(_run(pipe, "payments.events", {**deposit, "payee_account": "X:PIG"})))
    # the second warned victim's deposit flags the account, once
    assert [("pig_butchering", "X:PIG") in f for f in found] == [False, True]
    # an exchange account most of whose depositors were never warned is not flagged
    for i in range(3):
        body = _pay(40 + i, f"TH-KBANK:C{i}", f"+6681111115{i}", 40, rail="crypto_onramp")
        _run(pipe, "payments.events", {**body, "payee_account": "X:EXCHANGE"})
    for v, (acct, msisdn) in enumerate(victims):
        deposit = {**_pay(50 + v, acct, msisdn, 45 + v), "rail": "crypto_onramp"}
        out = _alerts(_run(pipe, "payments.events", {**deposit, "payee_account": "X:EXCHANGE"}))
        assert ("pig_butchering", "X:EXCHANGE") not in out
    # nor one paid by a mule flagged through shared intel and a warned victim
    _flag(pipe, "TH-KBANK:M1", "mule", kind="account")
    mule_pay = {**_pay(60, "TH-KBANK:M1", "+66811111160", 50), "rail": "crypto_onramp"}
    _run(pipe, "payments.events", {**mule_pay, "payee_account": "X:OTHER"})
    deposit = {**_pay(61, victims[0][0], victims[0][1], 51), "rail": "crypto_onramp"}
    out = _alerts(_run(pipe, "payments.events", {**deposit, "payee_account": "X:OTHER"}))
    assert ("pig_butchering", "X:OTHER") not in out


def test_one_ring_calls_from_rotating_foreign_numbers_flag_the_numbers_on_the_route() -> None:
    pipe = _pipe()
    numbers = [f"+2162000000{n}" for n in range(6)]
    found: list[tuple[str, str]] = []
    for i in range(18):  # 18 one-ring calls in 6 minutes, each number ringing only 3
        found += _alerts(
            _run(pipe, "telco.cdr", _call(20 * i, numbers[i % 6], f"+668111112{i:02d}"))
        )
    flagged = sorted({e for t, e in found if t == "wangiri"})
    assert flagged == numbers  # no number alone reaches WangiriDetector's burst gate
    # the same volume of answered conversations from abroad is no Wangiri
    talks: list[tuple[str, str]] = []
    for i in range(18):
        body = {**_call(20 * i, f"+3736900000{i % 6}", f"+668111113{i:02d}", m=30)}
        talks += _alerts(_run(pipe, "telco.cdr", {**body, "answered": True, "duration_s": 240}))
    assert [t for t, _ in talks if t == "wangiri"] == []


def test_a_short_call_then_a_first_text_are_two_contacts_of_a_groomer() -> None:
    """A groomer's contacts mix calls and texts: a brief answered call and a first text
    to each of three depositors name it; a brief call alone, or a text alone, is no tie.
    Someone it texted only once is not counted, but is warned once it is named."""
    pipe = _pipe()
    groomer, caller, texter = "+85512000009", "+66833333310", "+66833333311"
    victims = [(f"TH-KBANK:PS{i}", f"+6681111122{i}") for i in range(4)]
    for i, (_acct, msisdn) in enumerate(victims[1:], start=1):
        for k, number in enumerate((groomer, caller)):
            brief = {**_call(10 * k + i, number, msisdn), "answered": True, "duration_s": 60}
            _run(pipe, "telco.cdr", brief)
        _text(pipe, 40 + i, groomer, msisdn, minute=5)
        _text(pipe, 50 + i, texter, msisdn, minute=6)
    _text(pipe, 40, groomer, victims[0][1], minute=5)  # once only
    found: list[list[tuple[str, str]]] = []
    for v, (acct, msisdn) in enumerate(victims):
        body = _pay(130 + v, acct, msisdn, 0, amount=150, rail="crypto_onramp")
        body |= {"event_time": f"2026-11-23T12:0{v}:00Z", "payee_account": f"TH-XCHG:S{v}"}
        found.append(_alerts(_run(pipe, "payments.events", body)))
    named = [[e for t, e in f if t == "pig_butchering" and e.startswith("+")] for f in found]
    assert named == [[], [], [], [groomer]]  # by the third it kept in touch with
    assert set(_vip_of(found[3])) == {f"TH-KBANK:PS{i}" for i in range(4)}
