"""Where each alert goes: the operator topic in full, each jurisdiction pseudonymised."""

from __future__ import annotations

from dataclasses import dataclass

from earlywarn.alerts.pseudonymise import Pseudonymiser
from earlywarn.contract.alert import Alert
from earlywarn.settings import Topics


@dataclass(frozen=True, slots=True)
class Routed:
    """One alert copy bound for one topic."""

    topic: str
    key: str
    alert: Alert


class Router:
    """Route an alert to the operator topic and to every jurisdiction concerned.

    A jurisdiction without a key gets nothing (never a raw copy); it is reported in
    :attr:`unrouted` so the worker can count it.
    """

    def __init__(self, topics: Topics, pseudonymiser: Pseudonymiser) -> None:
        self.topics = topics
        self.pseudonymiser = pseudonymiser

    def route(self, alert: Alert) -> tuple[list[Routed], list[str]]:
        """Return the copies to publish and the jurisdictions that had no key."""
        out = [Routed(self.topics.alerts_operators, alert.entity_id, alert)]
        unrouted: list[str] = []
        for country in alert.jurisdictions:
            if not self.pseudonymiser.has_key(country):
                unrouted.append(country)
                continue
            copy = self.pseudonymiser.alert(alert, country)
            out.append(Routed(self.topics.regulator(country), copy.entity_id, copy))
        return out, unrouted
