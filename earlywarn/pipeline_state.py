"""Per-entity state around one message, for :class:`~earlywarn.pipeline.Pipeline`.

:class:`StateSteps` is the pipeline's base class: it loads an entity's state (refusing a
message the state already applied, :class:`~earlywarn.stores.Redelivered`), saves it or
holds the write back (``defer_writes``), merges watchlist entries, and runs the scoring
engine on each input event against the states that event touches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson

from earlywarn.alerts.lifecycle import entity_key
from earlywarn.alerts.route import Router
from earlywarn.contract.events import (
    CallEvent,
    Event,
    IntelEvent,
    LabelEvent,
    PaymentEvent,
    SmsEvent,
)
from earlywarn.detectors.base import Detection
from earlywarn.features import CallerState, CreditState, DebitState, SenderState
from earlywarn.features.ids import watch_id
from earlywarn.features.state import EntityState
from earlywarn.merge import merge_watch
from earlywarn.metrics import Metrics
from earlywarn.outcome import Outcome
from earlywarn.scoring import Engine, Forward
from earlywarn.scoring.feedback import label_feedback
from earlywarn.scoring.models import PAYEE
from earlywarn.statecache import StateCache, compact
from earlywarn.stores import Mark, Redelivered, StateStore, Stores

__all__ = ["StateSteps"]

S = TypeVar("S", bound=EntityState)


class StateSteps:
    """The state steps of :class:`~earlywarn.pipeline.Pipeline`, which sets these attributes."""

    engine: Engine
    router: Router
    stores: Stores
    metrics: Metrics | None
    cache: StateCache
    defer_writes: bool

    def _lookup(self, key: str) -> Any:
        raw = self.stores.watchlist.get(key)
        return None if raw is None else orjson.loads(raw)

    def _reached(self, msisdn: str) -> Callable[[], list[int]]:
        """The ``key_id`` of the numbers ``msisdn`` has called or texted, read when called
        (its caller and sender states are on this partition: co-partitioned by number)."""

        def reached() -> list[int]:
            stores, cache = self.stores, self.cache
            caller = cache.peek(stores.callers, msisdn, CallerState.from_json)
            sender = cache.peek(stores.senders, msisdn, SenderState.from_json)
            return [*(caller.known if caller else ()), *(sender.known if sender else ())]

        return reached

    def _alerted(self, entity_type: str, entity_id: str) -> list[str]:
        """The typologies the alert ledger holds an alert of on this entity (alerts raised
        on another worker's partitions are in that worker's ledger)."""
        typologies = {d.typology for d in self.engine.detectors} | {"anomaly"}
        ledger = self.stores.alerts
        return [t for t in typologies if ledger.get(entity_key(t, entity_type, entity_id))]

    def _watch(self, key: str, entry: dict[str, Any]) -> None:
        """Merge ``entry`` into the watchlist (:func:`earlywarn.merge.merge_watch`)."""
        old = self.stores.watchlist.get(key)
        raw = orjson.dumps({k: v for k, v in entry.items() if k != "_k"})
        stored = merge_watch(old, raw)
        if stored is not old:
            self.stores.watchlist[key] = compact(stored)

    def _load(
        self, store: StateStore, key: str, cls: Callable[[Any], S], mark: Mark | None
    ) -> S | None:
        state = self.cache.load(store, key, cls)
        if mark is not None and state is not None and state.applied_before(*mark):
            raise Redelivered
        return state

    def _save(
        self, outcome: Outcome, store: StateStore, key: str, state: EntityState, mark: Mark | None
    ) -> None:
        if mark is not None:
            state.mark(*mark)
        if self.defer_writes:
            outcome.writes.append((store, key, state))
        else:
            self.cache.save(store, key, state)

    def _redelivered(self, topic: str, outcome: Outcome) -> Outcome:
        if self.metrics is not None:
            self.metrics.redelivered.labels(topic=topic).inc()
        outcome.redelivered = True
        return outcome

    def _score(
        self, event: Event, raw: bytes, outcome: Outcome, mark: Mark | None
    ) -> list[Detection]:
        stores, engine, cache = self.stores, self.engine, self.cache
        if isinstance(event, CallEvent):
            caller = self._load(stores.callers, event.caller, CallerState.from_json, mark)
            texted = event.caller  # its devices as the SMS side saw them, read when needed

            def devices() -> list[int]:
                sender = cache.peek(stores.senders, texted, SenderState.from_json)
                return sender.imeis if sender is not None else []

            cstate, detections = engine.process_call(event, caller, devices)
            self._save(outcome, stores.callers, event.caller, cstate, mark)
            return detections
        if isinstance(event, SmsEvent):
            sender = self._load(stores.senders, event.sender, SenderState.from_json, mark)
            sstate, detections = engine.process_sms(event, sender)
            self._save(outcome, stores.senders, event.sender, sstate, mark)
            return detections
        if isinstance(event, PaymentEvent):
            key = event.payer_account
            debit = self._load(stores.debits, key, DebitState.from_json, mark)
            credit = cache.peek(stores.credits, key, CreditState.from_json)
            dstate, detections = engine.process_debit(event, debit, credit)
            self._save(outcome, stores.debits, key, dstate, mark)
            outcome.forward = (event.payee_account, raw)
            outcome.forwards.append(Forward("payee", event.payee_account, raw))
            return detections
        if isinstance(event, LabelEvent):
            eid = event.entity_id
            sources: tuple[tuple[str, StateStore, Callable[[Any], EntityState]], ...] = (
                ("cdr", stores.callers, CallerState.from_json),
                ("sms", stores.senders, SenderState.from_json),
                ("payments", stores.debits, DebitState.from_json),
                (PAYEE, stores.credits, CreditState.from_json),
            )
            held = {k: (store, self._load(store, eid, cls, mark)) for k, store, cls in sources}
            outcome.feedback = label_feedback(event, self._alerted(event.entity_type, eid))
            engine.learn_label(event, {ch: state for ch, (_, state) in held.items()})
            for store, state in held.values():
                if state is not None:  # now marked confirmed if the label says scam
                    self._save(outcome, store, eid, state, mark)
            outcome.intel.extend(self.router.label_indicators(event))
            return []
        if isinstance(event, IntelEvent):
            raw_key = f"i:{watch_id(event.indicator)}"
            key = f"p:{event.indicator}" if event.pseudonymised else raw_key
            entry = {
                "s": event.confidence,
                "y": event.typology,
                "x": event.expires_time,
                "c": event.source_country,
            }
            self._watch(key, entry)
        return []
