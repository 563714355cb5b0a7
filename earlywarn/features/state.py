"""What every per-entity state shares: the Engine's dedup memory and recent evidence."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from earlywarn.features.window import EventWindow, push_bounded


class EntityState:
    """Base of per-entity streaming states.

    Attributes
    ----------
    alerted
        Typology -> ``(window_start, severity_rank)`` of the last alert raised for this
        entity; the :class:`~earlywarn.scoring.Engine` uses it to deduplicate alerts.
    evidence
        Ids of the entity's most recent events (at most :attr:`evidence_cap`), oldest first.
    first_seen
        Earliest event time seen for this entity (``inf`` before any event).
    applied
        Delivery marks: source -> position of the last message applied to this state
        (see :meth:`applied_before`). Empty outside a stream worker.
    confirmed
        Whether a label confirmed this entity as a scam (or a victim): its later feature
        vectors are no longer a sample of ordinary traffic for the label models.
    """

    #: How many recent event ids are kept as evidence.
    evidence_cap: ClassVar[int] = 10
    #: Feature vectors kept for labels that arrive days later: at most this many...
    vectors_cap: ClassVar[int] = 2
    #: ...sampled at most once per this many seconds of event time.
    vector_every_s: ClassVar[float] = 1800.0
    #: Most delivery sources remembered (least recently applied dropped first).
    marks_cap: ClassVar[int] = 8

    def __init__(self) -> None:
        self.alerted: dict[str, tuple[float, int]] = {}
        self.evidence: list[str] = []
        self.first_seen: float = float("inf")
        #: ``[time, x1, x2, ...]`` recent feature vectors (values rounded), oldest first.
        self.vectors: list[list[float]] = []
        self.applied: dict[str, int] = {}
        self.confirmed = False

    def _observe(self, event_id: str, event_time: float) -> None:
        push_bounded(self.evidence, event_id, self.evidence_cap)
        self.first_seen = min(self.first_seen, float(event_time))

    def applied_before(self, source: str, position: int) -> bool:
        """Whether a message at ``position`` of ``source`` was already applied here.

        A stream worker delivers at least once: after a crash or a rebalance, messages
        whose state change is already in the changelog come again. Positions grow
        within a source (a topic partition, or the partition a re-keyed record came
        from), so anything at or below the last applied one is a redelivery.

        Examples
        --------
        >>> state = EntityState()
        >>> state.mark("cdr0", 4096)
        >>> state.applied_before("cdr0", 4096), state.applied_before("cdr0", 8192)
        (True, False)
        >>> state.applied_before("cdr1", 0)
        False
        """
        last = self.applied.get(source)
        return last is not None and position <= last

    def mark(self, source: str, position: int) -> None:
        """Remember ``position`` of ``source`` as applied (bounded by :attr:`marks_cap`)."""
        marks = self.applied
        marks.pop(source, None)
        marks[source] = position
        if len(marks) > self.marks_cap:
            del marks[next(iter(marks))]

    def sample_vector(self, t: float, values: list[float]) -> None:
        """Keep ``values`` as this entity's feature vector at ``t`` (bounded, sampled)."""
        if self.vectors and t - self.vectors[-1][0] < self.vector_every_s:
            return
        self.vectors.append([float(t), *(round(v, 3) for v in values)])
        del self.vectors[: max(0, len(self.vectors) - self.vectors_cap)]

    def evidence_ids(self) -> tuple[str, ...]:
        """Recent event ids of this entity, oldest first."""
        return tuple(self.evidence)

    def to_json(self) -> Any:
        """Compact JSON-compatible form of the state (see subclasses)."""
        raise NotImplementedError

    def _common_json(self) -> dict[str, Any]:
        return {
            "a": {typ: [ws, rank] for typ, (ws, rank) in sorted(self.alerted.items())},
            "e": list(self.evidence),
            "s": None if self.first_seen == float("inf") else self.first_seen,
            **({"v": self.vectors} if self.vectors else {}),
            **({"o": self.applied} if self.applied else {}),
            **({"z": 1} if self.confirmed else {}),  # "k" is a subclass key
        }

    def _load_common(self, obj: dict[str, Any]) -> None:
        self.alerted = {str(typ): (float(ws), int(rank)) for typ, (ws, rank) in obj["a"].items()}
        self.evidence = [str(i) for i in obj["e"]]
        self.first_seen = float("inf") if obj["s"] is None else float(obj["s"])
        self.vectors = [[float(x) for x in v] for v in obj.get("v", ())]
        self.applied = {str(k): int(v) for k, v in obj.get("o", {}).items()}
        self.confirmed = bool(obj.get("z", 0))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self.to_json() == other.to_json())

    __hash__ = None  # type: ignore[assignment]


def age(first_seen: float, now: float) -> float:
    """Seconds from ``first_seen`` to ``now``, ``0.0`` when nothing was seen."""
    return max(0.0, now - first_seen) if first_seen != float("inf") else 0.0


class WindowedState(EntityState):
    """A state that is one bounded event-time window (plus what every state shares).

    Subclasses set :attr:`span_s` and :attr:`cap`; construction and the JSON round trip
    are the same for all of them.
    """

    span_s: ClassVar[float] = 3600.0
    cap: ClassVar[int] = 256

    def __init__(self) -> None:
        super().__init__()
        self.window = EventWindow(self.span_s, self.cap)

    def to_json(self) -> dict[str, Any]:
        """Compact JSON-compatible form; inverse of :meth:`from_json`."""
        return {**self._common_json(), "w": self.window.to_json()}

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        """Rebuild a state from :meth:`to_json` output."""
        state = cls()
        state._load_common(obj)
        state.window = EventWindow.from_json(obj["w"], span_s=cls.span_s, cap=cls.cap)
        return state
