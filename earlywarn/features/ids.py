"""Digests that name an entity across the whole deployment.

:func:`~earlywarn.features.window.key_id` is 32 bits: enough to count distinct callees in
one entity's window, where a rare collision only miscounts by one. The watchlist and the
shared intel match one entity among millions, where a 32-bit collision would flag an
innocent number, so they key entities by :func:`watch_id`, 64 bits wide.
"""

from __future__ import annotations

import hashlib


def watch_id(value: str) -> int:
    """A stable 64-bit digest of an identifier, for watchlist and intel keys.

    >>> watch_id("+66812345678") == watch_id("+66812345678") != watch_id("+66812345679")
    True
    >>> watch_id("+66812345678") < 2**64
    True
    """
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")
