"""Shared intel out: pseudonymised indicators from critical alerts and confirmed labels.

An indicator follows the contract's ``earlywarn.intel`` record (key: ``indicator``). The
indicator is the entity's pseudonym under the key shared with intel partners (the
``INTEL`` entry of the keys file), never the raw value, so it can cross trust domains; a
partner holding the same key looks up ``p:<pseudonym>`` for each entity it sees
(``Engine.pseudonym``).

No loops: alerts raised *because of* shared intel (the intel detector, or a reason that
cites ``shared_intel``) publish nothing, and neither does an alert on an entity the shared
watchlist already holds an unexpired indicator for (``known``), so an indicator is never
echoed back, and a partner's own later detection of it does not send it round again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from earlywarn.alerts.pseudonymise import PERSONAL_ENTITY_TYPES, Pseudonymiser
from earlywarn.contract.alert import Alert, iso, severity_rank

#: Entity types an indicator may name (the contract's ``entity_type`` values).
INDICATOR_TYPES: frozenset[str] = PERSONAL_ENTITY_TYPES | {"url_domain"}


class IntelPublisher:
    """Decide which alerts become indicators, and build them.

    Parameters
    ----------
    pseudonymiser
        Holds the shared intel key; without one nothing is published.
    min_severity
        Alerts from this severity publish (``"off"``: none).
    source_country
        ``source_country`` of every indicator; default the alert's first jurisdiction.
    """

    def __init__(
        self,
        pseudonymiser: Pseudonymiser,
        *,
        min_severity: str = "critical",
        source_country: str | None = None,
    ) -> None:
        self.pseudonymiser = pseudonymiser
        self.min_rank = None if min_severity == "off" else severity_rank(min_severity)
        self.source_country = source_country

    @property
    def enabled(self) -> bool:
        return self.pseudonymiser.intel_key is not None and self.min_rank is not None

    def from_alert(
        self,
        alert: Alert,
        detector: str = "",
        known: Callable[[str], Any] | None = None,
    ) -> tuple[str, dict[str, Any]] | None:
        """``(key, value)`` of the indicator for ``alert``, or ``None``.

        ``known`` looks up the shared watchlist (``p:<pseudonym>`` entries).
        """
        if not self.enabled or self.min_rank is None:
            return None
        if severity_rank(alert.severity) < self.min_rank:
            return None
        if detector == "intel" or any(r.feature == "shared_intel" for r in alert.reasons):
            return None  # learned from intel: don't echo it
        if known is not None and alert.entity_type in INDICATOR_TYPES:
            hit = known(f"p:{self.pseudonymiser.intel_pseudonym(alert.entity_id)}")
            if hit and float(hit.get("x", 0.0)) >= alert.event_time:
                return None  # partners already have it
        country = self.source_country or (alert.jurisdictions[0] if alert.jurisdictions else "")
        return self.indicator(
            alert.entity_type,
            alert.entity_id,
            confidence=alert.score,
            typology=alert.typology,
            expires_time=alert.expires_time,
            source_country=country,
        )

    def indicator(
        self,
        entity_type: str,
        entity_id: str,
        *,
        confidence: float,
        typology: str | None,
        expires_time: float,
        source_country: str,
    ) -> tuple[str, dict[str, Any]] | None:
        """A contract intel record naming ``entity_id`` by its shared pseudonym."""
        if not self.enabled or entity_type not in INDICATOR_TYPES:
            return None
        pseudonym = self.pseudonymiser.intel_pseudonym(entity_id)
        value: dict[str, Any] = {
            "indicator_type": entity_type,
            "indicator": pseudonym,
            "pseudonymised": True,
            "confidence": round(min(1.0, max(0.0, confidence)), 4),
            "source_country": source_country,
            "expires_time": iso(expires_time),
        }
        if typology:
            value["typology"] = typology
        return pseudonym, value
