"""Keyed pseudonyms for regulator copies of alerts (HMAC-SHA256 per jurisdiction).

Keys are read from a file or the environment, never from code. A regulator copy carries
no raw phone number, account, IMEI, sender id or event id: each is replaced by its keyed
pseudonym under that jurisdiction's key, and the alert names the ``key_id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from earlywarn.contract.alert import Alert, Explanation

#: Entity types that identify a person, a line, a device or an account.
PERSONAL_ENTITY_TYPES: frozenset[str] = frozenset(("msisdn", "account", "imei", "sender_id"))
_E164_ANYWHERE = re.compile(r"\+[1-9][0-9]{6,14}")


class MissingKeyError(LookupError):
    """No pseudonymisation key for a jurisdiction."""


@dataclass(frozen=True, slots=True)
class JurisdictionKey:
    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret
        return f"JurisdictionKey(key_id={self.key_id!r}, secret=<{len(self.secret)} bytes>)"


class Pseudonymiser:
    """Pseudonymise identifiers and alerts per jurisdiction.

    Parameters
    ----------
    keys
        ``{country: JurisdictionKey}``.

    Examples
    --------
    >>> p = Pseudonymiser({"TH": JurisdictionKey("th-1", b"k" * 32)})
    >>> a, b = p.pseudonym("TH", "+66812345678"), p.pseudonym("TH", "+66812345678")
    >>> a == b, a.startswith("+66")
    (True, False)
    """

    def __init__(self, keys: Mapping[str, JurisdictionKey]) -> None:
        self._keys = dict(keys)

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(self._keys)

    def has_key(self, country: str) -> bool:
        return country in self._keys

    def key_id(self, country: str) -> str:
        return self._key(country).key_id

    def _key(self, country: str) -> JurisdictionKey:
        try:
            return self._keys[country]
        except KeyError:
            raise MissingKeyError(f"no pseudonymisation key for jurisdiction {country}") from None

    def pseudonym(self, country: str, value: str) -> str:
        """Keyed pseudonym of ``value`` under ``country``'s key (32 hex chars)."""
        digest = hmac.new(self._key(country).secret, value.encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _scrub(self, country: str, text: str) -> str:
        return _E164_ANYWHERE.sub(lambda m: self.pseudonym(country, m.group(0)), text)

    def alert(self, alert: Alert, country: str) -> Alert:
        """The regulator copy of ``alert`` for ``country``."""
        entity_id = alert.entity_id
        if alert.entity_type in PERSONAL_ENTITY_TYPES or _E164_ANYWHERE.search(entity_id):
            entity_id = self.pseudonym(country, entity_id)
        reasons = tuple(
            Explanation(
                feature=r.feature,
                value=self._scrub(country, r.value) if isinstance(r.value, str) else r.value,
                threshold_or_baseline=r.threshold_or_baseline,
                detail=self._scrub(country, r.detail),
            )
            for r in alert.reasons
        )
        return alert.evolve(
            alert_id=self.pseudonym(country, alert.alert_id),
            entity_id=entity_id,
            reasons=reasons,
            evidence_event_ids=tuple(self.pseudonym(country, e) for e in alert.evidence_event_ids),
            key_id=self.key_id(country),
            pseudonymised=True,
            extra={},
        )


def load_keys(path: Path | None = None, env: Mapping[str, str] | None = None) -> Pseudonymiser:
    """Load keys from ``path`` or the ``EARLYWARN_KEYS`` variable (JSON).

    The JSON maps a country to ``{"key_id": str, "key": hex}``.
    """
    env = os.environ if env is None else env
    if path is not None:
        text = Path(path).read_text()
    elif env.get("EARLYWARN_KEYS"):
        text = env["EARLYWARN_KEYS"]
    else:
        raise MissingKeyError(
            "no pseudonymisation keys: set EARLYWARN_KEYS_FILE or EARLYWARN_KEYS "
            "(or run `earlywarn keys init FILE` to make development keys)"
        )
    raw = json.loads(text)
    return Pseudonymiser(
        {
            cc.upper(): JurisdictionKey(str(v["key_id"]), bytes.fromhex(str(v["key"])))
            for cc, v in raw.items()
        }
    )


def write_dev_keys(path: Path, countries: tuple[str, ...]) -> None:
    """Write fresh random development keys (mode 0600). Not for production."""
    keys = {cc: {"key_id": f"{cc.lower()}-dev-1", "key": secrets.token_hex(32)} for cc in countries}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh, indent=2)
