"""Online learning: anomaly models per channel, supervised models from labels, drift."""

from earlywarn.learning.anomaly import ChannelAnomaly
from earlywarn.learning.drift import DriftMonitor
from earlywarn.learning.running import RunningStat
from earlywarn.learning.supervised import LabelModel, label_class, sampled

CHANNELS: tuple[str, ...] = ("cdr", "sms", "payments")

__all__ = [
    "CHANNELS",
    "ChannelAnomaly",
    "DriftMonitor",
    "LabelModel",
    "RunningStat",
    "label_class",
    "sampled",
]
