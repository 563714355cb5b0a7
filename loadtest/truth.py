"""Ground truth of a simulated or adapted data set: campaigns, their entities, decoys.

The JSON layout (``version`` 1) is documented in ``loadtest/README.md``; :meth:`GroundTruth.load`
and :meth:`GroundTruth.save` are the only readers and writers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from loadtest.clock import iso_ms, parse_ms

#: Roles an entity can play. ``target`` (contacted, no loss) and ``decoy`` are not scams.
ROLES: frozenset[str] = frozenset(("scammer", "mule", "victim", "target", "decoy"))


@dataclass(slots=True)
class TruthEntity:
    """One entity of a campaign or decoy, with other ids of the same party (``aliases``)."""

    entity_type: str
    entity_id: str
    role: str
    aliases: tuple[tuple[str, str], ...] = ()

    def keys(self) -> tuple[tuple[str, str], ...]:
        """``(entity_type, entity_id)`` of the entity and its aliases."""
        return ((self.entity_type, self.entity_id), *self.aliases)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "role": self.role,
        }
        if self.aliases:
            out["aliases"] = [{"entity_type": t, "entity_id": i} for t, i in self.aliases]
        return out

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> TruthEntity:
        aliases = tuple((a["entity_type"], a["entity_id"]) for a in obj.get("aliases", ()))
        return cls(obj["entity_type"], obj["entity_id"], obj["role"], aliases)


@dataclass(slots=True)
class Campaign:
    """An injected scam campaign (or a labelled group of frauds in an adapted data set)."""

    campaign_id: str
    typology: str
    start_ms: int
    end_ms: int
    params: dict[str, Any] = field(default_factory=dict)
    entities: list[TruthEntity] = field(default_factory=list)

    def add(self, entity_type: str, entity_id: str, role: str, *aliases: tuple[str, str]) -> None:
        """Record one entity of the campaign."""
        self.entities.append(TruthEntity(entity_type, entity_id, role, tuple(aliases)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "typology": self.typology,
            "start_time": iso_ms(self.start_ms),
            "end_time": iso_ms(self.end_ms),
            "params": self.params,
            "entities": [e.to_dict() for e in self.entities],
        }

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> Campaign:
        return cls(
            obj["campaign_id"],
            obj["typology"],
            parse_ms(obj["start_time"]),
            parse_ms(obj["end_time"]),
            dict(obj.get("params", {})),
            [TruthEntity.from_dict(e) for e in obj["entities"]],
        )


@dataclass(slots=True)
class Decoy:
    """Legitimate entities that look suspicious (call centres, OTP senders, payroll...)."""

    decoy_id: str
    kind: str
    entities: list[TruthEntity] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decoy_id": self.decoy_id,
            "kind": self.kind,
            "entities": [e.to_dict() for e in self.entities],
        }

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> Decoy:
        return cls(
            obj["decoy_id"], obj["kind"], [TruthEntity.from_dict(e) for e in obj["entities"]]
        )


@dataclass
class GroundTruth:
    """Everything the evaluation needs to know about a data set."""

    source: str
    start_ms: int
    end_ms: int
    campaigns: list[Campaign] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)
    entity_counts: dict[str, int] = field(default_factory=dict)
    event_counts: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def total_events(self) -> int:
        """Input events (labels excluded)."""
        return sum(n for topic, n in self.event_counts.items() if topic != "earlywarn.labels")

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "source": self.source,
            "start_time": iso_ms(self.start_ms),
            "end_time": iso_ms(self.end_ms),
            "meta": self.meta,
            "entity_counts": self.entity_counts,
            "event_counts": self.event_counts,
            "campaigns": [c.to_dict() for c in self.campaigns],
            "decoys": [d.to_dict() for d in self.decoys],
        }

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> GroundTruth:
        if obj.get("version") != 1:
            raise ValueError("unsupported ground-truth version")
        return cls(
            source=obj["source"],
            start_ms=parse_ms(obj["start_time"]),
            end_ms=parse_ms(obj["end_time"]),
            campaigns=[Campaign.from_dict(c) for c in obj["campaigns"]],
            decoys=[Decoy.from_dict(d) for d in obj["decoys"]],
            entity_counts=dict(obj.get("entity_counts", {})),
            event_counts=dict(obj.get("event_counts", {})),
            meta=dict(obj.get("meta", {})),
        )

    def save(self, path: Path) -> None:
        """Write as indented JSON (deterministic key order)."""
        path.write_bytes(orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")

    @classmethod
    def load(cls, path: Path) -> GroundTruth:
        """Read a file written by :meth:`save`."""
        return cls.from_dict(orjson.loads(path.read_bytes()))
