"""The transport-free detection core: events in, deduplicated detections out.

:class:`Engine` holds no per-entity state of its own: the stream layer passes in each
entity's state (kept in changelog tables) and stores the one handed back. The engine
owns the stateless typology detectors and one online anomaly model per channel, so the
same events in the same order always give the same detections.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from earlywarn.contract.alert import severity_rank
from earlywarn.contract.events import CallEvent, PaymentEvent, SmsEvent
from earlywarn.detectors import Detection, Detector, Finding, default_detectors
from earlywarn.features import (
    CallerState,
    CreditState,
    DebitState,
    EntityState,
    SenderState,
    account_features,
)
from earlywarn.learning import CHANNELS, ChannelAnomaly

#: At most this many event ids support one detection.
MAX_EVIDENCE = 20


def _countries(*countries: str | None) -> tuple[str, ...]:
    return tuple(sorted({c for c in countries if c}))


class Engine:
    """Feature updates, typology detectors, anomaly models and alert dedup, per event.

    Parameters
    ----------
    detectors
        Typology detectors; each runs on the events of its ``channel``. Defaults to
        :func:`earlywarn.detectors.default_detectors`.
    anomaly
        Whether to run one :class:`~earlywarn.learning.ChannelAnomaly` per channel.
    seed
        Seed of the anomaly models.
    dedup_window_s
        An entity gets at most one detection per typology in each window of event time
        of this length, unless the severity rises.

    Examples
    --------
    >>> engine = Engine(anomaly=False)
    >>> state = None
    >>> for i in range(40):
    ...     ev = CallEvent(f"e{i}", 1_790_000_000.0 + 10 * i, "TH-AIS", "+66900000001",
    ...                    f"+2327600{i:04d}", answered=False, duration_s=0.0,
    ...                    caller_country="TH", callee_country="SL")
    ...     state, found = engine.process_call(ev, state)
    ...     if found:
    ...         print(i, found[0].typology, found[0].severity, found[0].jurisdictions)
    14 wangiri medium ('SL', 'TH')
    16 wangiri high ('SL', 'TH')
    17 wangiri critical ('SL', 'TH')
    """

    def __init__(
        self,
        *,
        detectors: Sequence[Detector] | None = None,
        anomaly: bool = True,
        seed: int = 7,
        dedup_window_s: float = 3600.0,
    ) -> None:
        self.detectors: tuple[Detector, ...] = tuple(
            default_detectors() if detectors is None else detectors
        )
        self.dedup_window_s = float(dedup_window_s)
        self.anomaly_models: dict[str, ChannelAnomaly] = (
            {ch: ChannelAnomaly(ch, seed=seed) for ch in CHANNELS} if anomaly else {}
        )
        self.model_version: dict[str, str] = {d.name: d.version for d in self.detectors}
        self.model_version.update({m.name: m.version for m in self.anomaly_models.values()})

    def __repr__(self) -> str:
        return f"Engine(model_version={self.model_version})"

    def _channel(self, channel: str) -> list[Detector]:
        return [d for d in self.detectors if d.channel == channel]

    def window_start(self, event_time: float) -> float:
        """Start of the dedup window ``event_time`` falls in."""
        return math.floor(event_time / self.dedup_window_s) * self.dedup_window_s

    def _claim(
        self,
        own: EntityState,
        typology: str,
        event_time: float,
        severity: str,
        others: Sequence[EntityState] = (),
    ) -> float | None:
        """Record an alert in ``own.alerted``; ``None`` if one already covers it."""
        ws = self.window_start(event_time)
        rank = severity_rank(severity)
        for state in (own, *others):
            prev = state.alerted.get(typology)
            if prev is not None and (prev[0] > ws or (prev[0] == ws and prev[1] >= rank)):
                return None
        own.alerted[typology] = (ws, rank)
        return ws

    def _detection(
        self,
        *,
        name: str,
        typology: str,
        entity_type: str,
        entity_id: str,
        finding: Finding,
        severity: str,
        ttl_s: float,
        event: CallEvent | SmsEvent | PaymentEvent,
        window_start: float,
        evidence: Sequence[str],
        jurisdictions: tuple[str, ...],
        reporter: str,
    ) -> Detection:
        return Detection(
            detector=name,
            typology=typology,
            entity_type=entity_type,
            entity_id=entity_id,
            score=finding.score,
            severity=severity,
            reasons=finding.reasons,
            recommended_action=finding.recommended_action,
            event_id=event.event_id,
            event_time=event.event_time,
            evidence_event_ids=tuple(evidence)[-MAX_EVIDENCE:],
            window_start=window_start,
            ttl_s=ttl_s,
            jurisdictions=jurisdictions,
            reporter=reporter,
            channel=event.channel,
            model_version=self.model_version,
        )

    def _run(
        self,
        event: CallEvent | SmsEvent | PaymentEvent,
        features: Mapping[str, float],
        *,
        own: EntityState,
        others: Sequence[EntityState] = (),
        entity_id: str,
        entity_type: str,
        jurisdictions: tuple[str, ...],
        reporter: str,
        anomaly_features: Mapping[str, float] | None = None,
    ) -> list[Detection]:
        """Detectors of the event's channel, then its anomaly model, with dedup."""
        evidence = [i for s in (*others, own) for i in s.evidence_ids()]
        out: list[Detection] = []
        found: list[tuple[str, str, str, Finding, str, float]] = []
        for d in self._channel(event.channel):
            f = d.score_one(features)
            if f is not None and f.score >= d.threshold:
                found.append((d.name, d.typology, d.entity_type, f, d.severity(f.score), d.ttl_s))
        model = self.anomaly_models.get(event.channel)
        if model is not None and anomaly_features is not None:
            raw = model.score_one(anomaly_features)
            f = model.find_one(anomaly_features, raw)
            model.learn_one(anomaly_features, raw)
            if f is not None:
                found.append(
                    (model.name, model.typology, "", f, model.severity(f.score), model.ttl_s)
                )
        for name, typology, etype, f, severity, ttl in found:
            ws = self._claim(own, typology, event.event_time, severity, others)
            if ws is None:
                continue
            out.append(
                self._detection(
                    name=name,
                    typology=typology,
                    entity_type=etype or entity_type,
                    entity_id=entity_id,
                    finding=f,
                    severity=severity,
                    ttl_s=ttl,
                    event=event,
                    window_start=ws,
                    evidence=evidence,
                    jurisdictions=jurisdictions,
                    reporter=reporter,
                )
            )
        return out

    def process_call(
        self, ev: CallEvent, state: CallerState | None
    ) -> tuple[CallerState, list[Detection]]:
        """Update the caller's state with one call and return new detections."""
        state = state if state is not None else CallerState()
        state.update(ev)
        features = state.features()
        found = self._run(
            ev,
            features,
            own=state,
            entity_id=ev.caller,
            entity_type="msisdn",
            jurisdictions=_countries(ev.caller_country, ev.callee_country),
            reporter=ev.operator,
            anomaly_features=features,
        )
        return state, found

    def process_sms(
        self, ev: SmsEvent, state: SenderState | None
    ) -> tuple[SenderState, list[Detection]]:
        """Update the sender's state with one message and return new detections."""
        state = state if state is not None else SenderState()
        state.update(ev)
        features = state.features()
        found = self._run(
            ev,
            features,
            own=state,
            entity_id=ev.sender,
            entity_type="sender_id" if ev.sender_is_alphanumeric else "msisdn",
            jurisdictions=_countries(ev.sender_country, ev.recipient_country),
            reporter=ev.operator,
            anomaly_features=features,
        )
        return state, found

    def process_debit(
        self, ev: PaymentEvent, debit: DebitState | None, credit: CreditState | None
    ) -> tuple[DebitState, list[Detection]]:
        """Payer side: update the payer's debit state (``credit`` is only read).

        The payments anomaly model scores and learns here only, on debit-side features,
        so its sequence is the payer topic's order.
        """
        debit = debit if debit is not None else DebitState()
        debit.update(ev)
        found = self._run(
            ev,
            account_features(debit, credit),
            own=debit,
            others=(credit,) if credit is not None else (),
            entity_id=ev.payer_account,
            entity_type="account",
            jurisdictions=_countries(ev.payer_country, ev.payee_country),
            reporter=ev.institution,
            anomaly_features=debit.features(),
        )
        return debit, found

    def process_credit(
        self, ev: PaymentEvent, credit: CreditState | None, debit: DebitState | None
    ) -> tuple[CreditState, list[Detection]]:
        """Payee side: update the payee's credit state (``debit`` is only read)."""
        credit = credit if credit is not None else CreditState()
        credit.update(ev)
        found = self._run(
            ev,
            account_features(debit, credit),
            own=credit,
            others=(debit,) if debit is not None else (),
            entity_id=ev.payee_account,
            entity_type="account",
            jurisdictions=_countries(ev.payer_country, ev.payee_country),
            reporter=ev.institution,
        )
        return credit, found
