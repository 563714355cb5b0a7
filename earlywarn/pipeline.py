"""Decode → state → score → alerts → routes, for one message, with no transport.

The Faust agents (:mod:`earlywarn.stream`) and ``earlywarn replay`` both call
:class:`Pipeline`, so the two paths raise the same alerts for the same events. State lives
in four key-value stores of bytes (Faust tables in a worker, dicts in replay); values are
the states' compact JSON, so the replay path also exercises the changelog encoding.

The state and score steps are :class:`Pipeline`'s base class,
:class:`~earlywarn.pipeline_state.StateSteps`; what a message produced is an
:class:`~earlywarn.outcome.Outcome`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import orjson

from earlywarn.alerts.build import build_alert
from earlywarn.alerts.lifecycle import repeats
from earlywarn.alerts.route import Router
from earlywarn.contract.alert import dead_letter
from earlywarn.contract.decode import decode
from earlywarn.contract.events import PaymentEvent
from earlywarn.contract.reasons import ContractError, Reason
from earlywarn.detectors.base import Detection
from earlywarn.features import CreditState, DebitState
from earlywarn.features.linked import DomainState, HotspotState, ImeiState, RingState
from earlywarn.features.state import EntityState
from earlywarn.features.victims import SubscriberState
from earlywarn.metrics import Metrics
from earlywarn.outcome import Outcome
from earlywarn.pipeline_state import StateSteps
from earlywarn.scoring import Engine
from earlywarn.settings import Topics
from earlywarn.statecache import StateCache
from earlywarn.stores import MARK_STRIDE, Held, Mark, Redelivered, StateStore, Stores

__all__ = [
    "INTERNAL_TOPICS",
    "MARK_STRIDE",
    "Mark",
    "Outcome",
    "Pipeline",
    "Redelivered",
    "StateStore",
    "Stores",
]

log = logging.getLogger(__name__)


#: Internal (re-keyed) topic of each forward kind; the stream creates them with the
#: input topics' partition count. ``payee`` is the existing by-payee topic.
INTERNAL_TOPICS: dict[str, str] = {
    "payee": "earlywarn.payments.by-payee",
    "imei": "earlywarn.internal.by-imei",
    "domain": "earlywarn.internal.by-domain",
    "msisdn": "earlywarn.internal.by-msisdn",
    "hotspot": "earlywarn.internal.by-place",
    "watch": "earlywarn.internal.watchlist",
    "suspect": "earlywarn.internal.by-payee-suspect",
    "ring": "earlywarn.internal.by-route",
}

_LINKED: dict[str, tuple[str, Callable[[Any], EntityState]]] = {
    "imei": ("imeis", ImeiState.from_json),
    "domain": ("domains", DomainState.from_json),
    "msisdn": ("subscribers", SubscriberState.from_json),
    "hotspot": ("hotspots", HotspotState.from_json),
    "suspect": ("credits", CreditState.from_json),
    "ring": ("hotspots", RingState.from_json),  # keys ``ring:...``, apart from hot spots
}


class Pipeline(StateSteps):
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
    cache_size
        Live states kept beside their bytes (:mod:`earlywarn.statecache`); ``0``: none.
    defer_writes
        Leave each message's state write in :attr:`Outcome.writes` for :meth:`apply`,
        so a worker queues it after the message's outputs: a crash in between then
        redelivers the message instead of losing its outputs.

    Notes
    -----
    Given a ``mark`` (where the message sits in its source), a message whose state
    already holds that mark is skipped (:attr:`Outcome.redelivered`): redelivered
    messages change no state twice, and raise nothing again.
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
        cache_size: int = 0,
        defer_writes: bool = False,
    ) -> None:
        self.engine = engine
        self.router = router
        self.stores = stores
        self.topics = topics or Topics()
        self.kinds = self.topics.kinds()
        self.metrics = metrics
        self.max_message_bytes = max_message_bytes
        self.cache = StateCache(cache_size)
        self.defer_writes = defer_writes
        engine.lookup = self._lookup
        if router.intel_pseudonym is not None:
            engine.pseudonym = router.intel_pseudonym

    def handle(
        self,
        topic: str,
        raw: bytes,
        *,
        partition: int | None = None,
        offset: int | None = None,
        now: float | None = None,
        mark: Mark | None = None,
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
            detections = self._score(event, raw, outcome, mark)
        except Redelivered:
            return self._redelivered(topic, outcome)
        except Exception as exc:  # a bug must not stop the worker; the event is kept
            log.exception("processing failed on %s (event dead-lettered)", topic)
            if self.metrics is not None:
                self.metrics.processing_errors.labels(topic=topic).inc()
            return self._dead(
                topic, partition, offset, Reason.PROCESSING_ERROR, type(exc).__name__, raw, received
            )
        self._emit(detections, outcome, received)
        outcome.forwards.extend(self.engine.take_forwards())
        if self.metrics is not None:
            self.metrics.scoring_seconds.labels(topic=topic).observe(time.perf_counter() - started)
            for typology, judged in outcome.feedback:
                self.metrics.alert_feedback.labels(typology=typology, outcome=judged).inc()
        return outcome

    def handle_credit(
        self, raw: bytes, *, now: float | None = None, mark: Mark | None = None
    ) -> Outcome:
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
            credit = self._load(self.stores.credits, key, CreditState.from_json, mark)
            debit = self.cache.peek(self.stores.debits, key, DebitState.from_json)
            state, detections = self.engine.process_credit(event, credit, debit)
            outcome = Outcome(kind="payments_credit", event=event)
            self._save(outcome, self.stores.credits, key, state, mark)
        except Redelivered:
            return self._redelivered(topic, Outcome(kind="payments_credit"))
        except Exception as exc:
            log.exception("credit-side processing failed (event dead-lettered)")
            if self.metrics is not None:
                self.metrics.processing_errors.labels(topic=topic).inc()
            reason = exc.reason if isinstance(exc, ContractError) else Reason.PROCESSING_ERROR
            return self._dead(topic, None, None, reason, type(exc).__name__, raw, received)
        self._emit(detections, outcome, received)
        outcome.forwards.extend(self.engine.take_forwards())
        return outcome

    def handle_internal(
        self, kind: str, raw: bytes, *, now: float | None = None, mark: Mark | None = None
    ) -> Outcome:
        """Process one record of an internal re-keyed topic (a :class:`Forward`).

        ``payee`` is the credit side (:meth:`handle_credit`); ``watch`` writes the
        watchlist; ``imei``, ``domain``, ``msisdn`` and ``hotspot`` update the linked
        state of the forward's key and may raise alerts (SIM-box devices, smishing
        domains, victims in progress, SIM swaps, hot spots). Never raises for bad input.
        """
        if kind == "payee":
            return self.handle_credit(raw, now=now, mark=mark)
        received = time.time() if now is None else now
        topic = INTERNAL_TOPICS.get(kind, kind)
        if self.metrics is not None:
            self.metrics.events.labels(topic=topic).inc()
        try:
            payload = orjson.loads(raw)
            key = str(payload["_k"])
            if kind == "watch":
                self._watch(key, payload)
                return Outcome(kind=kind)
            store_name, load = _LINKED[kind]
            store = getattr(self.stores, store_name)
            state = self._load(store, key, load, mark)
            reached = self._reached(key) if kind == "msisdn" else None
            new_state, detections = self.engine.process_linked(kind, key, payload, state, reached)
            outcome = Outcome(kind=kind)
            self._save(outcome, store, key, new_state, mark)
        except Redelivered:
            return self._redelivered(topic, Outcome(kind=kind))
        except Exception as exc:
            log.exception("internal %s processing failed (record dead-lettered)", kind)
            if self.metrics is not None:
                self.metrics.processing_errors.labels(topic=topic).inc()
            return self._dead(
                topic, None, None, Reason.PROCESSING_ERROR, type(exc).__name__, raw, received
            )
        self._emit(detections, outcome, received)
        outcome.forwards.extend(self.engine.take_forwards())
        return outcome

    def apply(self, outcome: Outcome) -> None:
        """Write the state changes :meth:`handle` held back (``defer_writes``)."""
        for store, key, state in outcome.writes:
            if isinstance(state, bytes):
                store[key] = state
            else:
                self.cache.save(store, key, state)
        outcome.writes.clear()

    def _emit(self, detections: list[Detection], outcome: Outcome, now: float) -> None:
        ledger: StateStore = self.stores.alerts
        if self.defer_writes:
            ledger = Held(ledger, outcome.writes)
        for detection in detections:
            alert = build_alert(detection, created_time=now)
            if repeats(alert, ledger):  # raised already, at this severity: nothing new
                continue
            alert = self.router.track(alert, ledger)
            outcome.alerts.append(alert)
            routed, unrouted = self.router.route(alert)
            outcome.routed.extend(routed)
            outcome.intel.extend(self.router.indicators(alert, detection.detector, self._lookup))
            if self.metrics is not None:
                self.metrics.alerts.labels(typology=alert.typology, severity=alert.severity).inc()
                for copy in (r for r in routed if r.alert.pseudonymised):
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
