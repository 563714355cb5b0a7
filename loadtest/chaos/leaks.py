"""Search a run's logs, metrics and regulator topics for raw identifiers and key material."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def key_material(keys_json: str) -> set[str]:
    """Every secret value (``key`` fields, hex) of a keys file's JSON."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                if name == "key" and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(keys_json))
    return found


def leaks(needles: Iterable[str], haystacks: dict[str, str]) -> dict[str, list[str]]:
    """``{haystack name: needles found in it}``, only for haystacks with a hit."""
    wanted = sorted(set(needles))
    out: dict[str, list[str]] = {}
    for name, text in haystacks.items():
        hits = [n for n in wanted if n in text]
        if hits:
            out[name] = hits
    return out
