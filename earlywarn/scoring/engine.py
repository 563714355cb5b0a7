"""The transport-free detection core: events in, deduplicated detections out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from earlywarn.contract.events import CallEvent, PaymentEvent, SmsEvent
from earlywarn.detectors import Detection
from earlywarn.features import CallerState, CreditState, DebitState, EntityState, SenderState
from earlywarn.scoring import credits, linked, payments, telco
from earlywarn.scoring.checks import Reached
from earlywarn.scoring.core import Core


class Engine(Core):
    """Feature updates, typology detectors, online models and alert dedup, per event.

    The engine holds no per-entity state of its own: the caller passes in each
    entity's state (kept in changelog tables) and stores the one handed back, so the
    same events in the same order always give the same detections. Links across
    entities are left in :attr:`pending` as :class:`~earlywarn.scoring.Forward`
    records, which the pipeline publishes (stream) or processes at once (replay) with
    :meth:`process_linked`. Parameters are those of :class:`~earlywarn.scoring.core.Core`.

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

    @classmethod
    def from_artifact(cls, path: str | Path, **kwargs: Any) -> Engine:
        """Warm-start an engine from an artifact directory (:mod:`earlywarn.learning.artifact`)."""
        from earlywarn.learning.artifact import warm_start

        return warm_start(Path(path), **kwargs)

    def checkpoint(self, path: str | Path) -> None:
        """Write this engine's artifact settings and online models to directory ``path``."""
        from earlywarn.learning.artifact import checkpoint

        checkpoint(self, Path(path))

    def process_call(
        self,
        ev: CallEvent,
        state: CallerState | None,
        devices: Callable[[], Sequence[int]] | None = None,
    ) -> tuple[CallerState, list[Detection]]:
        """Update the caller's state with one call and return new detections (``devices``:
        the number's devices seen on the SMS side, read only when needed)."""
        return telco.process_call(self, ev, state, devices)

    def process_sms(
        self, ev: SmsEvent, state: SenderState | None
    ) -> tuple[SenderState, list[Detection]]:
        """Update the sender's state with one message and return new detections."""
        return telco.process_sms(self, ev, state)

    def process_debit(
        self, ev: PaymentEvent, debit: DebitState | None, credit: CreditState | None
    ) -> tuple[DebitState, list[Detection]]:
        """Payer side of a payment: update the payer's debit state (``credit`` is read)."""
        return payments.process_debit(self, ev, debit, credit)

    def process_credit(
        self, ev: PaymentEvent, credit: CreditState | None, debit: DebitState | None
    ) -> tuple[CreditState, list[Detection]]:
        """Payee side of a payment: update the payee's credit state (``debit`` is read)."""
        return credits.process_credit(self, ev, credit, debit)

    def process_linked(
        self,
        kind: str,
        key: str,
        payload: Mapping[str, Any],
        state: EntityState | None,
        reached: Reached | None = None,
    ) -> tuple[EntityState, list[Detection]]:
        """Update the ``kind`` state of ``key`` with one forwarded record (``reached``:
        the numbers an ``msisdn`` key has called or texted, read only when needed)."""
        return linked.process_linked(self, kind, key, payload, state, reached)
