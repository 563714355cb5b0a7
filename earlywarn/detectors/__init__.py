"""Typology detectors: stateless, explainable scores over per-entity features."""

from earlywarn.detectors.base import Detection, Detector, Finding
from earlywarn.detectors.cli_spoof import CliSpoofDetector
from earlywarn.detectors.hotspot import HotspotDetector
from earlywarn.detectors.impersonation import ImpersonationDetector
from earlywarn.detectors.mule import MuleDetector
from earlywarn.detectors.pig_butchering import PigButcheringDetector, PigGroomerDetector
from earlywarn.detectors.simbox import SimboxDetector, SimboxDeviceDetector
from earlywarn.detectors.smishing import (
    SmishingDomainDetector,
    SmishingSenderDetector,
    brand_imitation,
)
from earlywarn.detectors.terms import Term, gated_score, ramp
from earlywarn.detectors.victim import (
    SimSwapDetector,
    VictimFanInDetector,
    VictimInProgressDetector,
)
from earlywarn.detectors.wangiri import WangiriDetector, WangiriRouteDetector


def default_detectors() -> list[Detector]:
    """A fresh instance of every built-in typology detector, with default thresholds."""
    return [
        WangiriDetector(),
        WangiriRouteDetector(),
        SimboxDetector(),
        ImpersonationDetector(),
        CliSpoofDetector(),
        SimboxDeviceDetector(),
        SmishingSenderDetector(),
        SmishingDomainDetector(),
        MuleDetector(),
        PigButcheringDetector(),
        PigGroomerDetector(),
        VictimInProgressDetector(),
        VictimFanInDetector(),
        SimSwapDetector(),
        HotspotDetector(),
    ]


__all__ = [
    "CliSpoofDetector",
    "Detection",
    "Detector",
    "Finding",
    "HotspotDetector",
    "ImpersonationDetector",
    "MuleDetector",
    "PigButcheringDetector",
    "PigGroomerDetector",
    "SimSwapDetector",
    "SimboxDetector",
    "SimboxDeviceDetector",
    "SmishingDomainDetector",
    "SmishingSenderDetector",
    "Term",
    "VictimFanInDetector",
    "VictimInProgressDetector",
    "WangiriDetector",
    "WangiriRouteDetector",
    "brand_imitation",
    "default_detectors",
    "gated_score",
    "ramp",
]
