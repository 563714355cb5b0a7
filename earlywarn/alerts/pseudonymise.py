"""Keyed pseudonyms for regulator copies of alerts (HMAC-SHA256 per jurisdiction).

Keys are read from a file or the environment, never from code. A regulator copy carries
no raw phone number, account, IMEI, sender id or event id: each is replaced by its keyed
pseudonym under that jurisdiction's key, and the alert names the ``key_id``.

Rotation: a jurisdiction's entry may list ``previous`` keys, each with an ``until`` time
(the end of the overlap). Until then its regulator copies also carry
``previous_pseudonyms: {old_key_id: {...}}``, the same identifiers under the old key, so
the regulator matches them against what it received before the rotation. The reserved
entry ``INTEL`` is the key shared with intel partners (:mod:`earlywarn.alerts.intel`).
Key files are handled by :mod:`earlywarn.alerts.keyfile`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from earlywarn.contract.alert import Alert, Explanation

#: Entity types that identify a person, a line, a device or an account.
PERSONAL_ENTITY_TYPES: frozenset[str] = frozenset(("msisdn", "account", "imei", "sender_id"))
#: Entity types replaced by a pseudonym on regulator copies: the personal ones and cells
#: (a cell id locates people).
PSEUDONYMISED_ENTITY_TYPES: frozenset[str] = PERSONAL_ENTITY_TYPES | {"cell"}
_E164_ANYWHERE = re.compile(r"\+[1-9][0-9]{6,14}")
#: Phone numbers, and IMEI-like runs of 14-16 digits, wherever they appear in free text.
_IDENTIFIER_ANYWHERE = re.compile(r"\+[1-9][0-9]{6,14}|(?<![0-9])[0-9]{14,16}(?![0-9])")


class MissingKeyError(LookupError):
    """No pseudonymisation key for a jurisdiction."""


@dataclass(frozen=True, slots=True)
class JurisdictionKey:
    """One HMAC key; ``until`` (epoch seconds) ends the overlap of a previous key."""

    key_id: str
    secret: bytes
    until: float | None = None

    def __repr__(self) -> str:  # never print the secret
        return f"JurisdictionKey(key_id={self.key_id!r}, secret=<{len(self.secret)} bytes>)"

    def pseudonym(self, value: str) -> str:
        """Keyed pseudonym of ``value`` (32 hex chars)."""
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()[:32]


class Pseudonymiser:
    """Pseudonymise identifiers and alerts per jurisdiction.

    Parameters
    ----------
    keys
        ``{country: JurisdictionKey}``, the current key of each jurisdiction.
    previous
        ``{country: (JurisdictionKey, ...)}``, rotated-out keys with their overlap end.
    intel
        The key shared with intel partners, if any.

    Examples
    --------
    >>> p = Pseudonymiser({"TH": JurisdictionKey("th-1", b"k" * 32)})
    >>> a, b = p.pseudonym("TH", "+66812345678"), p.pseudonym("TH", "+66812345678")
    >>> a == b, a.startswith("+66")
    (True, False)
    """

    def __init__(
        self,
        keys: Mapping[str, JurisdictionKey],
        *,
        previous: Mapping[str, Iterable[JurisdictionKey]] | None = None,
        intel: JurisdictionKey | None = None,
    ) -> None:
        self._keys = dict(keys)
        self._previous = {cc: tuple(ks) for cc, ks in (previous or {}).items()}
        self.intel_key = intel

    def __repr__(self) -> str:
        return f"Pseudonymiser(countries={sorted(self._keys)}, intel={self.intel_key is not None})"

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

    def previous_keys(self, country: str, now: float) -> tuple[JurisdictionKey, ...]:
        """Rotated-out keys of ``country`` still in their overlap at ``now``."""
        return tuple(k for k in self._previous.get(country, ()) if k.until is None or k.until > now)

    def pseudonym(self, country: str, value: str) -> str:
        """Keyed pseudonym of ``value`` under ``country``'s current key (32 hex chars)."""
        return self._key(country).pseudonym(value)

    def intel_pseudonym(self, value: str) -> str:
        """Pseudonym of ``value`` under the shared intel key."""
        if self.intel_key is None:
            raise MissingKeyError("no shared intel key (INTEL entry of the keys file)")
        return self.intel_key.pseudonym(value)

    def alert(self, alert: Alert, country: str) -> Alert:
        """The regulator copy of ``alert`` for ``country``.

        During a rotation's overlap (at the alert's ``created_time``) the copy also carries
        the identifiers under each previous key, in ``previous_pseudonyms``.
        """
        copy = _pseudonymise(alert, self._key(country))
        olds = self.previous_keys(country, alert.created_time)
        if not olds:
            return copy
        previous: dict[str, dict[str, Any]] = {}
        for old in olds:
            other = _pseudonymise(alert, old)
            entry: dict[str, Any] = {
                "alert_id": other.alert_id,
                "entity_id": other.entity_id,
                "evidence_event_ids": list(other.evidence_event_ids),
            }
            if other.supersedes is not None:
                entry["supersedes"] = other.supersedes
            previous[old.key_id] = entry
        return copy.evolve(previous_pseudonyms=previous)


def _personal(alert: Alert) -> bool:
    if alert.entity_type in PSEUDONYMISED_ENTITY_TYPES:
        return True
    return bool(_E164_ANYWHERE.search(alert.entity_id))


def _pseudonymise(alert: Alert, key: JurisdictionKey) -> Alert:
    """``alert`` with every identifier replaced by its pseudonym under ``key``."""
    raws: dict[str, str] = {e: key.pseudonym(e) for e in alert.evidence_event_ids}
    trigger = alert.extra.get("trigger_event_id")
    if isinstance(trigger, str) and trigger:
        raws[trigger] = key.pseudonym(trigger)
    entity_id = alert.entity_id
    if _personal(alert):
        entity_id = raws[alert.entity_id] = key.pseudonym(alert.entity_id)
    # Longest first, so an identifier inside a longer one is not replaced piecemeal.
    order = sorted(raws, key=len, reverse=True)

    def scrub(text: str) -> str:
        for raw in order:
            if raw in text:
                text = text.replace(raw, raws[raw])
        return _IDENTIFIER_ANYWHERE.sub(lambda m: key.pseudonym(m.group(0)), text)

    reasons = tuple(
        Explanation(
            feature=r.feature,
            value=scrub(r.value) if isinstance(r.value, str) else r.value,
            threshold_or_baseline=r.threshold_or_baseline,
            detail=scrub(r.detail),
        )
        for r in alert.reasons
    )
    return alert.evolve(
        alert_id=key.pseudonym(alert.alert_id),
        entity_id=entity_id,
        reasons=reasons,
        evidence_event_ids=tuple(key.pseudonym(e) for e in alert.evidence_event_ids),
        supersedes=None if alert.supersedes is None else key.pseudonym(alert.supersedes),
        key_id=key.key_id,
        pseudonymised=True,
        previous_pseudonyms=None,
        extra={},
    )


def __getattr__(name: str) -> Any:
    """``load_keys`` and ``write_dev_keys`` moved to :mod:`earlywarn.alerts.keyfile`."""
    if name in ("load_keys", "write_dev_keys", "rotate_keys"):
        from earlywarn.alerts import keyfile

        return getattr(keyfile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
