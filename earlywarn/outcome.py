"""What :class:`~earlywarn.pipeline.Pipeline` returns for one message: :class:`Outcome`.

Its alerts and their routes, the records to forward onto internal topics, shared-intel
indicators, a dead-letter record, and the state writes held back until those are sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from earlywarn.alerts.route import Routed
from earlywarn.contract.alert import Alert
from earlywarn.contract.events import Event
from earlywarn.features.state import EntityState
from earlywarn.scoring import Forward
from earlywarn.stores import StateStore

__all__ = ["Outcome"]


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
    #: Every record to re-key onto an internal topic
    #: (:data:`~earlywarn.pipeline.INTERNAL_TOPICS`), the by-payee one included; publish
    #: them, then feed them to :meth:`~earlywarn.pipeline.Pipeline.handle_internal`.
    forwards: list[Forward] = field(default_factory=list)
    #: Pseudonymised indicators (key, contract intel record) for the intel topic.
    intel: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: State and alert-ledger writes held back until the outputs above are sent
    #: (``defer_writes``): a state to serialise, or bytes.
    writes: list[tuple[StateStore, str, EntityState | bytes]] = field(default_factory=list)
    #: For a label: ``(alert typology, outcome)`` per typology alerted on its entity
    #: (:func:`~earlywarn.scoring.feedback.label_feedback`).
    feedback: list[tuple[str, str]] = field(default_factory=list)
    #: True when the message was skipped as already applied
    #: (see :class:`~earlywarn.stores.Redelivered`).
    redelivered: bool = False
