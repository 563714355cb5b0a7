"""Keys files: load, write development keys, rotate.

A keys file is JSON. Each jurisdiction maps to its current key and, optionally, previous
keys still in their overlap; the reserved entry ``INTEL`` is the key shared with intel
partners. The first format (``{"CC": {"key_id": ..., "key": hex}}``) is still read.

.. code-block:: json

    {
      "TH": {"key_id": "th-2", "key": "<64 hex>",
             "previous": [{"key_id": "th-1", "key": "<64 hex>",
                           "until": "2026-12-07T00:00:00Z"}]},
      "INTEL": {"key_id": "intel-1", "key": "<64 hex>"}
    }
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from earlywarn.alerts.pseudonymise import JurisdictionKey, MissingKeyError, Pseudonymiser
from earlywarn.contract.alert import iso

#: Reserved entry of the keys file: the key shared with intel partners.
INTEL_ENTRY = "INTEL"


class KeyFileError(ValueError):
    """A keys file that does not follow the format."""


def _key(where: str, raw: Any, *, previous: bool = False) -> JurisdictionKey:
    if not isinstance(raw, dict) or not isinstance(raw.get("key_id"), str):
        raise KeyFileError(f"{where}: expected {{'key_id': str, 'key': hex}}")
    try:
        secret = bytes.fromhex(str(raw.get("key", "")))
    except ValueError:
        raise KeyFileError(f"{where}: key is not hex") from None
    if len(secret) < 16:
        raise KeyFileError(f"{where}: key must be at least 16 bytes (32 hex digits)")
    until = None
    if previous:
        try:
            until = datetime.fromisoformat(str(raw["until"])).timestamp()
        except (KeyError, ValueError):
            raise KeyFileError(f"{where}: a previous key needs an ISO-8601 'until' time") from None
    return JurisdictionKey(raw["key_id"], secret, until)


def parse_keys(raw: Any, source: str = "keys") -> Pseudonymiser:
    """A :class:`Pseudonymiser` from a parsed keys document."""
    if not isinstance(raw, dict):
        raise KeyFileError(f"{source}: expected a JSON object of jurisdictions")
    current: dict[str, JurisdictionKey] = {}
    previous: dict[str, list[JurisdictionKey]] = {}
    intel = None
    for name, entry in raw.items():
        cc = name.upper()
        if cc == INTEL_ENTRY:
            intel = _key(f"{source}: {INTEL_ENTRY}", entry)
            continue
        current[cc] = _key(f"{source}: {cc}", entry)
        olds = entry.get("previous", [])
        if not isinstance(olds, list):
            raise KeyFileError(f"{source}: {cc}.previous must be a list")
        previous[cc] = [
            _key(f"{source}: {cc}.previous[{i}]", o, previous=True) for i, o in enumerate(olds)
        ]
    return Pseudonymiser(current, previous=previous, intel=intel)


def load_keys(path: Path | None = None, env: Mapping[str, str] | None = None) -> Pseudonymiser:
    """Load keys from ``path`` or the ``EARLYWARN_KEYS`` variable (JSON)."""
    env = os.environ if env is None else env
    if path is not None:
        source = str(path)
        text = Path(path).read_text()
    elif env.get("EARLYWARN_KEYS"):
        source, text = "EARLYWARN_KEYS", env["EARLYWARN_KEYS"]
    else:
        raise MissingKeyError(
            "no pseudonymisation keys: set EARLYWARN_KEYS_FILE or EARLYWARN_KEYS "
            "(or run `earlywarn keys init FILE` to make development keys)"
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise KeyFileError(f"{source}: not JSON ({err.msg} at line {err.lineno})") from None
    return parse_keys(raw, source)


def _write(path: Path, doc: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=2)
    os.replace(tmp, path)


def write_dev_keys(path: Path, countries: tuple[str, ...], *, intel: bool = True) -> None:
    """Write fresh random development keys (mode 0600), and an intel key. Not for production."""
    keys: dict[str, Any] = {
        cc: {"key_id": f"{cc.lower()}-dev-1", "key": secrets.token_hex(32)} for cc in countries
    }
    if intel:
        keys[INTEL_ENTRY] = {"key_id": "intel-dev-1", "key": secrets.token_hex(32)}
    _write(path, keys)


def _next_id(key_id: str) -> str:
    m = re.fullmatch(r"(.*?)(\d+)", key_id)
    return f"{m.group(1)}{int(m.group(2)) + 1}" if m else f"{key_id}-2"


def rotate_keys(
    path: Path, countries: tuple[str, ...], *, overlap_s: float, now: float | None = None
) -> dict[str, str]:
    """Give ``countries`` a new key; the old one stays usable for ``overlap_s`` seconds.

    Previous keys whose overlap has ended are dropped. Returns ``{country: new key_id}``.
    """
    now = time.time() if now is None else now
    doc = json.loads(Path(path).read_text())
    parse_keys(doc, str(path))  # refuse to rotate a broken file
    out: dict[str, str] = {}
    for cc in countries:
        name = next((k for k in doc if k.upper() == cc.upper()), None)
        if name is None:
            raise KeyFileError(f"{path}: no key for {cc} to rotate")
        entry = doc[name]
        kept = [
            p
            for p in entry.get("previous", [])
            if datetime.fromisoformat(p["until"]).timestamp() > now
        ]
        old = {"key_id": entry["key_id"], "key": entry["key"], "until": iso(now + overlap_s)}
        new_id = _next_id(entry["key_id"])
        doc[name] = {"key_id": new_id, "key": secrets.token_hex(32), "previous": [old, *kept]}
        out[cc.upper()] = new_id
    _write(path, doc)
    return out
