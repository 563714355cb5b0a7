"""Simulated time: integer milliseconds since the Unix epoch, formatted fast.

Event times are kept as ``int`` milliseconds so ordering and formatting are exact and the
same seed always gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

MS_SECOND = 1_000
MS_MINUTE = 60 * MS_SECOND
MS_HOUR = 60 * MS_MINUTE
MS_DAY = 24 * MS_HOUR


@lru_cache(maxsize=4096)
def _day_prefix(day: int) -> str:
    return datetime.fromtimestamp(day * 86_400, tz=UTC).strftime("%Y-%m-%dT")


def iso_ms(t_ms: int) -> str:
    """Format epoch milliseconds as an ISO-8601 UTC string.

    Examples
    --------
    >>> iso_ms(1_795_420_800_123)
    '2026-11-23T08:00:00.123Z'
    """
    day, rem = divmod(t_ms, MS_DAY)
    hour, rem = divmod(rem, MS_HOUR)
    minute, rem = divmod(rem, MS_MINUTE)
    second, milli = divmod(rem, MS_SECOND)
    return f"{_day_prefix(day)}{hour:02d}:{minute:02d}:{second:02d}.{milli:03d}Z"


def parse_ms(text: str) -> int:
    """Parse an ISO-8601 time with a zone into epoch milliseconds.

    Examples
    --------
    >>> parse_ms("2026-11-23T15:00:00.123+07:00")
    1795420800123
    """
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("time without a zone")
    return round(parsed.timestamp() * 1000)
