"""Telco steps: a call updates its caller's state, a message its sender's.

Each step scores the event with the channel's detectors and models and re-keys what
other states need: the SIM onto its device (``imei``), the URL onto its domain, and
the callee or recipient, as a contacted subscriber, onto ``msisdn``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from earlywarn.contract.events import CallEvent, SmsEvent
from earlywarn.detectors import Detection, brand_imitation
from earlywarn.features import CallerState, SenderState, key_id
from earlywarn.features.victims import CALL, CHAT, SMS
from earlywarn.features.window import remember
from earlywarn.scoring.core import countries as _countries
from earlywarn.scoring.forward import forward
from earlywarn.scoring.watch import CONTACT_TYPOLOGIES, contact_risk, intel_hit

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core


def process_call(
    core: Core,
    ev: CallEvent,
    state: CallerState | None,
    devices: Callable[[], Sequence[int]] | None = None,
) -> tuple[CallerState, list[Detection]]:
    """Update the caller's state with one call and return new detections.

    ``devices`` returns the ``key_id`` of the devices the number has texted from (its
    sender state's, read only for a number's first call with a device): a swapped SIM's
    first call from the fraudster's handset is a device change also for a number that
    had only ever texted (tuning seed 13: one SIM-swap victim missed so).
    """
    state = state if state is not None else CallerState()
    if not state.imeis and ev.caller_imei and devices is not None:
        state.imeis = list(devices())[-state.device_cap :]
    first_contact = key_id(ev.callee) not in state.known
    state.update(ev)
    features = state.features()
    intel = intel_hit(core, ev.caller, ev.event_time)
    jur = _countries(ev.caller_country, ev.callee_country)
    found = core.run(
        ev,
        features,
        own=state,
        entity_id=ev.caller,
        entity_type="msisdn",
        jurisdictions=jur,
        reporter=ev.operator,
        anomaly_features=features,
        extra=(intel,) if intel else (),
    )
    base = {
        "t": ev.event_time,
        "e": ev.event_id,
        "o": ev.operator,
        "j": list(jur),
    }
    if _rings(ev, features):
        route = f"ring:{ev.caller_country}>{ev.callee_country}"
        core.pending.append(forward("ring", route, {**base, "m": ev.caller}))
    if ev.caller_imei:
        core.pending.append(forward("imei", ev.caller_imei, {**base, "m": ev.caller}))
        if state.imei_changed == ev.event_time:
            core.pending.append(
                forward("msisdn", ev.caller, {**base, "k": "device", "i": ev.caller_imei})
            )
    flagged = max((d.score for d in found if d.typology in CONTACT_TYPOLOGIES), default=0.0)
    if flagged:  # newly flagged: tell the people it talked to before
        for c_t, callee in state.talked_to(ev.event_time):
            core.pending.append(
                forward(
                    "msisdn",
                    callee,
                    {**base, "t": c_t, "k": "flag", "p": ev.caller, "x": flagged},
                )
            )
    if first_contact and ev.answered:
        core.pending.append(
            forward(
                "msisdn",
                ev.callee,
                {
                    **base,
                    "k": "contact",
                    "p": ev.caller,
                    "x": contact_risk(core, ev.caller, found, ev.event_time),
                    "v": CALL,
                    "d": ev.duration_s,
                },
            )
        )
    return state, found


#: A number's first chat message (no link) to someone is passed to that subscriber as a
#: possible groomer only while the number texted at most this many people in the hour: a
#: groomer chats with a handful, a bulk sender reaches hundreds.
CHAT_RECIPIENTS_1H = 5.0
#: Calls shorter than this (seconds), or unanswered, are one-ring calls.
RING_S = 5.0
#: A foreign number first seen at most this long ago is new (seconds).
NEW_NUMBER_S = 24 * 3600.0


def _rings(ev: CallEvent, features: dict[str, float]) -> bool:
    """Whether the call is a one-ring call from a new foreign number (Wangiri's shape)."""
    foreign = bool(ev.caller_country and ev.callee_country) and (
        ev.caller_country != ev.callee_country
    )
    short = not ev.answered or ev.duration_s < RING_S
    return foreign and short and features.get("caller_age_s", 0.0) <= NEW_NUMBER_S


def process_sms(
    core: Core, ev: SmsEvent, state: SenderState | None
) -> tuple[SenderState, list[Detection]]:
    """Update the sender's state with one message and return new detections."""
    state = state if state is not None else SenderState()
    # a number's first message to someone, no link: a chat that may be a groomer's opener;
    # and its second, which says the two are talking
    plain, to = not (ev.sender_is_alphanumeric or ev.has_url), key_id(ev.recipient)
    chat = plain and to not in state.known
    again = plain and not chat and to in state.chatted
    state.update(ev)
    features = state.features()
    features["sender_suspect"] = (
        brand_imitation(ev.sender, core.known_brands) if ev.sender_is_alphanumeric else 1.0
    )
    intel = intel_hit(core, ev.sender, ev.event_time)
    jur = _countries(ev.sender_country, ev.recipient_country)
    found = core.run(
        ev,
        features,
        own=state,
        entity_id=ev.sender,
        entity_type="sender_id" if ev.sender_is_alphanumeric else "msisdn",
        jurisdictions=jur,
        reporter=ev.operator,
        anomaly_features=features,
        extra=(intel,) if intel else (),
    )
    base = {
        "t": ev.event_time,
        "e": ev.event_id,
        "o": ev.operator,
        "j": list(jur),
    }
    if ev.url_domain:
        flagged = state.alerted.get("smishing")  # by this or an earlier message
        suspect = any(d.typology == "smishing" for d in found) or (
            flagged is not None and ev.event_time - flagged[0] < 2 * core.dedup_window_s
        )
        core.pending.append(
            forward(
                "domain",
                ev.url_domain,
                {**base, "s": ev.sender, "r": ev.recipient, "x": suspect},
            )
        )
    if ev.has_url:
        core.pending.append(
            forward(
                "msisdn",
                ev.recipient,
                {
                    **base,
                    "k": "contact",
                    "p": ev.sender,
                    "x": contact_risk(core, ev.sender, found, ev.event_time),
                    "v": SMS,
                },
            )
        )
    if (chat or again) and features["distinct_recipients_1h"] <= CHAT_RECIPIENTS_1H:
        body = {**base, "k": "contact", "p": ev.sender, "v": CHAT, **({"n": 2} if again else {})}
        core.pending.append(forward("msisdn", ev.recipient, body))
        if again:
            state.chatted.remove(to)
        else:
            remember(state.chatted, to, state.chatted_cap)
    if ev.sender_imei:
        core.pending.append(forward("imei", ev.sender_imei, {**base, "m": ev.sender}))
    return state, found
