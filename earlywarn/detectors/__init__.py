"""Typology detectors: stateless, explainable scores over per-entity features."""

from earlywarn.detectors.base import Detection, Detector, Finding
from earlywarn.detectors.mule import MuleDetector
from earlywarn.detectors.terms import Term, gated_score, ramp
from earlywarn.detectors.wangiri import WangiriDetector


def default_detectors() -> list[Detector]:
    """A fresh instance of every built-in typology detector, with default thresholds."""
    return [WangiriDetector(), MuleDetector()]


__all__ = [
    "Detection",
    "Detector",
    "Finding",
    "MuleDetector",
    "Term",
    "WangiriDetector",
    "default_detectors",
    "gated_score",
    "ramp",
]
