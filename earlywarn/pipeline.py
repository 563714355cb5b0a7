"""Decode → state → score → alerts → routes, for one message, with no transport.

The Faust agents (:mod:`earlywarn.stream`) and ``earlywarn replay`` both call
:class:`Pipeline`, so the two paths raise the same alerts for the same events. State lives
in four key-value stores of bytes (Faust tables in a worker, dicts in replay); values are
the states' compact JSON, so the replay path also exercises the changelog encoding.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import orjson

from earlywarn.alerts.build import build_alert
from earlywarn.alerts.route import Routed, Router
from earlywarn.contract.alert import Alert, dead_letter
from earlywarn.contract.decode import decode
from earlywarn.contract.events import CallEvent, Event, PaymentEvent, SmsEvent
from earlywarn.contract.reasons import ContractError, Reason
from earlywarn.detectors.base import Detection
from earlywarn.features import CallerState, CreditState, DebitState, SenderState
from earlywarn.metrics import Metrics
from earlywarn.scoring import Engine
from earlywarn.settings import Topics

log = logging.getLogger(__name__)


class StateStore(Protocol):
    """What the pipeline needs of a table: get and set bytes by key."""

    def get(self, key: str, /) -> Any: ...

    def __setitem__(self, key: str, value: bytes, /) -> None: ...


class _State(Protocol):
    def to_json(self) -> Any: ...


S = TypeVar("S")


@dataclass(slots=True)
class Stores:
    """The four per-entity state stores. Co-partitioned by account / caller / sender."""

    callers: StateStore
    senders: StateStore
    debits: StateStore
    credits: StateStore

    @classmethod
    def in_memory(cls) -> Stores:
        return cls(callers={}, senders={}, debits={}, credits={})


@dataclass(slots=True)
class Outcome:
    """What one message produced."""

    kind: str | None = None
    event: Event | None = None
    alerts: list[Alert] = field(default_factory=list)
    routed: list[Routed] = field(default_factory=list)
    deadletter: dict[str, Any] | None = None
    #: For a payment: (payee key, raw bytes) to re-key onto the by-payee topic.
    forward: tuple[str, bytes] | None = None


def _load(store: StateStore, key: str, cls: Callable[[Any], S]) -> S | None:
    raw = store.get(key)
    return None if raw is None else cls(orjson.loads(raw))


def _save(store: StateStore, key: str, state: _State) -> None:
    store[key] = orjson.dumps(state.to_json())


class Pipeline:
    """Process raw messages end to end, without Kafka.

    Parameters
    ----------
    engine
        The scoring engine (features, detectors, models).
    router
        Where alerts go, and their pseudonymised copies.
    stores
        Per-entity state.
    topics
        Topic names.
    metrics
        Counters to update, if any.
    max_message_bytes
        Larger messages are dead-lettered unread.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        router: Router,
        stores: Stores,
        topics: Topics | None = None,
        metrics: Metrics | None = None,
        max_message_bytes: int = 64 * 1024,
    ) -> None:
        self.engine = engine
        self.router = router
        self.stores = stores
        self.topics = topics or Topics()
        self.kinds = self.topics.kinds()
        self.metrics = metrics
        self.max_message_bytes = max_message_bytes

    def handle(
        self,
        topic: str,
        raw: bytes,
        *,
        partition: int | None = None,
        offset: int | None = None,
        now: float | None = None,
    ) -> Outcome:
        """Process one message from an input topic. Never raises for bad input."""
        received = time.time() if now is None else now
        started = time.perf_counter()
        if self.metrics is not None:
            self.metrics.events.labels(topic=topic).inc()
        try:
            event = decode(topic, raw, kinds=self.kinds, max_bytes=self.max_message_bytes)
        except ContractError as err:
            return self._dead(topic, partition, offset, err.reason, err.describe(), raw, received)
        outcome = Outcome(kind=self.kinds[topic], event=event)
        try:
            detections = self._score(event, raw, outcome)
        except Exception as exc:  # a bug must not stop the worker; the event is kept
            log.exception("processing failed on %s (event dead-lettered)", topic)
            if self.metrics is not None:
                self.metrics.processing_errors.labels(topic=topic).inc()
            return self._dead(
                topic, partition, offset, Reason.PROCESSING_ERROR, type(exc).__name__, raw, received
            )
        self._emit(detections, outcome, received)
        if self.metrics is not None:
            self.metrics.scoring_seconds.labels(topic=topic).observe(time.perf_counter() - started)
        return outcome

    def handle_credit(self, raw: bytes, *, now: float | None = None) -> Outcome:
        """Process the payee side of a payment (from the by-payee topic)."""
        received = time.time() if now is None else now
        topic = self.topics.payments_by_payee
        if self.metrics is not None:
            self.metrics.events.labels(topic=topic).inc()
        try:
            event = decode(
                self.topics.payments, raw, kinds=self.kinds, max_bytes=self.max_message_bytes
            )
            assert isinstance(event, PaymentEvent)
            key = event.payee_account
            credit = _load(self.stores.credits, key, CreditState.from_json)
            debit = _load(self.stores.debits, key, DebitState.from_json)
            state, detections = self.engine.process_credit(event, credit, debit)
            _save(self.stores.credits, key, state)
        except Exception as exc:
            log.exception("credit-side processing failed (event dead-lettered)")
            if self.metrics is not None:
                self.metrics.processing_errors.labels(topic=topic).inc()
            reason = exc.reason if isinstance(exc, ContractError) else Reason.PROCESSING_ERROR
            return self._dead(topic, None, None, reason, type(exc).__name__, raw, received)
        outcome = Outcome(kind="payments_credit", event=event)
        self._emit(detections, outcome, received)
        return outcome

    def _score(self, event: Event, raw: bytes, outcome: Outcome) -> list[Detection]:
        stores, engine = self.stores, self.engine
        if isinstance(event, CallEvent):
            caller = _load(stores.callers, event.caller, CallerState.from_json)
            cstate, detections = engine.process_call(event, caller)
            _save(stores.callers, event.caller, cstate)
            return detections
        if isinstance(event, SmsEvent):
            sender = _load(stores.senders, event.sender, SenderState.from_json)
            sstate, detections = engine.process_sms(event, sender)
            _save(stores.senders, event.sender, sstate)
            return detections
        if isinstance(event, PaymentEvent):
            key = event.payer_account
            debit = _load(stores.debits, key, DebitState.from_json)
            credit = _load(stores.credits, key, CreditState.from_json)
            dstate, detections = engine.process_debit(event, debit, credit)
            _save(stores.debits, key, dstate)
            outcome.forward = (event.payee_account, raw)
            return detections
        return []  # labels and intel: consumed by the learning loop (issue 4)

    def _emit(self, detections: list[Detection], outcome: Outcome, now: float) -> None:
        for detection in detections:
            alert = build_alert(detection, created_time=now)
            outcome.alerts.append(alert)
            routed, unrouted = self.router.route(alert)
            outcome.routed.extend(routed)
            if self.metrics is not None:
                self.metrics.alerts.labels(typology=alert.typology, severity=alert.severity).inc()
                for copy in routed[1:]:
                    self.metrics.regulator_alerts.labels(jurisdiction=copy.topic[-2:]).inc()
                for country in unrouted:
                    self.metrics.unrouted.labels(jurisdiction=country).inc()

    def _dead(
        self,
        topic: str,
        partition: int | None,
        offset: int | None,
        reason: Reason,
        detail: str,
        raw: bytes,
        received: float,
    ) -> Outcome:
        if self.metrics is not None:
            self.metrics.deadletters.labels(topic=topic, reason=reason.value).inc()
        record = dead_letter(
            source_topic=topic,
            partition=partition,
            offset=offset,
            reason=reason.value,
            detail=detail,
            raw=raw,
            received_time=received,
        )
        return Outcome(deadletter=record)
