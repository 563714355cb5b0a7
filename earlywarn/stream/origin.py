"""Where a re-keyed record came from: the ``ew-origin`` header the worker sets on each record
it forwards to an internal topic, and how to read it back."""

from __future__ import annotations

from typing import Any

from earlywarn.pipeline import Mark

#: Header of a re-keyed record: ``<source>:<position>`` of the message it came from.
ORIGIN_HEADER = "ew-origin"


def origin_of(headers: Any) -> Mark | None:
    """The origin mark a re-keyed record carries, or ``None`` (absent or unreadable).

    >>> origin_of({"ew-origin": b"cdr3:655361"})
    ('cdr3', 655361)
    >>> origin_of([("ew-origin", b"garbage")]) is None
    True
    """
    if not headers:
        return None
    items = headers.items() if isinstance(headers, dict) else headers
    for name, value in items:
        if name == ORIGIN_HEADER:
            source, _, position = bytes(value).decode("ascii", "replace").rpartition(":")
            return (source, int(position)) if source and position.isdigit() else None
    return None
