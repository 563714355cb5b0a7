"""Where each alert goes: its operator topic in full, each jurisdiction pseudonymised.

The rules (:mod:`earlywarn.alerts.routing`) pick the operator topic of the reporting
operator or institution and which jurisdictions concerned (caller and callee countries,
payer and payee) get a copy; without a rules file everything goes everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from earlywarn.alerts.intel import IntelPublisher
from earlywarn.alerts.lifecycle import LedgerStore, track
from earlywarn.alerts.pseudonymise import Pseudonymiser
from earlywarn.alerts.routing import RoutingRules, load_rules
from earlywarn.contract.alert import Alert
from earlywarn.contract.events import LabelEvent
from earlywarn.settings import Settings, Topics

#: Labels that confirm an entity as a scam or mule (they publish an indicator).
CONFIRMED_LABELS: frozenset[str] = frozenset({"scam", "mule"})
_CONFIRMED_TTL_S = 7 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Routed:
    """One alert copy bound for one topic."""

    topic: str
    key: str
    alert: Alert


class Router:
    """Route an alert to its operator topic and to every jurisdiction concerned.

    A jurisdiction without a key gets nothing (never a raw copy); it is reported in the
    second value of :meth:`route` so the worker can count it. A jurisdiction whose rule
    filters the alert out is simply skipped.

    Parameters
    ----------
    topics
        Topic names.
    pseudonymiser
        Per-jurisdiction keys (and the shared intel key).
    rules
        Routing rules; default: everything to everyone.
    intel
        Which alerts publish an indicator; default: critical ones, when there is an
        intel key.
    """

    def __init__(
        self,
        topics: Topics,
        pseudonymiser: Pseudonymiser,
        *,
        rules: RoutingRules | None = None,
        intel: IntelPublisher | None = None,
    ) -> None:
        self.topics = topics
        self.pseudonymiser = pseudonymiser
        self.rules = rules or RoutingRules.everything()
        self.intel = intel or IntelPublisher(pseudonymiser)

    def operator_topics(self) -> frozenset[str]:
        """Every operator topic the rules name (for topic creation)."""
        return frozenset({self.topics.alerts_operators, *self.rules.operator_topics.values()})

    def track(self, alert: Alert, store: LedgerStore) -> Alert:
        """``alert`` placed in its update stream (:func:`earlywarn.alerts.lifecycle.track`)."""
        return track(alert, store)

    def route(self, alert: Alert) -> tuple[list[Routed], list[str]]:
        """Return the copies to publish and the jurisdictions that had no key.

        The operator copy, when the rules let it through, comes first.
        """
        out: list[Routed] = []
        if self.rules.operators.accepts(alert):
            topic = self.rules.operator_topic(alert.reporter, self.topics.alerts_operators)
            out.append(Routed(topic, alert.entity_id, alert))
        unrouted: list[str] = []
        for country in alert.jurisdictions:
            if not self.rules.regulator_rule(country).accepts(alert):
                continue
            if not self.pseudonymiser.has_key(country):
                unrouted.append(country)
                continue
            copy = self.pseudonymiser.alert(alert, country)
            out.append(Routed(self.topics.regulator(country), copy.entity_id, copy))
        return out, unrouted

    def indicators(
        self, alert: Alert, detector: str = "", known: Callable[[str], Any] | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """Intel records (key, value) to publish for ``alert``: none, or one.

        ``known`` looks up the shared watchlist: what partners already share is not sent.
        """
        found = self.intel.from_alert(alert, detector, known)
        return [] if found is None else [found]

    def label_indicators(self, label: LabelEvent) -> list[tuple[str, dict[str, Any]]]:
        """Intel records for a confirmed scam or mule label."""
        if label.label not in CONFIRMED_LABELS:
            return []
        found = self.intel.indicator(
            label.entity_type,
            label.entity_id,
            confidence=1.0,
            typology=label.typology,
            expires_time=label.reported_time + _CONFIRMED_TTL_S,
            source_country=self.intel.source_country or "ZZ",  # ZZ: unknown (ISO user code)
        )
        return [] if found is None else [found]

    @property
    def intel_pseudonym(self) -> Any:
        """``raw -> pseudonym`` under the shared intel key, or ``None`` without one."""
        return self.pseudonymiser.intel_pseudonym if self.pseudonymiser.intel_key else None


def make_router(settings: Settings, pseudonymiser: Pseudonymiser) -> Router:
    """The router a worker or replay uses: rules file and intel options from ``settings``.

    Raises
    ------
    RoutingConfigError
        For a bad routing file, naming it and the problem.
    """
    return Router(
        settings.topics,
        pseudonymiser,
        rules=load_rules(settings.routing_file),
        intel=IntelPublisher(
            pseudonymiser,
            min_severity=settings.intel_min_severity,
            source_country=settings.intel_country,
        ),
    )
