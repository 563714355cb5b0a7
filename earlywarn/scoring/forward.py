"""Records re-keyed from one entity's state onto another's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(slots=True, frozen=True)
class Forward:
    """A record to re-key onto another entity's state.

    ``kind`` names the state (``payee``, ``imei``, ``domain``, ``msisdn``, ``hotspot``,
    ``watch``); ``key`` is the entity to key it by; ``raw`` the message (the original
    payment for ``payee``, compact JSON otherwise).

    Examples
    --------
    >>> forward("imei", "356741085048204", {"t": 1.0}).raw
    b'{"t":1.0,"_k":"356741085048204"}'
    """

    kind: str
    key: str
    raw: bytes


def forward(kind: str, key: str, obj: Mapping[str, Any]) -> Forward:
    """A :class:`Forward` whose message is ``obj`` plus its key as ``_k``, in compact JSON."""
    return Forward(kind, key, orjson.dumps({**obj, "_k": key}))


@dataclass(slots=True, frozen=True)
class Linked:
    """The event-like record a linked state is processed with."""

    event_id: str
    event_time: float
    channel: str
    cell_id: str | None = None
