"""Alert building, pseudonymisation and routing."""

from earlywarn.alerts.build import alert_id_for, build_alert
from earlywarn.alerts.pseudonymise import (
    PERSONAL_ENTITY_TYPES,
    JurisdictionKey,
    MissingKeyError,
    Pseudonymiser,
    load_keys,
    write_dev_keys,
)
from earlywarn.alerts.route import Routed, Router

__all__ = [
    "PERSONAL_ENTITY_TYPES",
    "JurisdictionKey",
    "MissingKeyError",
    "Pseudonymiser",
    "Routed",
    "Router",
    "alert_id_for",
    "build_alert",
    "load_keys",
    "write_dev_keys",
]
