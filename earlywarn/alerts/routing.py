"""Routing rules: which alerts reach which operator topic and which regulators.

Rules come from a TOML file (``EARLYWARN_ROUTING_FILE``; format in ``deploy/routing.example.toml``
and the deploy README). Without a file every alert goes to the operator topic and to every
jurisdiction concerned, whatever its typology or severity.

.. code-block:: toml

    [operators]
    min_severity = "low"
    typologies = ["*"]
    [operators.topics]            # reporting operator / institution -> its own topic
    "TH-AIS" = "earlywarn.alerts.operators.th-ais"

    [jurisdictions.default]       # every jurisdiction not listed
    typologies = ["*"]
    min_severity = "medium"

    [jurisdictions.TH]
    typologies = ["wangiri", "smishing", "mule"]
    min_severity = "low"

    [jurisdictions.SG]
    enabled = false
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from earlywarn.contract.alert import SEVERITIES, Alert, severity_rank

_COUNTRY = re.compile(r"[A-Z]{2}")


class RoutingConfigError(ValueError):
    """A routing file that cannot be read or breaks the format."""


@dataclass(frozen=True, slots=True)
class Rule:
    """Which alerts one destination gets: a typology set (``*`` = all) and a floor."""

    typologies: frozenset[str] = frozenset({"*"})
    min_severity: str = "low"
    enabled: bool = True

    def accepts(self, alert: Alert) -> bool:
        """Whether an alert of this typology and severity passes the rule."""
        if not self.enabled or severity_rank(alert.severity) < severity_rank(self.min_severity):
            return False
        return "*" in self.typologies or alert.typology in self.typologies


@dataclass(frozen=True, slots=True)
class RoutingRules:
    """Parsed routing rules; :meth:`everything` is the default without a file."""

    operators: Rule = field(default_factory=Rule)
    operator_topics: Mapping[str, str] = field(default_factory=dict)
    default: Rule = field(default_factory=Rule)
    jurisdictions: Mapping[str, Rule] = field(default_factory=dict)
    source: str = "<built-in: route everything>"

    @classmethod
    def everything(cls) -> RoutingRules:
        return cls()

    def regulator_rule(self, country: str) -> Rule:
        return self.jurisdictions.get(country, self.default)

    def operator_topic(self, reporter: str, default: str) -> str:
        return self.operator_topics.get(reporter, default)


def _rule(where: str, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise ValueError(f"[{where}] must be a table")
    unknown = set(raw) - {"typologies", "min_severity", "enabled"}
    if unknown:
        raise ValueError(f"[{where}] has unknown keys: {', '.join(sorted(unknown))}")
    typologies = raw.get("typologies", ["*"])
    if not isinstance(typologies, list) or not all(isinstance(t, str) for t in typologies):
        raise ValueError(f"[{where}] typologies must be a list of strings")
    severity = raw.get("min_severity", "low")
    if severity not in SEVERITIES:
        raise ValueError(
            f"[{where}] min_severity {severity!r} is not one of {', '.join(SEVERITIES)}"
        )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"[{where}] enabled must be true or false")
    return Rule(frozenset(typologies), severity, enabled)


def parse_rules(doc: Mapping[str, Any], source: str = "<memory>") -> RoutingRules:
    """Routing rules from a parsed TOML document; raises ``ValueError`` with the problem."""
    unknown = set(doc) - {"operators", "jurisdictions"}
    if unknown:
        raise ValueError(f"unknown sections: {', '.join(sorted(unknown))}")
    ops = dict(doc.get("operators", {}))
    topics = ops.pop("topics", {})
    if not isinstance(topics, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in topics.items()
    ):
        raise ValueError("[operators.topics] must map reporter ids to topic names")
    juris = doc.get("jurisdictions", {})
    if not isinstance(juris, dict):
        raise ValueError("[jurisdictions] must be a table")
    rules: dict[str, Rule] = {}
    for name, raw in juris.items():
        if name != "default" and not _COUNTRY.fullmatch(name):
            raise ValueError(
                f"[jurisdictions.{name}]: expected an ISO 3166 alpha-2 code (e.g. TH) or default"
            )
        rules[name] = _rule(f"jurisdictions.{name}", raw)
    return RoutingRules(
        operators=_rule("operators", ops),
        operator_topics=dict(topics),
        default=rules.pop("default", Rule()),
        jurisdictions=rules,
        source=source,
    )


def load_rules(path: Path | None) -> RoutingRules:
    """Rules from ``path``, or route everything when ``path`` is ``None``.

    Raises
    ------
    RoutingConfigError
        Naming the file and the problem (unreadable, not TOML, or not the format).
    """
    if path is None:
        return RoutingRules.everything()
    try:
        doc = tomllib.loads(Path(path).read_text())
    except OSError as err:
        raise RoutingConfigError(f"routing file {path}: cannot read it ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise RoutingConfigError(f"routing file {path}: not valid TOML: {err}") from None
    try:
        return parse_rules(doc, source=str(path))
    except ValueError as err:
        raise RoutingConfigError(f"routing file {path}: {err}") from None
