"""SIM-box: banks of local SIMs in a gateway terminating bypassed international calls."""

from __future__ import annotations

from collections.abc import Mapping

from earlywarn.detectors.base import Detector, Finding
from earlywarn.detectors.terms import Term, gated_score


class SimboxDetector(Detector):
    """One SIM of a SIM-box: outbound volume around the clock from a fixed cell.

    The gate is the number's call volume over 24 h; the pattern is how many hours of the
    day it is active (a gateway does not sleep, a call centre keeps office hours), how
    static its cell is and how many of its calls in 24 h went to first contacts. A
    gateway terminates calls for strangers; the heaviest human callers (50-60 calls a
    day, 16-19 hours of it, from 3 cells) call the same few dozen people over and over.

    Examples
    --------
    >>> d = SimboxDetector()
    >>> sim = {"calls_24h": 90.0, "active_hours_24h": 20.0, "distinct_cells": 1.0,
    ...        "new_callee_share_24h": 1.0}
    >>> round(d.score_one(sim).score, 2)
    1.0
    >>> d.score_one({**sim, "active_hours_24h": 11.0}).score < d.threshold
    True
    >>> heavy = {"calls_24h": 61.0, "active_hours_24h": 16.0, "distinct_cells": 3.0,
    ...          "new_callee_share_24h": 0.31}
    >>> d.score_one(heavy).score < d.threshold
    True
    """

    name = "simbox"
    typology = "simbox"
    # 2: volume gate 60 calls in 24 h (40 caught heavy human callers); 3: first contacts
    # over 24 h, not the last hour, and weighted 0.4 (heavy callers scored 0.75-0.80)
    version = "3"
    entity_type = "msisdn"
    channel = "cdr"
    ttl_s = 72 * 3600.0

    def __init__(
        self, *, min_calls: float = 60.0, min_hours: float = 16.0, threshold: float = 0.75
    ) -> None:
        self.threshold = threshold
        self.gate = Term(
            "calls_24h",
            min_calls / 3,
            min_calls,
            1.0,
            "made {value:g} calls in 24 h (threshold {threshold:g})",
        )
        self.pattern = (
            Term(
                "active_hours_24h",
                12.0,
                min_hours,
                0.4,
                "calling in {value:g} different hours of the day (threshold {threshold:g})",
            ),
            Term(
                "distinct_cells", 6.0, 2.0, 0.2, "used {value:g} cells (static below {threshold:g})"
            ),
            Term(
                "new_callee_share_24h",
                0.5,
                0.9,
                0.4,
                "{value:.0%} of its calls in 24 h were to first contacts",
            ),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one caller's features; ``None`` below the volume gate."""
        score, reasons = gated_score(self.gate, self.pattern, features)
        if score <= 0.0:
            return None
        return Finding(score=score, reasons=reasons, recommended_action="block_number")


class SimboxDeviceDetector(Detector):
    """Many SIMs in one device (IMEI) within minutes: a SIM-box gateway.

    Runs on the device's re-keyed state (:class:`~earlywarn.features.linked.ImeiState`);
    the engine also alerts on each SIM seen in a flagged device.

    Examples
    --------
    >>> d = SimboxDeviceDetector()
    >>> d.score_one({"sims_24h": 12.0, "sims_10m": 4.0}).score
    1.0
    >>> d.score_one({"sims_24h": 1.0, "sims_10m": 1.0}) is None
    True
    """

    name = "simbox-device"
    typology = "simbox"
    version = "1"
    entity_type = "imei"
    channel = "imei"
    ttl_s = 72 * 3600.0

    def __init__(self, *, min_sims: float = 4.0, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.gate = Term(
            "sims_24h",
            1.0,
            min_sims,
            1.0,
            "{value:g} SIMs used this device in 24 h (threshold {threshold:g})",
        )
        self.pattern = (
            Term("sims_10m", 1.0, 3.0, 1.0, "{value:g} SIMs used it within 10 minutes"),
        )

    def score_one(self, features: Mapping[str, float]) -> Finding | None:
        """Score one device's features; ``None`` with a single SIM."""
        score, reasons = gated_score(self.gate, self.pattern, features, min_strength=0.0)
        if score <= 0.0:
            return None
        return Finding(score=max(score, 0.5), reasons=reasons, recommended_action="block_number")
