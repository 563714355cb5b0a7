"""Alert building, update stream, pseudonymisation, routing, intel and subscribers."""

from earlywarn.alerts.build import alert_id_for, build_alert
from earlywarn.alerts.intel import IntelPublisher
from earlywarn.alerts.keyfile import (
    INTEL_ENTRY,
    KeyFileError,
    load_keys,
    rotate_keys,
    write_dev_keys,
)
from earlywarn.alerts.lifecycle import BoundedStore, track
from earlywarn.alerts.pseudonymise import (
    PERSONAL_ENTITY_TYPES,
    JurisdictionKey,
    MissingKeyError,
    Pseudonymiser,
)
from earlywarn.alerts.route import Routed, Router, make_router
from earlywarn.alerts.routing import RoutingConfigError, RoutingRules, Rule, load_rules

__all__ = [
    "INTEL_ENTRY",
    "PERSONAL_ENTITY_TYPES",
    "BoundedStore",
    "IntelPublisher",
    "JurisdictionKey",
    "KeyFileError",
    "MissingKeyError",
    "Pseudonymiser",
    "Routed",
    "Router",
    "RoutingConfigError",
    "RoutingRules",
    "Rule",
    "alert_id_for",
    "build_alert",
    "load_keys",
    "load_rules",
    "make_router",
    "rotate_keys",
    "track",
    "write_dev_keys",
]
