"""Online learning: per-channel anomaly models."""

from earlywarn.learning.anomaly import ChannelAnomaly, RunningStat

CHANNELS: tuple[str, ...] = ("cdr", "sms", "payments")

__all__ = ["CHANNELS", "ChannelAnomaly", "RunningStat"]
